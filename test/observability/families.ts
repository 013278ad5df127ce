// The Prometheus metric families the platform's code can serve, read from the source of every file
// that creates OpenTelemetry instruments (meter.createCounter('name', …) and the like), converted the
// way @opentelemetry/exporter-prometheus names them: dots → underscores, monotonic counters get
// "_total", histograms are served as _bucket/_sum/_count. Plus what Prometheus and the exporter add
// themselves (up, target_info). The alert rules and dashboards may only use these names.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

/** Every source file that creates instruments (a new one must be listed here to be usable in rules and dashboards). */
export const INSTRUMENT_SOURCES = [
  'packages/telemetry/src/runtime.ts',
  'packages/kernel/src/metrics.ts',
  'services/connectivity/src/adapters/telemetry/metrics.ts',
  'services/inference/src/adapters/telemetry/metrics.ts',
  'services/dataops/src/adapters/telemetry/metrics.ts',
  'packages/bus/src/nats/consumer-watch.ts',
  'packages/relay/src/metrics.ts',
  'packages/telemetry/src/http.ts',
] as const;

export interface Family {
  /** As served: `db_client_operation_duration` (histogram: + _bucket, _sum, _count), `eventstore_events_appended_total`. */
  readonly name: string;
  readonly kind: 'counter' | 'gauge' | 'histogram';
  readonly source: string;
}

const KIND: Record<string, Family['kind']> = {
  createCounter: 'counter',
  createObservableCounter: 'counter',
  createHistogram: 'histogram',
  createGauge: 'gauge',
  createObservableGauge: 'gauge',
  createUpDownCounter: 'gauge',
  createObservableUpDownCounter: 'gauge',
};

export function instrumentedFamilies(): Family[] {
  const out: Family[] = [];
  for (const source of INSTRUMENT_SOURCES) {
    const text = readFileSync(join(root, source), 'utf8');
    for (const m of text.matchAll(/\.(create\w+)\(\s*'([a-z0-9_.]+)'/g)) {
      const kind = KIND[m[1] ?? ''];
      if (kind === undefined) continue;
      const base = (m[2] ?? '').replaceAll('.', '_');
      out.push({ name: kind === 'counter' ? `${base}_total` : base, kind, source });
    }
  }
  return out;
}

/** Every series name a query may use: counters and gauges as served, histograms with their suffixes, and up / target_info. */
export function knownSeriesNames(): Set<string> {
  const names = new Set(['up', 'target_info', 'scrape_duration_seconds', 'scrape_samples_scraped']);
  for (const f of instrumentedFamilies()) {
    if (f.kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${f.name}${s}`);
    else names.add(f.name);
  }
  return names;
}

/** The metric names a PromQL expression uses (identifiers not followed by "(" and not label names, keywords or functions). */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]');
  const withoutGroupings = withoutStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const words = withoutGroupings.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()/g) ?? [];
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'le', 'inf', 'nan']);
  return [...new Set(words.filter((w) => !keywords.has(w.toLowerCase())))];
}
