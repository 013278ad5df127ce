// Issue 14, "Done when" 1 — a use case defined through the APIs only, on the REAL NATS, no code:
//
//  1. an engineer drafts a new use case and defines how it is served through the charter's gRPC
//     API (DraftUseCase, DefineServingSpec: scope = a second site's pumps, evidence templates, rule
//     limits, the action and its deadline, the cost model);
//  2. a model is trained for it from the simulated plant (simulator → OPC UA → connectivity → NATS
//     → dataops → snapshot → the training service, registered as a candidate), approved by a
//     quality lead and promoted through governance's gRPC API (four eyes);
//  3. the running inference service picks the use case up from the charter's event, loads the model
//     and, as a bearing wears out on the second site, puts the use case's prompt on the live feed
//     (Server-Sent Events, as the HMI reads it), in the words of its data;
//  4. the engineer changes the action's text (DefineServingSpec again): the next prompt's words
//     change, with no restart.
//
// The charter runs without a catalog here (its checks against dataops' catalog are in
// services/charter/test/serving-spec.int.spec.ts). Plant time ×1000 for training, ×300 live.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKeySet, importKeySet, importSigningKey, issueToken, type KeySet, type Role } from '@industrial/access';
import { connectNatsBus, type Bus } from '@industrial/bus';
import { createCharterApp, type CharterApp } from '@industrial/charter';
import { eventValidator } from '@industrial/contracts';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createGovernanceApp, type GovernanceApp } from '@industrial/governance';
import { charterV1, createClient, governanceRegistryV1 as registry, unaryCall } from '@industrial/grpc';
import { createInferenceApp, type InferenceApp } from '@industrial/inference';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlant, trainPumpModelFromPlant, type Plant, type PipelineResult } from '../scripts/platform/plant-pipeline.ts';
import { readUseCaseFile } from '../scripts/platform/usecases.ts';

const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';
const run = randomUUID().slice(0, 8);
const enterprise = `uc${run}`;
const events = { stream: `EVT_UC_${run}`, subjectPrefix: `evtuc${run}.v1` };
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const useCaseId = randomUUID();
const site2 = (asset: string) => `${enterprise}.plant-2.utilities.cooling-water.${asset}`;

let dir: string;
let store: EventStore;
let bus: Bus;
let keySet: KeySet;
let token: (subject: string, role: Role) => Promise<string>;
let charter: CharterApp;
let governance: GovernanceApp;
let inference: InferenceApp;
let charterAddress: string;
let governanceAddress: string;
let gatewayUrl: string;
let trained: PipelineResult;
let plant: Plant | null = null;
const feed: Record<string, unknown>[] = [];
const feedAbort = new AbortController();

/** The serving spec as an engineer writes it: the demo pump file's, for the second site, with its own action. */
function servingSpec(actionText: string) {
  const demo = readUseCaseFile('pump-bearing').serving;
  return {
    ...demo,
    name: 'Cooling pumps of site 2: bearing wear',
    scope: { pathPrefix: `${enterprise}.plant-2`, assetPrefix: 'pump-' },
    failureModes: [{ ...demo.failureModes[0]!, action: { actionId: '0193a1b2-7c00-7a10-8b00-00000000e2e1', text: actionText, deadlineMinutes: 45 } }],
  };
}

async function charterClient() {
  return createClient(charterV1.CharterServiceClient, charterAddress, { token: await token('erik@plant-2', 'engineer'), deadlineMs: 20_000 });
}

