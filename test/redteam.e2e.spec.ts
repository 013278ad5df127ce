// `npm run redteam`, shortened (REDTEAM_SAMPLE=1: one gRPC method per port, one HTTP route per
// server, every forged token, every fuzz body, every ImportCsv order, every forged NATS publish and
// tamper case), in both launchers at once (the cluster with PLATFORM_TLS=1): the suite's own last line, asserted per category. What
// issue 18 has fixed must stay fixed; what is still open is asserted as measured (and named), never as fixed.
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

interface Run {
  code: number | null;
  result: Record<string, number | string>;
  stderr: string;
}

function runSuite(env: Record<string, string>): Promise<Run> {
  const proc = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'scripts/redteam/main.ts')], {
    cwd: root,
    env: { ...process.env, REDTEAM_SAMPLE: '1', REDTEAM_MAX_REQUESTS: '600', REDTEAM_MAX_SECONDS: '60', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  // Never outlives the test: stopped (the suite stops its platform on SIGTERM) before vitest's timeout.
  const timer = setTimeout(() => proc.kill('SIGTERM'), 240_000);
  return new Promise((r) =>
    proc.once('exit', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      r({ code, stderr, result: last.startsWith('{') ? (JSON.parse(last) as Record<string, number | string>) : {} });
    }),
  );
}

/** The categories fixed in both launchers (issue 18 items 1, 3, 4). */
function expectFixedCategories(run: Run): void {
  const why = run.stderr.slice(-4000);
  expect(run.code, why).toBe(0);
  expect(Object.keys(run.result)).toEqual(KEYS);
  expect(run.result.bench).toBe('redteam');
  expect(run.result.cases, why).toBeGreaterThan(50);
  // Items 3 and 4: no forged, expired, alg-none, wrong-key or escalated token answered; every refusal recorded.
  expect(run.result.accepted_wrongly, why).toBe(0);
  expect(run.result.unrecorded_denials, why).toBe(0);
  // Item 3: no bad input ends a process or answers INTERNAL/UNKNOWN/5xx or hangs.
  expect(run.result.crashes, why).toBe(0);
  expect(run.result.server_errors, why).toBe(0);
  // Item 1: forged FaultLabelled and UNS publishes refused by the authenticated NATS conduit.
  expect(run.result.forged_events_applied, why).toBe(0);
  expect(run.result.tamper_cases).toBe(4);
  // Item 2: plaintext ports, as measured (the probe's list and the count agree); per launcher below.
  const listed = /plaintext ports \(no TLS handshake\): (.*)$/m.exec(run.stderr)?.[1]?.split(', ') ?? [];
  expect(run.result.plaintext_ports).toBe(listed.length);
}

const missed = (run: Run): string[] => run.stderr.split('\n').filter((l) => l.includes('tamper not found'));

describe('npm run redteam (shortened)', () => {
  it('both launchers: refuses and records every forged call, survives every bad input, refuses forged NATS publishes, finds tampering', async () => {
    const [standalone, cluster] = await Promise.all([runSuite({ REDTEAM_MODE: 'standalone' }), runSuite({ REDTEAM_MODE: 'cluster', REDTEAM_TLS: '1' })]);
    expectFixedCategories(standalone);
    expectFixedCategories(cluster);
    // Item 2: `npm start` is plaintext by default (opt-in PLATFORM_TLS=1); with TLS on, only the cluster's own NATS
    // is left without it. TODO(issue 18 item 2): TLS for the cluster's NATS, then 0 here.
    expect(standalone.result.plaintext_ports).toBeGreaterThan(0);
    expect(cluster.stderr).toMatch(/plaintext ports \(no TLS handshake\): NATS \d+$/m);
    // Item 5 (fixed where anchors also go to JetStream): the cluster finds every tamper case.
    expect(missed(cluster), cluster.stderr.slice(-4000)).toEqual([]);
    expect(cluster.result.tamper_found).toBe(cluster.result.tamper_cases);
    // Item 5, still open in the standalone mode: `npm start` anchors to the file alone (governance README, known
    // gaps), so truncating back to the previous anchor with the anchor lines after it, or deleting the file,
    // leaves nothing to compare with. TODO(issue 18 item 5): a second anchor sink in standalone, then found == cases.
    expect(missed(standalone), standalone.stderr.slice(-4000)).toEqual([
      expect.stringContaining('back to the previous anchor'),
      expect.stringContaining('delete the anchor file'),
    ]);
    expect(standalone.result.tamper_found).toBe(Number(standalone.result.tamper_cases) - 2);
  });
});
