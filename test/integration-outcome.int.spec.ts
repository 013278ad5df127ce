// The completed work order becomes the prompt's outcome and a dataops label (issue #21), through
// the real services in-process: inference (its event store, its HTTP gateway and outcome command),
// the relay (store → EVENTS on NATS, signed), the integration app (its NATS consumer verifying the
// signatures, the MaintainX connector against a loopback MaintainX, the work-order sync calling
// inference's gateway with a bearer token) and dataops (its EVENTS consumer and label policy).
// A prompt inference recorded → one work order → the technician completes it with a finding →
// OutcomeRecorded by inference (actor: the integration account) → dataops records the label.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNatsBus, eventSigningKeyFromPem, eventVerifier, type Bus } from '@industrial/bus';
import { EVENTS_STREAM, eventExamples } from '@industrial/contracts';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createDataopsApp, DEFAULT_CONFIG, type DataopsApp } from '@industrial/dataops';
import { createIntegrationApp, inferenceGateway, IntegrationSetup, type IntegrationApp } from '@industrial/integration';
import { createKernel, serviceCause } from '@industrial/kernel';
import { createRelay, memoryCoordination, type Relay } from '@industrial/relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteStore, type StoreHarness } from '../services/dataops/test/harness.ts';
import { startHarness, until, USE_CASE, type Harness } from '../services/inference/test/fixture.ts';
import { startFakeMaintainx, type FakeMaintainx } from '../services/integration/test/fakes.ts';

const NATS_URL = process.env.NATS_URL ?? '127.0.0.1:4222';
const prefix = `io${randomBytes(4).toString('hex')}`;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
let h: Harness;
let relayBus: Bus;
let relay: Relay;
let dataopsBus: Bus;
let data: StoreHarness;
let dataops: DataopsApp;
let integrationBus: Bus;
let integration: IntegrationApp;
let cmms: FakeMaintainx;
let dir = '';

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'integration-outcome-'));
  relayBus = await connectNatsBus({ servers: NATS_URL, name: 'itest-relay', prefix });
  relay = createRelay({ store: h.store, bus: relayBus, ...memoryCoordination(), signingKey: eventSigningKeyFromPem(h.ledgerKeyPem) });
  void relay.run();
  const verifyEvents = eventVerifier(eventSigningKeyFromPem(h.ledgerKeyPem));
  data = await sqliteStore(1000);
  dataopsBus = await connectNatsBus({ servers: NATS_URL, name: 'itest-dataops', prefix, verifyEvents });
  dataops = createDataopsApp({
    store: h.store,
    data: data.store,
    bus: dataopsBus,
    keySet: () => {
      throw new Error('no API here');
    },
    logger: silent,
    config: { ...DEFAULT_CONFIG, snapshotDir: join(dir, 'snapshots'), uns: { ...DEFAULT_CONFIG.uns, concurrency: 1 } },
  });
  await dataops.start();
  cmms = await startFakeMaintainx();
  writeFileSync(join(dir, 'mx.key'), 'test-key');
  // The integration account: a role with recommendation.decide (the launchers' integration token).
  const token = await h.token('operator');
  integrationBus = await connectNatsBus({ servers: NATS_URL, name: 'itest-integration', prefix, verifyEvents });
  integration = createIntegrationApp({
    kernel: createKernel({ service: 'integration', store: h.store }),
    bus: integrationBus,
    keySet: () => {
      throw new Error('no API calls here');
    },
    logger: silent,
    setup: IntegrationSetup.parse({
      rules: [{ ruleId: 'work-order', useCaseId: '*', on: 'raised', kind: 'work-order', connector: 'maintainx' }],
      connectors: { maintainx: { type: 'maintainx', baseUrl: `${cmms.url}/v1`, apiKeyFile: join(dir, 'mx.key'), timeoutMs: 2_000 } },
    }),
    config: { http: { host: '127.0.0.1', port: 0 }, access: { issuer: 'industrial-access', audience: 'industrial-platform' }, syncIntervalMs: 3_600_000 },
    inference: inferenceGateway({ baseUrl: h.httpUrl, token: () => token }),
  });
  await integration.start();
}, 120_000);

