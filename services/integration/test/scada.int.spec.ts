// Prompts into SCADA on loopback: the real Mosquitto (127.0.0.1:1883, a unique topic root and
// Sparkplug group per run) gets the edge node's NBIRTH, the asset device's DBIRTH/DDATA and the
// plain UNS JSON; a lost connection makes the broker publish the NDEATH with the same bdSeq. An
// OPC UA client subscribed to the Server's events sees a prompt as an alarm condition and
// acknowledges it, which reaches inference's acknowledge command as the operator's decision.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  AttributeIds,
  ClientMonitoredItem,
  ClientSubscription,
  DataType,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  constructEventFilter,
  type Variant,
} from 'node-opcua';
import { afterAll, describe, expect, it } from 'vitest';
import { mqttPublisher } from '../src/adapters/scada/mqtt-publisher.ts';
import { startOpcuaAlarms } from '../src/adapters/scada/opcua-alarms.ts';
import { decodePayload } from '../src/adapters/scada/sparkplug-codec.ts';
import type { PromptView } from '../src/ports.ts';

const prompt = (assetPath: string): PromptView => ({
  recommendationId: randomUUID(),
  useCaseId: randomUUID(),
  assetPath,
  actionId: randomUUID(),
  message: 'Filler 3 nozzles likely to clog within the hour: clean the nozzle bank.',
  priority: 'high',
  actBy: '2025-03-05T11:00:00.000Z',
  raisedAt: null,
});

// 60 s: generous for a loaded CI machine (two test workers beside e2e platforms on two cores).
async function until<T>(what: string, probe: () => T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('when a prompt is raised at an edge node on MQTT', () => {
  it('births the node and the asset device, publishes the prompt, and dies with the same bdSeq', async () => {
    const run = randomUUID().slice(0, 8);
    const group = `itest-${run}`;
    const root = `itest-uns-${run}`;
    const seen: { topic: string; payload: Buffer }[] = [];
    const sub = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { clientId: `sub-${run}` });
    sub.on('message', (topic, payload) => seen.push({ topic, payload }));
    await sub.subscribeAsync([`spBv1.0/${group}/#`, `${root}/#`], { qos: 1 });
    const pub = mqttPublisher({ url: 'mqtt://127.0.0.1:1883', unsRoot: root, group, edgeNode: 'prompts', clientId: `edge-${run}` });
    try {
      await pub.start();
      const p = prompt('acme.plant1.packaging.line-1.filler-3');
      await pub.raised?.(p, 'c');
      await pub.acknowledged?.(p, 'olga', 'c');
      const nbirth = await until('NBIRTH', () => seen.find((m) => m.topic === `spBv1.0/${group}/NBIRTH/prompts`));
      const bd = decodePayload(nbirth.payload).metrics.find((m) => m.name === 'bdSeq')?.value;
      expect(decodePayload(nbirth.payload).seq).toBe(0n);
      const dbirth = await until('DBIRTH', () => seen.find((m) => m.topic === `spBv1.0/${group}/DBIRTH/prompts/${p.assetPath}`));
      const metrics = Object.fromEntries(decodePayload(dbirth.payload).metrics.map((m) => [m.name, m.value]));
      expect(metrics).toMatchObject({ 'Prompt/Active': true, 'Prompt/Id': p.recommendationId, 'Prompt/Message': p.message, 'Prompt/Priority': 'high' });
      const ddata = await until('DDATA', () => seen.find((m) => m.topic === `spBv1.0/${group}/DDATA/prompts/${p.assetPath}`));
      expect(decodePayload(ddata.payload).metrics.find((m) => m.name === 'Prompt/Acknowledged')?.value).toBe(true);
      const uns = await until('UNS prompt', () =>
        seen.find((m) => m.topic === `${root}/acme/plant1/packaging/line-1/filler-3/prompts/${p.recommendationId}` && m.payload.length > 0),
      );
      expect(JSON.parse(uns.payload.toString())).toMatchObject({ recommendationId: p.recommendationId, priority: 'high' });
      pub.kill();
      const ndeath = await until('NDEATH', () => seen.find((m) => m.topic === `spBv1.0/${group}/NDEATH/prompts`));
      expect(decodePayload(ndeath.payload).metrics.find((m) => m.name === 'bdSeq')?.value).toBe(bd);
      // Clear the retained UNS topic this run left.
      await sub.publishAsync(`${root}/acme/plant1/packaging/line-1/filler-3/prompts/${p.recommendationId}`, '', { retain: true, qos: 1 });
    } finally {
      pub.kill();
      await sub.endAsync();
    }
  });
});

