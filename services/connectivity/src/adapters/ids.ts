// Ids: UUID v7 for events (time-ordered, client-chosen → idempotent appends) and name-based UUID
// v5 for batches, so a batch's id follows from (source, asset, sequence) alone and a replay after
// a restart carries the same Nats-Msg-Id.
import { uuidv5 } from '@industrial/contracts/ids';

export { uuidv5, uuidv7 } from '@industrial/contracts/ids';

/** The batch id: v5 of `<assetPath>#<seq>` in the source's id as namespace. */
export const batchIdOf = (sourceId: string, assetPath: string, seq: number): string => uuidv5(sourceId, `${assetPath}#${seq}`);
