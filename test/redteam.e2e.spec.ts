// `npm run redteam`, shortened (REDTEAM_SAMPLE=1: one gRPC method per port, one HTTP route per
// server, every forged token, every fuzz body, every ImportCsv order, every forged NATS publish and
// tamper case): the suite's own last line, asserted per category. What issue 18 has fixed must
// stay fixed; what is still open is asserted as measured (and named), never as fixed.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const KEYS = [
  'bench',
  'cases',
  'accepted_wrongly',
  'crashes',
  'server_errors',
  'unrecorded_denials',
  'tamper_cases',
  'tamper_found',
  'forged_events_applied',
  'plaintext_ports',
];

function runSuite(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'scripts/redteam/main.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  return new Promise((r) => proc.once('exit', (code) => r({ code, stdout, stderr })));
}

describe('npm run redteam (shortened)', () => {
  it('refuses and records every forged call, survives every bad input, finds tampering, refuses forged NATS publishes', async () => {
    const run = await runSuite({ REDTEAM_SAMPLE: '1', REDTEAM_MAX_REQUESTS: '600', REDTEAM_MAX_SECONDS: '60' });
    expect(run.code, run.stderr.slice(-4000)).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const result = JSON.parse(lines.at(-1) ?? '') as Record<string, number | string>;
    expect(Object.keys(result)).toEqual(KEYS);
    expect(result.bench).toBe('redteam');
    const why = run.stderr.slice(-4000);
    expect(result.cases, why).toBeGreaterThan(50);
    // Items 3 and 4 (fixed): no forged, expired, alg-none, wrong-key or escalated token answered; every refusal recorded.
    expect(result.accepted_wrongly, why).toBe(0);
    expect(result.unrecorded_denials, why).toBe(0);
    // Item 3 (fixed): no bad input ends a process or answers INTERNAL/UNKNOWN/5xx or hangs.
    expect(result.crashes, why).toBe(0);
    expect(result.server_errors, why).toBe(0);
    // Item 1 (fixed): forged FaultLabelled and UNS publishes refused by the authenticated NATS conduit.
    expect(result.forged_events_applied, why).toBe(0);
    // Item 5: tampering found. Found in the standalone mode: an altered event, a deleted newest event. Still open
    // there: `npm start` anchors to the file alone (governance README, known gaps), so truncating back to the
    // previous anchor together with the last anchor line, or deleting the file, leaves nothing to compare with.
    // TODO(issue 18 item 5): a second anchor sink in the standalone mode, then tamper_found == tamper_cases.
    expect(result.tamper_cases).toBe(4);
    const missed = run.stderr.split('\n').filter((l) => l.includes('tamper not found'));
    expect(missed, why).toEqual([expect.stringContaining('back to the previous anchor'), expect.stringContaining('delete the anchor file')]);
    expect(result.tamper_found).toBe(Number(result.tamper_cases) - 2);
    // Item 2 (open): every API is plaintext today. TODO(issue 18 item 2, TLS everywhere): expect 0.
    const listed = /plaintext ports \(TLS is a later item\): (.*)$/m.exec(run.stderr)?.[1]?.split(', ') ?? [];
    expect(result.plaintext_ports).toBe(listed.length);
  });
});
