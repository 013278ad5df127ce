// Public surface of @industrial/governance: the composition root the one-process launcher
// embeds, and the config loader main.ts uses.
export { createGovernanceApp, SERVICE_NAME } from './app.ts';
export type { GovernanceApp, GovernanceAppConfig, GovernanceAppDeps } from './app.ts';
export { loadConfig } from './config.ts';
export type { ConfigResult, GovernanceConfig } from './config.ts';
