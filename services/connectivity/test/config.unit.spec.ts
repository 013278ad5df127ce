import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'conn-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = { LEDGER_KEY_FILE: join(dir, 'ledger.pem') };
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('connectivity configuration', () => {
  it('serves no gRPC API unless CONNECTIVITY_GRPC_PORT is set, and then needs the key set', () => {
    const off = loadConfig(base);
    expect(off.ok && off.config.grpc).toBeNull();
    expect(loadConfig({ ...base, CONNECTIVITY_GRPC_PORT: '' })).toMatchObject({ ok: true, config: { grpc: null } });
    expect(loadConfig({ ...base, CONNECTIVITY_GRPC_PORT: '50054' })).toMatchObject({ ok: false, message: expect.stringContaining('ACCESS_KEYS_DIR') });
    expect(loadConfig({ ...base, CONNECTIVITY_GRPC_PORT: 'x', ACCESS_KEYS_DIR: dir })).toMatchObject({
      ok: false,
      message: expect.stringContaining('CONNECTIVITY_GRPC_PORT'),
    });
    expect(loadConfig({ ...base, CONNECTIVITY_GRPC_PORT: '50054', ACCESS_KEYS_DIR: dir })).toMatchObject({
      ok: true,
      config: { grpc: { host: '127.0.0.1', port: 50054, access: { keysDir: dir, issuer: 'industrial-access', audience: 'industrial-platform' } } },
    });
  });

  it('reads the sources file once; a missing or malformed one names the variable', () => {
    expect(loadConfig({ ...base, CONNECTIVITY_SOURCES_FILE: file('ok.json', '[{"sourceId":"x"}]') })).toMatchObject({
      ok: true,
      config: { sources: [{ sourceId: 'x' }] },
    });
    expect(loadConfig({ ...base, CONNECTIVITY_SOURCES_FILE: join(dir, 'missing.json') })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^CONNECTIVITY_SOURCES_FILE .*ENOENT/),
    });
    expect(loadConfig({ ...base, CONNECTIVITY_SOURCES_FILE: file('obj.json', '{}') })).toMatchObject({
      ok: false,
      message: 'CONNECTIVITY_SOURCES_FILE must hold a JSON array of sources',
    });
    expect(loadConfig(base)).toMatchObject({ ok: true, config: { sources: [] } });
  });
});
