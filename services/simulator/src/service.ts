// The simulator process as a service of the shared lifecycle (runService): validated config,
// telemetry first, the event store when one is configured (the simulator records its own ground
// truth, FaultInjected / FaultLabelled, through the kernel), the plant, one ready line
// `simulator ready opcua=… http=… assets=… acceleration=… groundTruth=…`, and on SIGTERM the
// plant stops and every label is recorded before the store closes.
import { loadKeySet } from '@industrial/access';
import type { ServiceDefinition } from '@industrial/kernel/service';
import { createSimulator } from './app.ts';
import { CONFIG_KEYS, loadServiceConfig, STORE_KEYS, type SimulatorServiceConfig } from './config.ts';

export const HELP = `simulator — plant simulator: a real OPC UA server over a seeded plant model, fault injection
(OPC UA method, HTTP, scenario file) and ground-truth labels (FaultInjected / FaultLabelled).

Usage: simulator [--name=value …]   every SIM_ variable is also a flag: SIM_TIME_ACCELERATION=10 ≡ --time-acceleration=10

Plant and adapters:
  SIM_USERS_FILE            —            OPC UA users: JSON [{"username","password","roles":[platform roles]}]; a user
                                         whose roles grant sim.inject_fault may call InjectFault and write values
  SIM_ALLOW_INSECURE        false        DEVELOPMENT ONLY: anonymous sessions and SecurityPolicy None (logged at start)
  SIM_AUTO_ACCEPT_CERTS     false        trust unknown client certificates
  SIM_SEED                  42           plant seed
  SIM_TIME_ACCELERATION     1            plant seconds per real second, 1..1000
  SIM_TICK_HZ               10           tag updates per real second
  SIM_PLANT_START           wall clock   plant time at start (ISO date)
  SIM_ENTERPRISE, SIM_SITE  acme, plant-1
  SIM_PUMPS, SIM_MILLS, SIM_PACKAGERS   4, 3, 2
  SIM_MILL_PROFILE          rules        rules | ai4i-file
  SIM_OPCUA_HOST, SIM_OPCUA_PORT        127.0.0.1, 4840 (0 = a free port)
  SIM_PKI_DIR               .data/simulator/pki
  SIM_HTTP_HOST, SIM_HTTP_PORT          127.0.0.1, 8088 (off = no HTTP endpoint)
  SIM_HTTP_TLS_CERT_FILE, SIM_HTTP_TLS_KEY_FILE   —   HTTPS for the control API (PEM; both or neither)
  ACCESS_KEYS_DIR           —            platform key set (keyset.json); required with the HTTP API, which takes
                                         per-user platform tokens with sim.inject_fault
  ACCESS_ISSUER, ACCESS_AUDIENCE        industrial-access, industrial-platform
  SIM_SCENARIO              —            JSON list of timed faults loaded at start
  SIM_REPLAY_CSV, SIM_REPLAY_ASSET      —, mill-1   play an AI4I-shaped CSV as one mill's tags

Ground truth (recorded in the event store when any of ${STORE_KEYS.join(', ')} is set; otherwise only logged):
  EVENTSTORE                sqlite       postgres | sqlite
  PG_URL                    —            postgres://…; required with EVENTSTORE=postgres
  PG_SCHEMA                 eventstore
  SQLITE_PATH               ./data/events.db
  LEDGER_KEY_FILE           —            the ledger's private key (PEM); required when recording

Telemetry:
  OTEL_EXPORTER             none         otlp | none
  OTEL_EXPORTER_OTLP_ENDPOINT  http://localhost:4318
  OTEL_SAMPLE_RATIO         1
  LOG_LEVEL                 info

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 failed, 2 bad configuration (one message naming the variable).
`;

/** Every variable the help must name (the help test checks it). */
export const ALL_KEYS: readonly string[] = [
  ...CONFIG_KEYS,
  ...STORE_KEYS,
  'PG_SCHEMA',
  'ACCESS_KEYS_DIR',
  'ACCESS_ISSUER',
  'ACCESS_AUDIENCE',
  'OTEL_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_SAMPLE_RATIO',
  'LOG_LEVEL',
];

export interface SimulatorServiceOptions {
  /** Command-line flags (--time-acceleration=10 …). */
  readonly argv?: readonly string[];
  /** Base of relative paths (PKI dir, scenario, replay CSV). */
  readonly cwd?: string;
}

export function simulatorService(options: SimulatorServiceOptions = {}): ServiceDefinition<SimulatorServiceConfig> {
  const argv = (options.argv ?? []).filter((a) => a !== '--help' && a !== '-h');
  return {
    name: 'simulator',
    version: '0.1.0',
    help: HELP,
    loadConfig: (env) => loadServiceConfig(env, argv, options.cwd ?? process.cwd()),
    async start(ctx) {
      const { simulator: config, groundTruthStore, access } = ctx.config;
      const store = groundTruthStore ? await ctx.openStore(groundTruthStore) : undefined;
      const keySet = access ? await loadKeySet(access.keysDir) : undefined;
      const sim = createSimulator(config, {
        log: (level, message, data) => ctx.logger[level](data ?? {}, message),
        ...(store ? { store } : {}),
        ...(access && keySet ? { access: { keySet, issuer: access.issuer, audience: access.audience } } : {}),
      });
      sim.onLabel((label) => ctx.logger.info({ label }, 'label'));
      await sim.start();
      const recording = groundTruthStore ? groundTruthStore.eventStore.kind : 'off';
      return {
        ready: `opcua=${sim.endpointUrl} http=${sim.httpUrl ?? 'off'} assets=${sim.assets.length} acceleration=${config.timeAcceleration} groundTruth=${recording}`,
        stop: () => sim.stop(),
      };
    },
  };
}
