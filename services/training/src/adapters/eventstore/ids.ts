// Event and run ids (one definition for the platform, @industrial/contracts/ids): UUID v7 for new
// things, name-based UUIDs for ids that must come out the same on a retry or a replay (e.g. the run
// started by a retraining request).
export { uuidFromKey, uuidv7 } from '@industrial/contracts/ids';
