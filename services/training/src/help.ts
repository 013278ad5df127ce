// `--help` of the training process: what it does and every environment variable it reads.
import { NATS_ENV_HELP } from '@industrial/bus';
export const HELP = `training — trains models on dataset snapshots and registers them as candidates through governance

Environment:
  TRAINING_GRPC_HOST / TRAINING_GRPC_PORT     gRPC listen address (127.0.0.1 / 50054)
  TRAINING_HTTP_HOST / TRAINING_HTTP_PORT     /healthz, /readyz (127.0.0.1 / 8084)
  TRAINING_ARTIFACT_STORE                     fs (default) or s3; TRAINING_ARTIFACT_DIR (./data/artifacts),
                                              TRAINING_S3_ENDPOINT, TRAINING_S3_BUCKET
  SNAPSHOT_DIR                                dataops' snapshot directory (./data/snapshots)
  TRAINING_CONCURRENCY, TRAINING_SHUTDOWN     runs at once (1); finish | cancel on SIGTERM (finish)
  TRAINING_CODE_VERSION                       git sha or package version (default: git, then the package)
  TRAINING_GOVERNANCE_ADDRESS                 host:port of governance's gRPC registry (required: every
                                              model version is registered there, governance's stream)
  TRAINING_GOVERNANCE_TOKEN_FILE              file with its service-account token (role service: model.register, model.read,
                                              model.propose_shadow for the shadow request of a retraining's candidate)
  TRAINING_DATAOPS_ADDRESS                    host:port of dataops' gRPC server: fresh snapshots for retrainings (unset:
                                              retrainings on fresh data are refused at the snapshot step, with that reason)
  TRAINING_DATAOPS_TOKEN_FILE                 its service-account token (dataset.create; default: the governance token file)
  PLANT_TIMEZONE                              IANA zone of the plant: retraining schedules are plant time (UTC)
  TRAINING_RETRAINING_SCHEDULE                default schedule of every use case with a model: "weekly <day> HH:MM",
                                              "daily HH:MM" or "off" (weekly mon 06:00)
  TRAINING_RETRAINING_SCHEDULES               per use case: "<use case id>=<schedule>;…" (a schedule that cannot be
                                              parsed stops the service, naming the variable)
  TRAINING_RETRAINING_WINDOW_DAYS             rolling window of fresh historian data and labels (7)
  TRAINING_RETRAINING_MIN_ROWS, _MIN_POSITIVES  fewer fresh rows / positive rows → the retraining is refused (200, 5)
  NATS_URL                                    integration events (RetrainingRequested, DriftDetected, DatasetSnapshotCreated)
${NATS_ENV_HELP}
  EVENTSTORE, PG_URL, PG_SCHEMA, SQLITE_PATH  event store (sqlite default)
  LEDGER_KEY_FILE                             Ed25519 PEM of the ledger (required)
  ACCESS_KEYS_DIR, ACCESS_ISSUER, ACCESS_AUDIENCE   access keys (required) and token claims
  OTEL_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SAMPLE_RATIO, LOG_LEVEL, SHUTDOWN_GRACE_MS (60000)
  GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE       gRPC server TLS (unset: plaintext, loopback only); GRPC_TLS_CLIENT_CA_FILE: mutual TLS
  GRPC_TLS_CA_FILE                            TLS to governance; GRPC_TLS_CLIENT_CERT_FILE + _KEY_FILE: client certificate
  HTTP_TLS_CERT_FILE, HTTP_TLS_KEY_FILE       HTTPS for /healthz, /readyz
  GRPC_RATE_PER_SOURCE, GRPC_RATE_PER_TOKEN   gRPC refused calls per address / calls per token: <burst>/<per second> or off (100/50, 1000/200)
`;
