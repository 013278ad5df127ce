// Plant time. The plant runs on its own clock, accelerated ×1..×1000 against real time.
// The clock never reads the wall clock: the adapter passes elapsed real time in.

export const MIN_ACCELERATION = 1;
export const MAX_ACCELERATION = 1000;

export interface PlantClock {
  /** current plant time, epoch milliseconds */
  readonly nowMs: number;
  readonly acceleration: number;
  /** advances by real elapsed milliseconds × acceleration; returns the new plant time */
  advance(realDeltaMs: number): number;
}

export function createPlantClock(options: { startMs: number; acceleration: number }): PlantClock {
  const { acceleration } = options;
  if (!Number.isFinite(acceleration) || acceleration < MIN_ACCELERATION || acceleration > MAX_ACCELERATION) {
    throw new RangeError(`acceleration must be within ${MIN_ACCELERATION}..${MAX_ACCELERATION}, got ${acceleration}`);
  }
  let nowMs = options.startMs;
  return {
    get nowMs() {
      return nowMs;
    },
    acceleration,
    advance(realDeltaMs: number): number {
      if (realDeltaMs > 0) nowMs += realDeltaMs * acceleration;
      return nowMs;
    },
  };
}

export const MINUTE_MS = 60_000;
