// Service not built yet (see its issue); this empty module keeps the workspace typecheckable.
export {};
