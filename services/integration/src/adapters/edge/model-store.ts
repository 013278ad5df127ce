// Approved models to the edge through the JetStream object store (@nats-io/obj): the centre puts
// the artifact in bucket `models` of the hub's domain under `<modelVersionId>.onnx`; the edge reads
// it across the leaf connection and checks its sha256 against the one registered with the model
// version before anything may load it. A mismatch is refused with both hashes named.
import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';

export class ModelIntegrityError extends Error {
  constructor(
    readonly modelVersionId: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`model ${modelVersionId}: artifact sha256 ${actualSha256} does not match the registered ${expectedSha256}; refused`);
    this.name = 'ModelIntegrityError';
  }
}

const BUCKET = 'models';

async function bucket(nc: NatsConnection, domain: string) {
  return new Objm(jetstream(nc, { domain })).create(BUCKET, { storage: 'file' });
}

export async function putModel(nc: NatsConnection, domain: string, modelVersionId: string, bytes: Uint8Array): Promise<string> {
  const os = await bucket(nc, domain);
  await os.putBlob({ name: `${modelVersionId}.onnx` }, bytes);
  return createHash('sha256').update(bytes).digest('hex');
}

/** The artifact's bytes once their sha256 matches `expectedSha256`; ModelIntegrityError otherwise. */
export async function fetchModel(nc: NatsConnection, domain: string, modelVersionId: string, expectedSha256: string): Promise<Uint8Array> {
  const os = await bucket(nc, domain);
  const bytes = await os.getBlob(`${modelVersionId}.onnx`);
  if (bytes === null) throw new Error(`model ${modelVersionId} is not in the object store`);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expectedSha256) throw new ModelIntegrityError(modelVersionId, expectedSha256, actual);
  return bytes;
}
