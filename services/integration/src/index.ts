// Public surface of @industrial/integration: the composition root (for main.ts and the one-process
// launchers), the setup schema, and the edge ↔ central pieces (leaf-node link, central sinks, ingest).
export { createIntegrationApp, SERVICE_NAME } from './app.ts';
export type { IntegrationApp, IntegrationAppDeps } from './app.ts';
export { IntegrationSetup, EMPTY_SETUP } from './domain/setup.ts';
export { inferenceGateway } from './adapters/http/inference.ts';
export { readSetupFile } from './adapters/setup-file.ts';
export { consumeCentral, openEdgeWriter, edgeStream } from './adapters/edge/jetstream-link.ts';
export { openCentralSinks, type EdgeEventData } from './adapters/edge/central-sinks.ts';
export { createEdgeIngest } from './features/edge-ingest.ts';
export const INTEGRATION_SERVICE = 'integration';
