// Environment → typed config, once: defaults, and one message naming each bad variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const required = {
  LEDGER_KEY_FILE: '/k/ledger.pem',
  ACCESS_KEYS_DIR: '/k/keys',
  TRAINING_GOVERNANCE_ADDRESS: '127.0.0.1:50051',
  TRAINING_GOVERNANCE_TOKEN_FILE: '/k/t.jwt',
};

describe('the training configuration', () => {
  it('fills defaults: fs artifacts, one run at a time, finish on SIGTERM, code version from git', () => {
    const r = loadConfig(required);
    expect(r.ok && r.config).toMatchObject({
      artifacts: { kind: 'fs', dir: './data/artifacts' },
      concurrency: 1,
      shutdownMode: 'finish',
      codeVersion: null,
      eventStore: { kind: 'sqlite' },
      governance: { address: '127.0.0.1:50051', tokenFile: '/k/t.jwt' },
    });
  });
  it.each([
    [{ TRAINING_CONCURRENCY: '0' }, /TRAINING_CONCURRENCY must be ≥ 1 \(got "0"\)/],
    [{ TRAINING_SHUTDOWN: 'later' }, /TRAINING_SHUTDOWN must be "finish" or "cancel"/],
    [{ EVENTSTORE: 'postgres' }, /PG_URL is required when EVENTSTORE=postgres/],
    [{ TRAINING_ARTIFACT_STORE: 's3' }, /TRAINING_S3_BUCKET TRAINING_S3_ENDPOINT and TRAINING_S3_BUCKET are required/],
    [{ TRAINING_CODE_VERSION: 'main' }, /TRAINING_CODE_VERSION must be a git sha or a package version/],
    [{ LEDGER_KEY_FILE: '' }, /LEDGER_KEY_FILE is required/],
    [{ TRAINING_GOVERNANCE_TOKEN_FILE: '' }, /TRAINING_GOVERNANCE_TOKEN_FILE is required with TRAINING_GOVERNANCE_ADDRESS/],
    [{ TRAINING_GOVERNANCE_ADDRESS: '' }, /TRAINING_GOVERNANCE_ADDRESS is required/],
    [{ TRAINING_GOVERNANCE_ADDRESS: 'http://governance', TRAINING_GOVERNANCE_TOKEN_FILE: '/k/t.jwt' }, /TRAINING_GOVERNANCE_ADDRESS must be host:port/],
  ])('refuses %j', (env, message) => {
    const r = loadConfig({ ...required, ...env });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
  });
});