/** A port free now (node-opcua cannot listen on 0): a fixed one in the ephemeral range can be taken on a busy machine. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe('when a prompt is served as an OPC UA alarm condition', () => {
  const pki = mkdtempSync(join(tmpdir(), 'integration-opcua-'));
  afterAll(() => rmSync(pki, { recursive: true, force: true }));

  it('is seen by a SCADA client as a condition and its acknowledge is recorded as the operator decision', async () => {
    const acks: { id: string; by: string }[] = [];
    const server = await startOpcuaAlarms({
      host: '127.0.0.1',
      port: await freePort(),
      pkiDir: pki,
      allowInsecure: true,
      acknowledge: { acknowledge: async (id, by) => void acks.push({ id, by }) },
    });
    const client = OPCUAClient.create({
      endpointMustExist: false,
      securityMode: MessageSecurityMode.None,
      securityPolicy: SecurityPolicy.None,
      connectionStrategy: { maxRetry: 2, initialDelay: 100 },
    });
    try {
      await client.connect(server.endpoint);
      const session = await client.createSession();
      const sub = ClientSubscription.create(session, { requestedPublishingInterval: 50, requestedMaxKeepAliveCount: 20, publishingEnabled: true });
      const events: Variant[][] = [];
      const item = ClientMonitoredItem.create(
        sub,
        { nodeId: 'i=2253', attributeId: AttributeIds.EventNotifier },
        {
          samplingInterval: 0,
          queueSize: 100,
          discardOldest: true,
          filter: constructEventFilter(['EventId', 'ConditionName', 'Message', 'Severity', 'SourceName', 'AckedState.Id']),
        },
      );
      item.on('changed', (values: unknown) => events.push(values as Variant[]));
      // The item is live on the server before the prompt is raised (a fixed 300 ms could end first under load and miss it).
      await new Promise<void>((resolve, reject) => {
        item.once('initialized', () => resolve());
        item.once('err', (message: string) => reject(new Error(`the event monitored item: ${message}`)));
      });
      const p = prompt('acme.plant1.packaging.line-1.filler-3');
      await server.raised?.(p, 'c');
      const raisedEvent = await until('the condition event', () => events.find((e) => e[1]?.value === p.recommendationId));
      expect(raisedEvent[2]?.value?.text).toBe(p.message);
      expect(raisedEvent[3]?.value).toBe(750);
      expect(String(raisedEvent[4]?.value)).toMatch(new RegExp(`${p.assetPath}$`));
      const conditionId = server.conditionOf(p.recommendationId);
      if (conditionId === undefined) throw new Error('no condition');
      const result = await session.call({
        objectId: conditionId,
        methodId: 'ns=0;i=9111', // AcknowledgeableConditionType.Acknowledge
        inputArguments: [
          { dataType: DataType.ByteString, value: raisedEvent[0]?.value },
          { dataType: DataType.LocalizedText, value: { text: 'olga' } },
        ],
      });
      expect(result.statusCode.name).toBe('Good');
      await until('the acknowledge', () => (acks.length > 0 ? acks : undefined));
      expect(acks).toEqual([{ id: p.recommendationId, by: 'opcua:olga' }]);
      await until('the acknowledged event', () => events.find((e) => e[1]?.value === p.recommendationId && e[5]?.value === true));
      // A prompt acknowledged on the HMI shows as acknowledged to the SCADA client too, and is not sent back.
      const q = prompt('acme.plant1.packaging.line-1.filler-4');
      await server.raised?.(q, 'c');
      await until('the second condition', () => events.find((e) => e[1]?.value === q.recommendationId));
      await server.acknowledged?.(q, 'olga@plant1', 'c');
      await until('its acknowledged event', () => events.find((e) => e[1]?.value === q.recommendationId && e[5]?.value === true));
      expect(acks).toHaveLength(1);
      await sub.terminate();
      await session.close();
    } finally {
      await client.disconnect();
      await server.stop();
    }
  });
});
