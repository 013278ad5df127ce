// Public surface of @industrial/governance: the composition root the one-process launcher embeds,
// the registry's use cases in process (createModelRegistry: what training's standalone adapter and
// the launcher call), and the config loader main.ts uses.
export { createGovernanceApp, createModelRegistry, governanceKernel, SERVICE_NAME } from './app.ts';
export type { GovernanceApp, GovernanceAppConfig, GovernanceAppDeps } from './app.ts';
export type { Registered, RegistryFeatures } from './features/registry.ts';
export { BREAK_GLASS_CONDITION, FourEyesError, RegistryError, isBreakGlass } from './domain/registry.ts';
export type { ApprovalRequestView, RegisterCommand, RegisteredVersion, RegistryState } from './domain/registry.ts';
export { loadConfig } from './config.ts';
export type { ConfigResult, GovernanceConfig } from './config.ts';
