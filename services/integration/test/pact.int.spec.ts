// Consumer contracts of the connectors (../pact/*.json, Pact specification v3): each connector runs
// against a provider stub generated from its pact and must exercise every interaction without a
// request the contract does not allow; the loopback MaintainX used by the other tests is verified
// against the same pact as a provider.
import { eventExamples } from '@industrial/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { maintainxConnector } from '../src/adapters/cmms/maintainx.ts';
import { webhookConnector } from '../src/adapters/http/webhook.ts';
import type { OutboundRequest, PromptView } from '../src/ports.ts';
import { startFakeMaintainx } from './fakes.ts';
import { loadPact, mismatches, startPactStub, verifyProvider, type PactStub } from './pact.ts';

const ex = eventExamples.RecommendationRaised;
const prompt: PromptView = {
  recommendationId: ex.recommendationId,
  useCaseId: ex.useCaseId,
  assetPath: ex.assetPath,
  actionId: ex.actionId,
  message: ex.message,
  priority: 'critical',
  actBy: '2025-03-05T11:00:00.000Z',
  raisedAt: null,
};
const request = (over: Partial<OutboundRequest> = {}): OutboundRequest => ({
  idempotencyKey: `${ex.recommendationId}.work-order`,
  attempt: 1,
  kind: 'work-order',
  trigger: 'raised',
  prompt,
  recipient: null,
  ...over,
});

const stubs: PactStub[] = [];
afterEach(async () => {
  for (const s of stubs.splice(0)) await s.close();
});

describe('the MaintainX work-order connector (consumer)', () => {
  const pact = loadPact('integration-maintainx.json');

  it('creates, finds and reads work orders exactly as the contract allows', async () => {
    const stub = await startPactStub(pact, '', [
      'no work order carries the platform key',
      'work order 4711 carries the platform key',
      'work order 4711 is done with a finding',
    ]);
    stubs.push(stub);
    const mx = maintainxConnector({ name: 'maintainx', baseUrl: `${stub.url}/v1`, apiKey: 'test-key' });
    expect(await mx.send(request())).toEqual({ ok: true, externalId: '4711', alreadyThere: false, recipient: null });
    // A later attempt looks for the earlier attempt's work order first.
    expect(await mx.send(request({ attempt: 2 }))).toEqual({ ok: true, externalId: '4711', alreadyThere: true, recipient: null });
    expect(await mx.workOrder('4711')).toEqual({
      externalId: '4711',
      completed: true,
      finding: 'Nozzle 3 partly clogged with residue; cleaned, flow back to nominal.',
      completedAt: '2025-03-05T11:20:00.000Z',
    });
    expect(stub.unmatched).toEqual([]);
    expect([...stub.matched].sort()).toEqual(
      pact.interactions
        .slice(0, 3)
        .map((i) => i.description)
        .sort(),
    );
  });

  it('reports a rejected work order as a refusal with the CMMS reason', async () => {
    const stub = await startPactStub(pact, '', ['the asset is unknown to the CMMS']);
    stubs.push(stub);
    const mx = maintainxConnector({ name: 'maintainx', baseUrl: `${stub.url}/v1`, apiKey: 'test-key' });
    const ghost = { ...prompt, assetPath: 'acme.plant1.packaging.line-1.ghost-9', message: 'Check acme.plant1.packaging.line-1.ghost-9' };
    const r = await mx.send(request({ prompt: ghost }));
    expect(r).toMatchObject({ ok: false, status: 400 });
    expect(stub.unmatched).toEqual([]);
    expect([...stub.matched]).toEqual(['a work order the CMMS rejects']);
  });

  it('is met by the loopback MaintainX the other tests use (provider verification)', async () => {
    const cmms = await startFakeMaintainx();
    try {
      const setState = async (state: string) => {
        cmms.reset();
        if (state.startsWith('work order 4711')) {
          await maintainxConnector({ name: 'm', baseUrl: `${cmms.url}/v1`, apiKey: 'test-key' }).send(request());
          if (state.endsWith('is done with a finding'))
            cmms.complete(4711, 'Nozzle 3 partly clogged with residue; cleaned, flow back to nominal.', '2025-03-05T11:20:00.000Z');
        }
      };
      const report = await verifyProvider(pact, cmms.url, setState);
      expect(report).toEqual(Object.fromEntries(pact.interactions.map((i) => [i.description, []])));
    } finally {
      await cmms.close();
    }
  });
});

describe('the signed generic webhook (consumer)', () => {
  const pact = loadPact('integration-webhook.json');

  it('delivers the action as the contract says, signed and with its idempotency key', async () => {
    const stub = await startPactStub(pact);
    stubs.push(stub);
    const hook = webhookConnector({ name: 'erp', url: `${stub.url}/hooks/prompts`, secret: 's3cret' });
    const r = await hook.send(request({ idempotencyKey: `${ex.recommendationId}.erp-hook`, kind: 'webhook' }));
    expect(r).toEqual({ ok: true, externalId: 'rcv-1', alreadyThere: false, recipient: null });
    expect(stub.unmatched).toEqual([]);
    expect([...stub.matched]).toEqual(['a signed prompt action is delivered']);
  });
});

describe('the pact matcher', () => {
  it('finds a field the contract does not allow in a request, and a wrong type', () => {
    const rules = { '$.n': { matchers: [{ match: 'integer' as const }] } };
    expect(mismatches({ a: 'x', n: 1 }, { a: 'x', n: 2, extra: true }, rules, true)).toEqual(['$.extra: not in the contract']);
    expect(mismatches({ n: 1 }, { n: 'one' }, rules, true)).toHaveLength(1);
  });
});
