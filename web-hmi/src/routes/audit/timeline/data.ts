// The timeline's data for the page and its export: the newest 500 events, or a replay to ?at=.
import { parseFilter, servingFrom, timeline, type Serving, type TimelineFilter, type TimelineRow } from '#lib/server/audit.ts';
import { platformWords, withPlatform, type AuditEvent } from '#lib/server/platform.ts';

export interface TimelineData {
  problem: string | null;
  filter: TimelineFilter;
  rows: TimelineRow[];
  serving: Serving[];
  truncated: boolean;
  types: string[];
}

const MAX = 5000;

export async function timelineData(token: string, params: URLSearchParams): Promise<TimelineData> {
  const { filter, error } = parseFilter(params);
  const base = { filter, rows: [], serving: [], truncated: false, types: [] };
  if (error !== null) return { ...base, problem: error };
  try {
    return await withPlatform(token, async (p) => {
      let events: AuditEvent[];
      let truncated = false;
      if (filter.at !== null) {
        const r = await p.replayTo(filter.at, filter.stream ? [filter.stream] : [], MAX);
        events = r.events;
        truncated = r.truncated;
      } else {
        const head = (await p.readAll(1, 1)).head;
        const from = Math.max(1, head - 499);
        events = (await p.readAll(from, 500)).events;
        truncated = from > 1;
      }
      // who served each use case at that time needs every model- event up to then, not only the filtered ones
      const modelEvents = (await p.replayTo(filter.at ?? new Date().toISOString(), ['model-', 'serving-'], MAX)).events;
      return {
        problem: null,
        filter,
        rows: timeline(events, filter).reverse(),
        serving: servingFrom(modelEvents),
        truncated,
        types: [...new Set(events.map((e) => e.type))].sort(),
      };
    });
  } catch (error) {
    return { ...base, problem: platformWords(error) };
  }
}
