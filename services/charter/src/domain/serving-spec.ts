// Checks of a use case's serving spec (contracts' UseCaseServingSpec, ADR 0016) beyond its shape:
// the parts must agree with each other (the task's failure mode is declared, every rule reads a
// feature of the rule window and names a declared failure mode, codes and action ids are unique)
// and with the plant as the dataops catalog knows it (the asset kind exists under the scope's
// prefix, every tag the spec reads is catalogued for an asset in scope). The first problem is a
// refusal naming the field. Pure: the catalog's entries arrive as data.
import type { UseCaseServingSpecData } from '@industrial/contracts';

export type ServingSpec = UseCaseServingSpecData;

/** A catalogued tag of one asset (the catalog port's TagInfo). */
export interface CatalogEntry {
  readonly assetPath: string;
  readonly tag: string;
}

export interface SpecProblem {
  readonly path: (string | number)[];
  readonly reason: string;
}

/** "pump-4" → "pump", "packer-1" → "packer", "mill" → "mill": the kind of an asset from its token. */
export const assetKindOf = (assetPath: string): string => {
  const token = assetPath.slice(assetPath.lastIndexOf('.') + 1);
  return token.replace(/[-_]?\d+$/, '');
};

const assetToken = (assetPath: string): string => assetPath.slice(assetPath.lastIndexOf('.') + 1);

/** Whether an asset path is in the spec's scope (prefix on whole ISA-95 levels, then the asset token's prefix). */
export function specCovers(spec: Pick<ServingSpec, 'scope'>, assetPath: string): boolean {
  const p = spec.scope.pathPrefix;
  if (p !== '' && !(assetPath === p || assetPath.startsWith(`${p}.`))) return false;
  return assetToken(assetPath).startsWith(spec.scope.assetPrefix);
}

/** Every tag the spec reads, with the field that reads it. */
function tagsRead(spec: ServingSpec): { tag: string; path: (string | number)[] }[] {
  return [
    ...spec.ruleWindow.features.map((f, i) => ({ tag: f.tag, path: ['ruleWindow', 'features', i, 'tag'] })),
    ...spec.evidence.map((e, i) => ({ tag: e.tag, path: ['evidence', i, 'tag'] })),
  ];
}

/** Consistency of the spec with itself. */
export function internalProblem(spec: ServingSpec): SpecProblem | null {
  const codes = new Set<string>();
  const actions = new Set<string>();
  for (const [i, fm] of spec.failureModes.entries()) {
    if (codes.has(fm.code)) return { path: ['failureModes', i, 'code'], reason: `failure mode "${fm.code}" is declared twice` };
    codes.add(fm.code);
    if (actions.has(fm.action.actionId))
      return { path: ['failureModes', i, 'action', 'actionId'], reason: `action ${fm.action.actionId} is used for two failure modes` };
    actions.add(fm.action.actionId);
  }
  if (!codes.has(spec.task.failureMode))
    return { path: ['task', 'failureMode'], reason: `"${spec.task.failureMode}" is not one of the failure modes (${[...codes].join(', ')})` };
  const names = new Set<string>();
  for (const [i, f] of spec.ruleWindow.features.entries()) {
    if (names.has(f.name)) return { path: ['ruleWindow', 'features', i, 'name'], reason: `feature "${f.name}" is declared twice` };
    names.add(f.name);
  }
  if (spec.ruleWindow.gridMinutes > spec.ruleWindow.windowMinutes) return { path: ['ruleWindow', 'gridMinutes'], reason: 'must not exceed windowMinutes' };
  for (const [i, r] of spec.rules.entries()) {
    if (!names.has(r.feature))
      return { path: ['rules', i, 'feature'], reason: `"${r.feature}" is not a feature of the rule window (${[...names].join(', ')})` };
    if (!codes.has(r.failureMode)) return { path: ['rules', i, 'failureMode'], reason: `"${r.failureMode}" is not one of the failure modes` };
  }
  const seen = new Set<string>();
  for (const [i, e] of spec.evidence.entries()) {
    const key = `${e.tag}/${e.statistic}`;
    if (seen.has(key)) return { path: ['evidence', i], reason: `a template for ${e.tag} (${e.statistic}) is declared twice` };
    seen.add(key);
  }
  return null;
}

/**
 * Agreement with the catalog (`entries`: every catalogued tag under the scope's prefix). The asset
 * kind must be a kind of some catalogued asset under the prefix, the scope must cover at least one
 * of them, and every tag the spec reads must be catalogued for an asset in scope.
 */
export function catalogProblem(spec: ServingSpec, entries: readonly CatalogEntry[]): SpecProblem | null {
  const where = spec.scope.pathPrefix === '' ? 'the plant' : spec.scope.pathPrefix;
  const kinds = new Set(entries.map((e) => assetKindOf(e.assetPath)));
  if (!kinds.has(spec.assetKind))
    return {
      path: ['assetKind'],
      reason: `unknown asset kind "${spec.assetKind}": the catalog has no such asset under ${where} (known: ${[...kinds].sort().join(', ') || 'none'})`,
    };
  const inScope = entries.filter((e) => specCovers(spec, e.assetPath));
  if (inScope.length === 0) return { path: ['scope', 'assetPrefix'], reason: `no catalogued asset under ${where} starts with "${spec.scope.assetPrefix}"` };
  const tags = new Set(inScope.map((e) => e.tag));
  for (const t of tagsRead(spec)) {
    if (!tags.has(t.tag)) return { path: t.path, reason: `tag "${t.tag}" is missing from the catalog for the ${spec.assetKind} assets in scope` };
  }
  return null;
}

/** The whole check: the spec with itself, then (when a catalog is connected) with the catalog. */
export function servingSpecProblem(spec: ServingSpec, catalog: readonly CatalogEntry[] | null): SpecProblem | null {
  return internalProblem(spec) ?? (catalog === null ? null : catalogProblem(spec, catalog));
}

/** Structural equality of two specs (a re-definition with the same content records nothing). */
export const sameSpec = (a: ServingSpec, b: ServingSpec): boolean => JSON.stringify(a) === JSON.stringify(b);