const promptsFor = (asset: string) =>
  feed.filter((f) => f.type === 'RecommendationRaised' && f.useCaseId === useCaseId && f.assetPath === site2(asset)) as { message: string; actBy: string }[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'usecase-e2e-'));
  store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
  });
  bus = await connectNatsBus({ servers: '127.0.0.1:4222', name: 'usecase-as-data-e2e' });
  const material = await createKeySet({ now: new Date() });
  keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  token = (subject, role) =>
    issueToken(signingKey, {
      subject,
      roles: [role],
      scopes: ['*'],
      tokenId: randomUUID(),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: new Date(),
      ttlSeconds: 3600,
    });
  const access = { issuer: ISSUER, audience: AUDIENCE };

  charter = createCharterApp({ store, keySet, logger: silent, config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access } });
  charterAddress = `127.0.0.1:${(await charter.start()).grpcPort}`;
  governance = createGovernanceApp({
    store,
    keySet,
    logger: silent,
    config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access, rateLimit: null },
  });
  governanceAddress = `127.0.0.1:${(await governance.start()).grpcPort}`;
  // Inference knows no use case at start: everything it serves comes from the charter's events.
  inference = createInferenceApp({
    store,
    bus,
    keySet,
    logger: silent,
    config: {
      grpc: null,
      http: { host: '127.0.0.1', port: 0, rateLimit: null },
      access,
      replicaId: 'r1',
      replicas: ['r1'],
      unsDurable: `inference-${enterprise}`,
      unsSubject: `uns.v1.${enterprise}.plant-2.>`,
      shutdownGraceMs: 1000,
      monitor: { minSamples: 1_000_000 },
    },
  });
  gatewayUrl = `http://127.0.0.1:${(await inference.start()).httpPort}`;
  const res = await fetch(`${gatewayUrl}/api/v1/feed`, { headers: { authorization: `Bearer ${await token('olga', 'operator')}` }, signal: feedAbort.signal });
  void (async () => {
    const reader = res.body!.getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += new TextDecoder().decode(value);
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const data = buf
            .slice(0, i)
            .split('\n')
            .find((l) => l.startsWith('data: '));
          buf = buf.slice(i + 2);
          if (data) feed.push(JSON.parse(data.slice(6)) as Record<string, unknown>);
        }
      }
    } catch {
      // aborted at the end
    }
  })();
}, 60_000);