afterAll(async () => {
  await integration?.stop();
  await integrationBus?.drain().catch(() => undefined);
  await dataops?.stop();
  await dataopsBus?.drain().catch(() => undefined);
  await relay?.stop();
  for (const s of ['EVENTS', 'EVENTS_DLQ', 'UNS', 'UNS_DLQ']) await relayBus?.deleteStream(s).catch(() => false);
  await relayBus?.drain().catch(() => undefined);
  await cmms?.close();
  await data?.cleanup();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the EVENTS stream that the relay and dataops both ensure', () => {
  it("keeps the relay's duplicate window after dataops started (no start rewrites the other's config)", async () => {
    await until(() => relay.active, 30_000, 'the relay');
    const nc = await connect({ servers: NATS_URL });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(`${prefix}_${EVENTS_STREAM.name}`);
      expect(info.config.duplicate_window).toBe(EVENTS_STREAM.duplicateWindowMs * 1_000_000);
      expect(info.config.subjects).toEqual([`${prefix}.${EVENTS_STREAM.subjects[0]}`]);
    } finally {
      await nc.close();
    }
  });
});

describe('when the work order of a prompt is completed in the CMMS', () => {
  it('inference records the outcome from the finding, and dataops records it as a label', async () => {
    const recommendationId = randomUUID();
    const assetPath = `${h.enterprise}.plant1.utilities.cooling.pump-9`;
    const raised = {
      ...eventExamples.RecommendationRaised,
      recommendationId,
      useCaseId: USE_CASE,
      modelVersionId: null,
      source: 'rules' as const,
      assetPath,
      message: 'Pump 9: bearing temperature above its limit. Inspect the pump 9 bearing within the next hour.',
      priority: 'high' as const,
      featureWindow: { from: new Date(Date.now() - 1_800_000).toISOString(), to: new Date().toISOString() },
      actBy: new Date(Date.now() + 3_600_000).toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      explanation: [],
      evidence: [],
    };
    // As inference records a prompt (its own kernel, its own stream family).
    await createKernel({ service: 'inference', store: h.store }).append(
      `recommendation-${recommendationId}`,
      [{ type: 'RecommendationRaised', data: raised }],
      serviceCause('inference', randomUUID()),
    );
    await until(() => cmms.orders.length === 1, 60_000, 'the work order');
    // The CMMS holds the order before integration has recorded that it succeeded: the sync looks
    // only at succeeded actions, so wait for the record too (CI once synced in between).
    await until(
      async () => (await h.events('OutboundActionSucceeded')).some((e) => e.data.recommendationId === recommendationId),
      60_000,
      'the succeeded work-order action',
    );
    const wo = cmms.orders[0]!;
    cmms.complete(wo.id, 'Bearing dry and running hot; regreased, temperature back to normal.', new Date().toISOString());

    const report = await integration.sync.syncOnce();
    expect(report).toMatchObject({ completed: 1, outcomesRecorded: 1 });
    const outcome = (await h.events('OutcomeRecorded')).find((e) => e.data.recommendationId === recommendationId);
    expect(outcome?.data).toMatchObject({ outcome: 'event-prevented', label: 'bearing_failure' });
    expect(String(outcome?.data.note)).toMatch(/regreased/);
    expect(outcome?.metadata.actor).toBe('operator-1');

    // dataops: the label from OutcomeRecorded (relayed on EVENTS), over the window the prompt saw.
    let labels: Awaited<ReturnType<DataopsApp['listLabels']>>['labels'] = [];
    await until(
      async () => {
        labels = (await dataops.listLabels({ assetPath, from: 0, to: Date.now() + 86_400_000, limit: 10 })).labels;
        return labels.length > 0;
      },
      60_000,
      'the dataops label',
    );
    expect(labels).toHaveLength(1);
    expect(labels[0]).toMatchObject({ label: 'bearing_failure', source: 'operator', useCaseId: USE_CASE });
    // Again: nothing more (the sync and the outcome are once).
    expect(await integration.sync.syncOnce()).toMatchObject({ completed: 0 });
    expect((await h.events('OutcomeRecorded')).filter((e) => e.data.recommendationId === recommendationId)).toHaveLength(1);
  }, 180_000);
});
