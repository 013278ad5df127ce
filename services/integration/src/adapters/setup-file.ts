// Reads and validates the integration setup file (INTEGRATION_SETUP_FILE): one message naming each bad field.
import { readFileSync } from 'node:fs';
import { EMPTY_SETUP, IntegrationSetup } from '../domain/setup.ts';

export function readSetupFile(path: string | null): IntegrationSetup {
  if (path === null) return EMPTY_SETUP;
  const parsed = IntegrationSetup.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data;
}
