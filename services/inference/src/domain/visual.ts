// Visual inspection use cases (#22) as inference reads them: which stations a use case serves,
// the station's asset path (for manual mode), the board prompt in plain words with the station
// and the regions ("Board 13000188 at aoi-1: possible defect near the upper left — check before
// soldering"), and image-statistics drift of the tiles seen against the model's training
// reference. Pure.
import { psiOf } from './drift.ts';
import type { UseCaseSpec } from './usecase.ts';

export type VisualTask = Extract<UseCaseSpec['task'], { kind: 'visual-inspection' }>;

/** A region of a board the model flagged: pixel box (x2/y2 exclusive) and its highest tile score. */
export interface FlaggedBox {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
}

export const isVisual = (spec: Pick<UseCaseSpec, 'task'> | undefined): spec is Pick<UseCaseSpec, 'task'> & { task: VisualTask } =>
  spec?.task.kind === 'visual-inspection';

/** Whether a visual use case serves a station (its id starts with the task's station prefix). */
export function servesStation(spec: Pick<UseCaseSpec, 'task'>, stationId: string): boolean {
  return isVisual(spec) && stationId.startsWith(spec.task.stationPrefix);
}

/** The station's asset path under the use case's line (`<pathPrefix>.<station>`), for manual mode; null without a line path. */
export function stationPath(spec: Pick<UseCaseSpec, 'scope'>, stationId: string): string | null {
  const p = spec.scope.pathPrefix;
  return p.split('.').length === 4 ? `${p}.${stationId}` : null;
}

/** "upper left", "centre", "lower right", … of a box's centre on an image. */
export function placeOf(box: FlaggedBox, width: number, height: number): string {
  const cx = (box.x1 + box.x2) / 2 / width,
    cy = (box.y1 + box.y2) / 2 / height;
  const v = cy < 1 / 3 ? 'upper' : cy > 2 / 3 ? 'lower' : 'middle';
  const h = cx < 1 / 3 ? 'left' : cx > 2 / 3 ? 'right' : 'centre';
  if (v === 'middle' && h === 'centre') return 'centre';
  if (v === 'middle') return `middle ${h}`;
  return h === 'centre' ? `${v} centre` : `${v} ${h}`;
}

/** The operator's prompt: part, station, what and where (at most three places), the action. */
export function boardMessage(
  spec: Pick<UseCaseSpec, 'task' | 'failureModes' | 'failureMode'>,
  partId: string,
  stationId: string,
  regions: readonly FlaggedBox[],
  width: number,
  height: number,
): string {
  const task = spec.task as VisualTask;
  const mode = spec.failureModes.find((f) => f.code === spec.failureMode) ?? spec.failureModes[0]!;
  const places = [...new Set(regions.map((r) => placeOf(r, width, height)))];
  const where = places.slice(0, 3).join(', the ');
  const more = places.length > 3 ? ` and ${places.length - 3} more places` : '';
  const action = mode.action.text.replaceAll('{asset}', stationId);
  return `${task.partWords} ${partId} at ${stationId}: possible ${mode.words} near the ${where}${more} — ${action}`.slice(0, 280);
}

/** Tile statistics watched for image drift (brightness and contrast of the tiles: lighting, focus, camera). */
export const IMAGE_DRIFT_FEATURES = ['mean', 'std'] as const;

export interface ImageDrift {
  readonly feature: string;
  readonly psi: number;
  readonly severity: 'none' | 'warning' | 'critical';
}

/** PSI of the tiles seen (one statistic) against the training reference: ≥ 0.1 warning, ≥ 0.25 critical. */
export function imageDrift(feature: string, sortedReference: Float64Array, current: ArrayLike<number>): ImageDrift {
  const psi = psiOf(sortedReference, current);
  return { feature, psi, severity: psi >= 0.25 ? 'critical' : psi >= 0.1 ? 'warning' : 'none' };
}
