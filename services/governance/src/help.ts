// `--help` of the governance process: what it does and every environment variable it reads.
export const HELP = `governance — the audit API and the model registry (four-eyes approvals, break glass, registration)

Environment:
  GOVERNANCE_GRPC_HOST / GOVERNANCE_GRPC_PORT   gRPC listen address (127.0.0.1 / 50051)
  GOVERNANCE_HTTP_HOST / GOVERNANCE_HTTP_PORT   /healthz, /readyz (127.0.0.1 / 8081)
  GOVERNANCE_REPLAY_MAX_CONCURRENT              ReplayTo streams at once; one more is RESOURCE_EXHAUSTED (4)
  GOVERNANCE_REPLAY_BATCH                       events a replay reads (and holds) per page (500)
  GOVERNANCE_LIVE_MONITOR_INTERVAL_MS           live precision/recall and KPI check, rollback proposals (60000; 0 = off)
  EVENTSTORE                                    sqlite (default) or postgres
  PG_URL, PG_SCHEMA                             PostgreSQL (PG_URL required for postgres; schema eventstore)
  SQLITE_PATH                                   ./data/events.db
  LEDGER_KEY_FILE                               Ed25519 PEM of the ledger (required)
  ANCHOR_FILE                                   anchors are appended here; the head is anchored on shutdown
  ANCHOR_NATS_URL, ANCHOR_NATS_STREAM           anchors also go to this JetStream stream (off the database host;
                                                <NATS_PREFIX>_LEDGER_ANCHORS or LEDGER_ANCHORS), with the NATS_* credentials below
  ANCHOR_NATS_MAX_AGE_MS                        the stream's retention (0: for ever)
  ANCHOR_EVERY_EVENTS, ANCHOR_INTERVAL_MS       anchor after this many events / every this many ms when the head moved (1000, 10000)
  NATS_PREFIX, NATS_NKEY_SEED_FILE | NATS_CREDS_FILE | NATS_USER + NATS_PASSWORD_FILE   the anchor stream's prefix and credentials
  ACCESS_KEYS_DIR                               directory holding keyset.json (required)
  ACCESS_ISSUER / ACCESS_AUDIENCE               industrial-access / industrial-platform
  OTEL_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SAMPLE_RATIO   telemetry (none by default)
  LOG_LEVEL, SHUTDOWN_GRACE_MS                  info, 10000
  GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE           gRPC server TLS (unset: plaintext, loopback only)
  GRPC_TLS_CLIENT_CA_FILE                       mutual TLS: clients must present a certificate of this CA
  GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN   gRPC refused calls per address / calls per token: <burst>/<per second> or off (100/50, 1000/200)
  HTTP_TLS_CERT_FILE, HTTP_TLS_KEY_FILE           HTTPS for /healthz, /readyz
`;
