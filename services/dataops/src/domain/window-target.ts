// The target of a window-feature table (what a row predicts) and its column name, in words for
// the snapshot lineage. The table itself is computed by the shared @industrial/ml window function
// (adapters/ml/windows.ts, behind the WindowFeatures port). Pure.

export interface WindowTarget {
  /** Label name whose window end marks the event (e.g. `bearing_failure`). */
  label: string;
  /** `within`: the event's horizon; `time-to`: the cap of the remaining life. */
  horizonMinutes: number;
  /**
   * `within` (default): 1 when the event comes within the horizon; `time-to`: hours until the event
   * (remaining useful life), capped at the horizon, run-to-failure assets only.
   */
  kind?: 'within' | 'time-to';
  /** Target column name; default `<label>_within_<horizon>` (`bearing_failure_within_2h` for 120 min) or `hours_to_<label>`. */
  column?: string;
}

export interface WindowSample {
  timestampMs: number;
  value: number;
  quality: 'good' | 'bad';
}

const hm = (minutes: number) => (minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}min`);

export const targetColumnName = (t: WindowTarget): string =>
  t.column ?? (t.kind === 'time-to' ? `hours_to_${t.label}` : `${t.label}_within_${hm(t.horizonMinutes)}`);

/** The target's definition in words, for the snapshot lineage. */
export const describeTarget = (t: WindowTarget): string =>
  t.kind === 'time-to'
    ? `target ${targetColumnName(t)}: hours from the window end to the asset's first "${t.label}" label end, capped at ${hm(t.horizonMinutes)}; only assets that reach it (run to failure)`
    : `target ${targetColumnName(t)}: a "${t.label}" label window ends within ${t.horizonMinutes} min after the window end; rows stop at an asset's first one`;
