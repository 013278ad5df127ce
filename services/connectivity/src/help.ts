// `--help` of the connectivity process: what it does and every environment variable it reads.
import { NATS_ENV_HELP } from '@industrial/bus';
export const HELP = `connectivity — plant sources (OPC UA, MQTT JSON, Sparkplug B) into the unified namespace (NATS JetStream stream UNS)

Environment:
  NATS_URL                                        127.0.0.1:4222
${NATS_ENV_HELP}
  CONNECTIVITY_STATE_DIR                          buffer, source catalog and client PKI (./data/connectivity)
  CONNECTIVITY_PKI_DIR                            client PKI root (<state dir>/pki)
  CONNECTIVITY_AUTO_ACCEPT_CERTS                  trust unknown server certificates on first sight (false; dev only)
  CONNECTIVITY_SOURCES_FILE                       JSON array of sources registered at start
  CONNECTIVITY_CAMERAS_FILE                       camera sources of visual inspection (JSON: storeDir, folders,
                                                  mqtt, upload; the upload server needs ACCESS_KEYS_DIR); none by default
  CONNECTIVITY_OVERFLOW_POLICY                    drop-oldest (default) or drop-newest
  CONNECTIVITY_BUFFER_SYNC                        NORMAL (default) or FULL
  CONNECTIVITY_MQTT_MIRROR_URL / _PREFIX          mirror every batch to MQTT too (off / uns)
  CONNECTIVITY_GRPC_HOST / CONNECTIVITY_GRPC_PORT gRPC API listen address (127.0.0.1 / none: no API)
  ACCESS_KEYS_DIR                                 directory holding keyset.json (required with the gRPC API)
  ACCESS_ISSUER / ACCESS_AUDIENCE                 industrial-access / industrial-platform
  EVENTSTORE                                      sqlite (default) or postgres
  PG_URL, PG_SCHEMA                               PostgreSQL (PG_URL required for postgres; schema eventstore)
  SQLITE_PATH                                     ./data/events.db
  LEDGER_KEY_FILE                                 Ed25519 PEM of the ledger (required)
  OTEL_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SAMPLE_RATIO   telemetry (none by default)
  LOG_LEVEL, SHUTDOWN_GRACE_MS                    info, 10000 (how long stop forwards what is buffered)
  GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE           gRPC API over TLS (unset: plaintext, loopback only)
  GRPC_TLS_CLIENT_CA_FILE                         mutual TLS: clients must present a certificate of this CA
  GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN   gRPC refused calls per address / calls per token: <burst>/<per second> or off (100/50, 1000/200)
`;
