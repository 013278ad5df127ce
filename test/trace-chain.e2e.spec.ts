// Issue 20's done-when trace test: cluster mode on the real NATS (its own nats-server) and
// PostgreSQL, one injected fault, and the operator's Acknowledge through the HMI's server — then one
// trace holds the whole chain: the OPC UA read (connectivity) → the NATS publish → the historian write
// (dataops, a db span in the trace or linking it) and the scoring (inference) → RecommendationRaised
// → the gateway's SSE push → the HMI server's call → the gateway's Acknowledge, parent to child.
// It runs `npm run check:telemetry` (scripts/telemetry/check.ts) on ports of its own and reads the
// trace it wrote. Needs the built HMI (npm run build) and Debian's promtool.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

interface Span {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  linkedTraces: string[];
}

describe('one injected fault, acknowledged through the HMI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trace-chain-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is one trace from the OPC UA read to the Acknowledge', { timeout: 1_200_000 }, async () => {
    const traceFile = join(dir, 'trace.json');
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/telemetry/check.ts')], {
      cwd: root,
      env: { ...process.env, CHECK_TELEMETRY_BASE_PORT: '12400', CHECK_TELEMETRY_TRACE_OUT: traceFile, CHECK_TELEMETRY_SECONDS: '900' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (err = (err + d.toString()).slice(-20_000)));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, err).toBe(0);
    // What the check found, for the record (its log lines and the JSON line).
    console.log(
      `${err
        .split('\n')
        .filter((l) => l.startsWith('check:telemetry'))
        .join('\n')}\n${out.trim().split('\n').at(-1) ?? ''}`,
    );
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(result.trace_chain_complete, err).toBe(true);

    const { spans, linked } = JSON.parse(readFileSync(traceFile, 'utf8')) as { traceId: string; spans: Span[]; linked: Span[] };
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const one = (service: string, name: (n: string) => boolean): Span => {
      const found = spans.filter((s) => s.service === service && name(s.name));
      expect(found.length, `${service} span in ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`).toBeGreaterThan(0);
      return found[0]!;
    };
    /** True when `ancestor` is on the parent path of `span`. */
    const descends = (span: Span, ancestor: Span): boolean => {
      for (let s: Span | undefined = span; s !== undefined; s = byId.get(s.parentSpanId)) if (s.spanId === ancestor.spanId) return true;
      return false;
    };
    const read = one('connectivity', (n) => n === 'opcua.Subscription/Publish');
    expect(read.attributes['rpc.system']).toBe('opcua');
    expect(read.parentSpanId).toBe('');
    const send = one('connectivity', (n) => n.startsWith('send uns.'));
    expect(send.attributes['messaging.system']).toBe('nats');
    expect(descends(send, read)).toBe(true);
    // Walked back from the Acknowledge: one read can raise more than one prompt (two use cases on
    // pump 4), so the prompt, its scoring and its push are the ones on the Acknowledge's parent path.
    const ack = one('inference', (n) => n === 'POST /api/v1/recommendations/:id/acknowledge');
    const hmi = byId.get(ack.parentSpanId);
    expect(hmi?.service).toBe('hmi');
    expect(hmi?.name).toBe('POST /api/v1/recommendations/{id}/acknowledge');
    const raise = byId.get(hmi!.parentSpanId);
    expect(raise?.service).toBe('inference');
    expect(raise?.name).toBe('raise recommendation');
    // the prompt of the injected fault (pump 4)
    expect(String(raise!.attributes['inference.asset'])).toMatch(/pump-4$/);
    const score = byId.get(raise!.parentSpanId);
    expect(score?.name).toBe('score window');
    const consume = spans.find((s) => s.service === 'inference' && s.name.startsWith('process uns.') && descends(score!, s));
    expect(consume, 'the scoring runs in the processing of a published batch').toBeDefined();
    expect(descends(consume!, send) || descends(consume!, read)).toBe(true);
    // The historian write: dataops processed a batch of this read; its db span is in the trace or links it.
    const dataops = spans.find((s) => s.service === 'dataops' && s.name.startsWith('process uns.'));
    expect(dataops, 'dataops processed a batch of this trace').toBeDefined();
    const write = [...spans, ...linked].find((s) => s.service === 'dataops' && s.attributes['db.system.name'] === 'postgresql');
    expect(write, 'the historian write (db span)').toBeDefined();
    expect(write!.name).toBe('INSERT raw_samples');
    expect(write!.attributes['db.operation.name']).toBe('INSERT');
    const push = spans.find((s) => s.service === 'inference' && s.name === 'GET /api/v1/feed RecommendationRaised' && s.parentSpanId === raise!.spanId);
    expect(push, 'the gateway pushed this prompt to the live feed').toBeDefined();
    expect(ack.attributes['http.response.status_code']).toBe(200);
  });
});
