// Inspection station of a board line (#22): plays the boards of an image data set (DeepPCB) at
// line rate, one shot per board, with the board's annotated defects as ground truth. It can be
// told what to show next: any board, a board with a given defect type, or a board with a
// defect-free region named as such (ground truth "no defect here", for the no-defect button).
// Pure: boards, the seeded generator and the time arrive as arguments.
import type { Rng } from './rng.ts';

export const INSPECTION_DEFECT_TYPES = ['open', 'short', 'mousebite', 'spur', 'spurious-copper', 'pin-hole'] as const;
export type InspectionDefectType = (typeof INSPECTION_DEFECT_TYPES)[number];

export interface InspectionBox {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export interface InspectionDefect extends InspectionBox {
  readonly type: InspectionDefectType;
}

export interface InspectionBoard {
  readonly boardId: string;
  readonly width: number;
  readonly height: number;
  readonly defects: readonly InspectionDefect[];
}

export type InspectionRequest = { readonly kind: 'any' } | { readonly kind: 'defect'; readonly type: InspectionDefectType } | { readonly kind: 'clean-region' };

export interface InspectionShot {
  readonly seq: number;
  readonly stationId: string;
  readonly boardId: string;
  /** the part id the camera writes: board id and shot number (a board may pass again) */
  readonly partId: string;
  readonly capturedAt: string;
  /** ground truth: the annotated defects of the board */
  readonly defects: readonly InspectionDefect[];
  /** for a clean-region request: a region away from every defect (ground truth: no defect) */
  readonly cleanRegion: InspectionBox | null;
}

/** DeepPCB's numeric type (1 open … 6 pin-hole). */
export const defectTypeOf = (n: number): InspectionDefectType => INSPECTION_DEFECT_TYPES[Math.min(5, Math.max(0, Math.round(n) - 1))]!;

/** Milliseconds between boards at `boardsPerMinute`. */
export function shotIntervalMs(boardsPerMinute: number): number {
  if (!(boardsPerMinute > 0) || boardsPerMinute > 6000) throw new RangeError(`line rate ${boardsPerMinute} boards/min must be in (0, 6000]`);
  return 60_000 / boardsPerMinute;
}

const overlaps = (a: InspectionBox, b: InspectionBox): boolean => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

/** The first square of `size` px (scanning rows on a `size` grid from a random start) touching no defect grown by `margin`. */
export function cleanRegionOf(board: InspectionBoard, rng: Rng, size = 64, margin = 8): InspectionBox | null {
  const cols = Math.floor(board.width / size),
    rows = Math.floor(board.height / size);
  const start = Math.floor(rng.next() * cols * rows);
  for (let i = 0; i < cols * rows; i++) {
    const k = (start + i) % (cols * rows);
    const box = { x1: (k % cols) * size, y1: Math.floor(k / cols) * size, x2: (k % cols) * size + size, y2: Math.floor(k / cols) * size + size };
    if (!board.defects.some((d) => overlaps(box, { x1: d.x1 - margin, y1: d.y1 - margin, x2: d.x2 + margin, y2: d.y2 + margin }))) return box;
  }
  return null;
}

/**
 * The next shot: a board chosen at random among those fitting the request (a board with the
 * defect type; a board with a clean region), `seq` numbering the station's shots.
 * Throws when no board fits (a defect type the data set does not hold).
 */
export function nextShot(
  boards: readonly InspectionBoard[],
  request: InspectionRequest,
  rng: Rng,
  seq: number,
  stationId: string,
  capturedAt: string,
): InspectionShot {
  const fits = request.kind === 'defect' ? boards.filter((b) => b.defects.some((d) => d.type === request.type)) : boards;
  if (fits.length === 0) throw new RangeError(request.kind === 'defect' ? `no board with a ${request.type} defect` : 'no boards to play');
  for (let attempt = 0; attempt < 20; attempt++) {
    const board = fits[Math.floor(rng.next() * fits.length)]!;
    const cleanRegion = request.kind === 'clean-region' ? cleanRegionOf(board, rng) : null;
    if (request.kind === 'clean-region' && !cleanRegion) continue;
    return {
      seq,
      stationId,
      boardId: board.boardId,
      partId: `${board.boardId}-${String(seq).padStart(5, '0')}`,
      capturedAt,
      defects: board.defects,
      cleanRegion,
    };
  }
  throw new RangeError('no board with a defect-free region');
}