afterAll(async () => {
  feedAbort.abort();
  await plant?.stop().catch(() => undefined);
  await inference?.stop();
  await governance?.stop();
  await charter?.stop();
  await bus?.deleteStream(events.stream).catch(() => false);
  await bus?.deleteStream(`${events.stream}_DLQ`).catch(() => false);
  await bus?.drain().catch(() => undefined);
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a use case defined through the APIs only (issue 14)', () => {
  it('is drafted and defined through the charter, and inference serves it without a restart', async () => {
    const demo = readUseCaseFile('pump-bearing');
    const c = await charterClient();
    await unaryCall(
      c,
      c.draftUseCase,
      charterV1.DraftUseCaseRequest.fromPartial({
        useCaseId,
        useCase: { ...(demo.draft as object), title: 'Site 2 pump bearings', scope: { enterprise, site: 'plant-2' }, assetPaths: [site2('pump-1')] },
      }),
    );
    const defined = await unaryCall(c, c.defineServingSpec, { useCaseId, specJson: JSON.stringify(servingSpec('inspect the {asset} bearing')) });
    expect(defined).toMatchObject({ specVersion: 1, changed: true });
    c.close();
    await inference.settle();
    expect(inference.useCases.get(useCaseId)).toMatchObject({ name: 'Cooling pumps of site 2: bearing wear', specVersion: 1 });
  });

  it('gets a model trained from the plant, approved by a quality lead and promoted through governance', async () => {
    trained = await trainPumpModelFromPlant({
      store,
      bus,
      keySet,
      logger: silent,
      dataDir: dir,
      enterprise,
      pumps: 16,
      hours: 12,
      acceleration: 1000,
      seed: 42,
      useCaseId,
      events,
    });
    const engineer = createClient(registry.ModelRegistryServiceClient, governanceAddress, {
      token: await token('erik@plant-2', 'engineer'),
      deadlineMs: 20_000,
    });
    const lead = createClient(registry.ModelRegistryServiceClient, governanceAddress, {
      token: await token('quinn@plant-2', 'quality_lead'),
      deadlineMs: 20_000,
    });
    const asked = await unaryCall(
      engineer,
      engineer.requestApproval,
      registry.RequestApprovalRequest.fromPartial({
        useCaseId,
        modelVersionId: trained.modelVersionId,
        targetStage: registry.ModelStage.MODEL_STAGE_PRODUCTION,
        justification: 'trained on 12 plant hours of 16 pumps; held-out pumps separate well',
      }),
    );
    const requestId = asked.request!.requestId;
    await unaryCall(lead, lead.approve, registry.ApproveRequest.fromPartial({ useCaseId, requestId }));
    await unaryCall(lead, lead.promote, registry.PromoteRequest.fromPartial({ useCaseId, requestId }));
    engineer.close();
    lead.close();
    await inference.settle();
    expect(inference.models.status().useCases).toMatchObject({ [useCaseId]: { production: trained.modelVersionId } });
  }, 300_000);

  it('puts its prompts on the live feed in the words of its data, and a changed action text changes the next prompt', async () => {
    const plantStart = Date.now();
    plant = await startPlant({
      store,
      bus,
      keySet,
      logger: silent,
      dataDir: dir,
      enterprise,
      site: 'plant-2',
      pumps: 4,
      seed: 7,
      plantStartMs: plantStart,
      acceleration: 300,
    });
    // Healthy for 70 plant minutes (the model's windows are 60), then pump 3's bearing wears out over 4 h.
    const injected = plant.sim.injectFault({ asset: 'pump-3', fault: 'bearing_wear', startInMinutes: 70, developMinutes: 240, severity: 1 }, 'api');
    if (!injected.ok) throw new Error(`cannot inject the bearing fault: ${injected.field} ${injected.error}`);
    // Judged from when the simulator says the wear begins, not from plantStart: the plant clock runs
    // while connectivity connects (tens of plant minutes under load, test/plant-pipeline.e2e.spec.ts).
    const failureDue = Date.parse(injected.startAt) + 240 * 60_000;
    const waitFor = async (pred: () => boolean, what: string) => {
      while (!pred()) {
        if (plant!.sim.plantTime().getTime() > failureDue) throw new Error(`${what}: not by plant time ${plant!.sim.plantTime().toISOString()}`);
        await sleep(100);
      }
    };
    await waitFor(() => promptsFor('pump-3').length > 0, 'a prompt for pump 3');
    const first = promptsFor('pump-3')[0]!;
    expect(first.message).toMatch(
      /^Pump 3: .*Bearing failure is (possible|likely|very likely) within 2 hours\. Inspect the pump 3 bearing within 45 minutes\.$/,
    );

    // The engineer rewrites the action; the running service serves the revision.
    const c = await charterClient();
    const revised = await unaryCall(c, c.defineServingSpec, {
      useCaseId,
      specJson: JSON.stringify(servingSpec('stop the {asset} and change its drive-end bearing')),
    });
    c.close();
    expect(revised).toMatchObject({ specVersion: 2, changed: true });
    const before = promptsFor('pump-3').length;
    await waitFor(
      () =>
        promptsFor('pump-3')
          .slice(before)
          .some((p) => p.message.includes('Stop the pump 3 and change its drive-end bearing')),
      'the revised words',
    );
    const next = promptsFor('pump-3')
      .slice(before)
      .find((p) => p.message.includes('Stop the pump 3'))!;
    expect(next.message).toMatch(/Stop the pump 3 and change its drive-end bearing within \d+ minutes\.$/);
    // Still the same deadline: an update never extends it.
    expect(next.actBy).toBe(first.actBy);
    for (const a of ['pump-1', 'pump-2', 'pump-4']) expect(promptsFor(a)).toHaveLength(0);
  }, 180_000);
});
