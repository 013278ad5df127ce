// Composition root of the integration service: connectors from the setup, the outbound actions,
// the prompt-event handler and its followers (notifier, MQTT/Sparkplug publisher, OPC UA alarms),
// the work-order sync, the ledger and the HTTP API. Opens nothing it does not close in stop();
// the caller owns the store, the bus and the keys.
import type { KeySet } from '@industrial/access';
import type { Bus, BusLogger, ConsumerHandle } from '@industrial/bus';
import { Service } from '@industrial/contracts';
import type { Kernel } from '@industrial/kernel';
import type { AddressInfo } from 'node:net';
import { buildConnectors } from './adapters/connectors.ts';
import { createApi } from './adapters/http/api.ts';
import { consumePromptEvents } from './adapters/nats/prompt-events.ts';
import { mqttPublisher, type MqttPublisher } from './adapters/scada/mqtt-publisher.ts';
import { startOpcuaAlarms, type OpcuaAlarms } from './adapters/scada/opcua-alarms.ts';
import { DEFAULT_RETRY } from './domain/outbound.ts';
import type { IntegrationSetup } from './domain/setup.ts';
import { createCharterRules } from './features/charter-rules.ts';
import { createLedger } from './features/ledger.ts';
import { createNotifier } from './features/notify.ts';
import { createOutbound, type RunResult } from './features/outbound.ts';
import { createPromptEvents, type PromptFollower } from './features/prompts.ts';
import { createReplay } from './features/replay.ts';
import { createWorkOrderSync } from './features/work-orders.ts';
import type { AcknowledgeCommand, OutcomeCommand } from './ports.ts';

export const SERVICE_NAME = Service.Integration;

export interface IntegrationAppDeps {
  kernel: Kernel;
  /** The bus with inference's integration events; null: no consumer (tests drive `events.handle`). */
  bus: Bus | null;
  keySet: KeySet | (() => KeySet);
  logger: BusLogger & { info(fields: object, msg: string): void };
  setup: IntegrationSetup;
  config: {
    http: { host: string; port: number };
    access: { issuer: string; audience: string };
    syncIntervalMs: number;
    durable?: string;
    /** HTTPS for the API (certificate and key files); null or absent: plain HTTP. */
    httpTls?: { certFile: string; keyFile: string } | null;
  };
  /** inference's outcome and acknowledge commands; null: completed work orders and SCADA acknowledges are only recorded here. */
  inference: (OutcomeCommand & AcknowledgeCommand) | null;
  now?: () => number;
}

export function createIntegrationApp(deps: IntegrationAppDeps) {
  const { kernel, setup, logger } = deps;
  const now = deps.now ?? Date.now;
  const built = buildConnectors(setup);
  const counters: Record<RunResult, number> = { succeeded: 0, 'already-succeeded': 0, 'dead-lettered': 0, busy: 0, 'no-connector': 0 };
  const outbound = createOutbound({
    kernel,
    connectors: built.connectors,
    policy: setup.retry ?? DEFAULT_RETRY,
    now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  const notifier = createNotifier({ kernel, outbound, rosters: () => setup.rosters, channels: setup.channels, now });
  const followers: PromptFollower[] = [notifier];
  // The use cases' own rules (the charter's serving specs) first, then the setup file's.
  const charterRules = createCharterRules(kernel.reader, (useCaseId, rule, reason) =>
    logger.warn({ useCaseId, rule, reason }, 'an outbound rule of the serving spec is left out'),
  );
  const rules = () => [...charterRules.rules(), ...setup.rules];
  const promptEvents = createPromptEvents({
    outbound,
    rules,
    followers,
    onResult: (rule, prompt, result) => {
      counters[result]++;
      if (result === 'dead-lettered') logger.warn({ ruleId: rule.ruleId, recommendationId: prompt.recommendationId }, 'outbound action dead-lettered');
    },
  });
  // A prompt event is matched against the specs recorded up to now.
  const events: typeof promptEvents = {
    prompts: promptEvents.prompts,
    async handle(event) {
      await charterRules.refresh();
      await promptEvents.handle(event);
    },
  };
  const ledger = createLedger(kernel.reader);
  const replay = createReplay({
    ledger,
    outbound,
    rules: () => rules(),
    prompts: events.prompts,
  });
  const unrecorded: OutcomeCommand & AcknowledgeCommand = {
    recordOutcome: async (id) => logger.warn({ recommendationId: id }, 'no inference gateway configured: the outcome is recorded here only'),
    acknowledge: async (id) => logger.warn({ recommendationId: id }, 'no inference gateway configured: the SCADA acknowledge is not recorded'),
  };
  const inference = deps.inference ?? unrecorded;
  const sync = createWorkOrderSync({ kernel, ledger, readers: built.readers, outcomes: inference });
  let ready = false;
  const api = createApi({
    ledger,
    replay,
    keySet: deps.keySet,
    access: deps.config.access,
    ready: () => ready,
    health: () => ({ outbound: counters, openPrompts: events.prompts.size }),
    tls: deps.config.httpTls ?? null,
  });
  let consumer: ConsumerHandle | null = null;
  let mqtt: MqttPublisher | null = null;
  let opcua: OpcuaAlarms | null = null;
  const timers: NodeJS.Timeout[] = [];

  return {
    events,
    ledger,
    notifier,
    sync,
    counters,
    async start(): Promise<{ httpPort: number; opcuaEndpoint: string | null }> {
      if (setup.mqtt) {
        mqtt = mqttPublisher({ ...setup.mqtt });
        await mqtt.start();
        followers.push(mqtt);
      }
      if (setup.opcua) {
        opcua = await startOpcuaAlarms({
          ...setup.opcua,
          acknowledge: inference,
          onAcknowledgeError: (err, id) => logger.error({ err, recommendationId: id }, 'SCADA acknowledge not recorded'),
        });
        followers.push(opcua);
      }
      await charterRules.refresh();
      await api.listen({ host: deps.config.http.host, port: deps.config.http.port });
      if (deps.bus !== null) consumer = await consumePromptEvents(deps.bus, (e) => events.handle(e), logger, deps.config.durable);
      const every = (ms: number, f: () => Promise<unknown>, what: string) =>
        timers.push(setInterval(() => void f().catch((err: unknown) => logger.warn({ err }, `${what} failed; next round retries`)), ms));
      every(deps.config.syncIntervalMs, () => sync.syncOnce(), 'work-order sync');
      every(15_000, () => notifier.tick(), 'escalation');
      ready = true;
      return { httpPort: (api.server.address() as AddressInfo).port, opcuaEndpoint: opcua?.endpoint ?? null };
    },
    async stop(): Promise<void> {
      ready = false;
      for (const t of timers) clearInterval(t);
      await consumer?.stop();
      await api.close();
      await mqtt?.stop().catch(() => undefined);
      await opcua?.stop().catch(() => undefined);
      built.close();
    },
  };
}

export type IntegrationApp = ReturnType<typeof createIntegrationApp>;
