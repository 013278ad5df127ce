// The Grafana dashboards in infra/grafana/: valid JSON with the fields Grafana needs (uid, title,
// panels with ids and grid positions, the Prometheus datasource variable), and every query names
// only series the platform serves (test/observability/families.ts) or Prometheus makes (ALERTS).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownSeriesNames, metricNamesIn, root } from './families.ts';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string }[] };
}

const dir = join(root, 'infra/grafana');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const dashboards = files.map((f) => ({ file: f, d: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard }));
const panelsOf = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);

describe('the Grafana dashboards', () => {
  it('are the four views of issue 20, each with a unique uid and the Prometheus datasource variable', () => {
    expect(dashboards.map((x) => x.d.title).sort()).toEqual(['Alarm rate (ISA-18.2)', 'Data path', 'Models and prompts', 'Platform overview']);
    expect(new Set(dashboards.map((x) => x.d.uid)).size).toBe(dashboards.length);
    for (const { file, d } of dashboards) {
      expect(d.schemaVersion, file).toBeGreaterThanOrEqual(30);
      expect(d.templating.list, file).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    }
  });

  it('have panels with unique ids on the grid, and every query uses only series the platform serves', () => {
    const known = new Set([...knownSeriesNames(), 'ALERTS']);
    let queries = 0;
    for (const { file, d } of dashboards) {
      const panels = panelsOf(d.panels);
      expect(panels.length, file).toBeGreaterThan(0);
      expect(new Set(panels.map((p) => p.id)).size, `${file}: panel ids`).toBe(panels.length);
      for (const p of panels) {
        const where = `${file} / ${p.title}`;
        expect(p.gridPos.w, where).toBeGreaterThan(0);
        expect(p.gridPos.x + p.gridPos.w, where).toBeLessThanOrEqual(24);
        if (p.type === 'text' || p.type === 'row') continue;
        expect(p.datasource?.uid, where).toMatch(/^\$\{datasource\}$/);
        expect(p.targets?.length, where).toBeGreaterThan(0);
        for (const t of p.targets ?? []) {
          const names = metricNamesIn(t.expr);
          expect(names.length, `${where}: ${t.expr}`).toBeGreaterThan(0);
          for (const n of names) expect(known.has(n), `${where} queries ${n}, which no process serves`).toBe(true);
          queries++;
        }
      }
    }
    expect(queries).toBeGreaterThan(20);
  });
});
