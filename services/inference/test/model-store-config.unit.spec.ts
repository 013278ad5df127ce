// Environment → where an edge site's inference takes its models (issue #21): the registered file://
// artifacts unless INFERENCE_MODEL_STORE_BUCKET names an object store bucket; its domain, cache and
// wait; settings that only mean something with a bucket are refused without one, naming the variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const base = { LEDGER_KEY_FILE: '/k/ledger.pem', ACCESS_KEYS_DIR: '/k/access', INFERENCE_REPLICA_ID: 'r1' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });

describe('model store configuration', () => {
  it('reads the registered file:// artifacts by default', () => {
    const r = load({});
    expect(r.ok && r.config.modelStore).toBeNull();
  });

  it('takes models from the named bucket: local domain, a cache per replica and a 60 s wait by default', () => {
    const r = load({ INFERENCE_MODEL_STORE_BUCKET: 'models' });
    expect(r.ok && r.config.modelStore).toEqual({ bucket: 'models', domain: null, cacheDir: './data/models-r1', waitMs: 60_000 });
  });

  it('takes the centre’s domain, a cache directory and a wait when given', () => {
    const r = load({
      INFERENCE_MODEL_STORE_BUCKET: 'models',
      INFERENCE_MODEL_STORE_DOMAIN: 'hub',
      INFERENCE_MODEL_CACHE_DIR: '/var/lib/site/models',
      INFERENCE_MODEL_STORE_WAIT_MS: '5000',
    });
    expect(r.ok && r.config.modelStore).toEqual({ bucket: 'models', domain: 'hub', cacheDir: '/var/lib/site/models', waitMs: 5_000 });
  });

  it.each([
    [{ INFERENCE_MODEL_STORE_DOMAIN: 'hub' }, 'INFERENCE_MODEL_STORE_DOMAIN'],
    [{ INFERENCE_MODEL_CACHE_DIR: '/tmp/models' }, 'INFERENCE_MODEL_CACHE_DIR'],
    [{ INFERENCE_MODEL_STORE_BUCKET: 'models.v1' }, 'INFERENCE_MODEL_STORE_BUCKET'],
    [{ INFERENCE_MODEL_STORE_BUCKET: 'models', INFERENCE_MODEL_STORE_WAIT_MS: 'soon' }, 'INFERENCE_MODEL_STORE_WAIT_MS'],
  ])('rejects %j naming the variable', (env, variable) => {
    const r = load(env);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(variable);
  });
});
