// Use case part: a snapshot of ordered per-unit features from an import (run-to-failure records,
// test-rig logs, one sensor stream). The import's rows go through the OrderedFeatures port (the
// @industrial/ml function training and scoring share): several window lengths per unit over a cycle
// or time column, a target derived at snapshot time (steps to the end of the run, capped, for
// run-to-failure units only; or a failure within a horizon), and a split that names the test units.
// What is wrong with the data is an InvalidArgumentError naming the request field (`ordered.order`,
// `ordered.windows`, …) in the data's terms; nothing is written before the table is complete.
import { MlValidationError } from '@industrial/ml';
import { FileShapeError, type TextTable } from '../domain/delimited.ts';
import { InvalidArgumentError, NotFoundError } from '../domain/errors.ts';
import type { Table } from '../domain/table.ts';
import type { MetaStore, OrderedBuildRequest, OrderedBuilt, OrderedFeatures, SnapshotLineage } from '../ports.ts';

/** The ordered source of CreateSnapshotInput: an import and how to build its per-unit features. */
export type OrderedSource = { kind: 'ordered'; importId: string } & Omit<OrderedBuildRequest, 'table'>;

/** The import's typed columns as text cells, the shape the ordered builder types itself (times as ISO). */
export function textTableOf(t: Table): TextTable {
  const cells = t.columns.map((c) => {
    const d = t.data[c.name]!;
    return Array.from({ length: t.rowCount }, (_, i): string => {
      const v = d[i]!;
      if (typeof v === 'string') return v;
      if (Number.isNaN(v)) return '';
      return c.type === 'timestamp' ? new Date(v).toISOString() : String(v);
    });
  });
  const rows = Array.from({ length: t.rowCount }, (_, i) => cells.map((col) => col[i]!));
  return { delimiter: ',', header: true, names: t.columns.map((c) => c.name), rows };
}

/** A builder error as the request field it is about: `--order: …` → `ordered.order: …`. */
function asFieldError(e: unknown): unknown {
  if (!(e instanceof FileShapeError || e instanceof MlValidationError)) return e;
  const m = /^--([a-z-]+): ([\s\S]*)$/.exec(e.message);
  const field = m === null ? 'ordered' : `ordered.${m[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}`;
  return new InvalidArgumentError(field, m === null ? e.message : m[2]!, { cause: e });
}

export async function buildFromOrdered(
  deps: { meta: MetaStore; ordered: OrderedFeatures; codeVersion: string },
  source: OrderedSource,
  featureSetVersion: string,
): Promise<{ built: OrderedBuilt; lineage: SnapshotLineage; importedAt: string }> {
  const imp = await deps.meta.getImport(source.importId);
  if (imp === null) throw new NotFoundError('source.importId', `import ${source.importId}`);
  const { kind: _kind, importId: _id, ...request } = source;
  let built: OrderedBuilt;
  try {
    built = deps.ordered({ ...request, table: textTableOf(imp.table), version: featureSetVersion });
  } catch (e) {
    throw asFieldError(e);
  }
  const lineage: SnapshotLineage = {
    source: { kind: 'import', name: imp.record.name, fileSha256: imp.record.fileSha256, mapping: imp.record.mapping },
    timeRange: null,
    transformations: [
      ...built.transformations,
      source.testUnits !== undefined && source.testUnits.length > 0
        ? `split(group by ${built.splits.by}: test units ${source.testUnits.join(', ')} held out, the last ${source.validationTail} of every other unit validates)`
        : `split(group by ${built.splits.by}: no unit held out, the last ${source.validationTail} of every unit validates and tests)`,
    ],
    labels: { count: 0, ids: [] },
    codeVersion: deps.codeVersion,
    featureSetVersion: built.spec.version,
    ordered: built.spec,
  };
  return { built, lineage, importedAt: imp.record.importedAt };
}
