// Location scopes: which part of the plant a principal may act on, as ISA-95 path prefixes.
//   `*`                         everything, including things with no location (model registry)
//   `site:plant1`               every area and line of plant1
//   `area:plant1/packaging`     every line of that area
//   `line:plant1/packaging/line2`
// A scope covers a resource when the scope's path is a prefix of the resource's path.

/** Where a resource lives. Names, not paths: `{ site: 'plant1', area: 'packaging', line: 'line2' }`. */
export interface Resource {
  site?: string;
  area?: string;
  line?: string;
}

export type Scope = { readonly kind: 'all' } | { readonly kind: 'site' | 'area' | 'line'; readonly path: readonly string[] };

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const DEPTH = { site: 1, area: 2, line: 3 } as const;

/** Parses a scope string; returns a reason instead of throwing so callers can name the claim or flag. */
export function parseScope(text: string): { ok: true; scope: Scope } | { ok: false; reason: string } {
  if (text === '*') return { ok: true, scope: { kind: 'all' } };
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  if (kind !== 'site' && kind !== 'area' && kind !== 'line') {
    return { ok: false, reason: `scope "${text}" must be "*" or start with site:, area: or line:` };
  }
  const path = text.slice(colon + 1).split('/');
  if (path.length !== DEPTH[kind]) {
    const example = { site: 'site:plant1', area: 'area:plant1/packaging', line: 'line:plant1/packaging/line2' }[kind];
    return { ok: false, reason: `scope "${text}" needs ${DEPTH[kind]} path segment(s), e.g. ${example}` };
  }
  const bad = path.find((segment) => !SEGMENT.test(segment));
  if (bad !== undefined) {
    return { ok: false, reason: `scope "${text}" has an invalid segment "${bad}" (letters, digits, _ . - only)` };
  }
  return { ok: true, scope: { kind, path } };
}

export function isValidScope(text: string): boolean {
  return parseScope(text).ok;
}

export function formatScope(scope: Scope): string {
  return scope.kind === 'all' ? '*' : `${scope.kind}:${scope.path.join('/')}`;
}

/** The resource's path from site down, or a reason when it is not a well-formed location. */
export function resourcePath(resource: Resource | undefined): { ok: true; path: string[] } | { ok: false; reason: string } {
  if (resource === undefined) return { ok: true, path: [] };
  const { site, area, line } = resource;
  if (line !== undefined && area === undefined) return { ok: false, reason: 'resource names a line but no area' };
  if (area !== undefined && site === undefined) return { ok: false, reason: 'resource names an area but no site' };
  const path = [site, area, line].filter((s): s is string => s !== undefined);
  const bad = path.find((segment) => !SEGMENT.test(segment));
  if (bad !== undefined) return { ok: false, reason: `resource location has an invalid name "${bad}"` };
  return { ok: true, path };
}

export function describeResource(resource: Resource | undefined): string {
  const path = [resource?.site, resource?.area, resource?.line].filter((s) => s !== undefined);
  if (path.length === 0) return 'a resource with no location';
  const kind = (['site', 'area', 'line'] as const)[path.length - 1];
  return `${kind} ${path.join('/')}`;
}

/** Whether `scope` covers a resource at `path` (site, area, line names; empty = no location). */
export function scopeCovers(scope: Scope, path: readonly string[]): boolean {
  if (scope.kind === 'all') return true;
  if (scope.path.length > path.length) return false;
  return scope.path.every((segment, i) => segment === path[i]);
}

/** The narrowest scope that would cover the resource, to tell people what is missing. */
export function scopeNeededFor(path: readonly string[]): string {
  if (path.length === 0) return '*';
  const kind = (['site', 'area', 'line'] as const)[path.length - 1];
  return `${kind}:${path.join('/')}`;
}

/**
 * The one mapping from an ISA-95 asset path (`enterprise.site.area.line[.cell…]`, UNS dots) to the
 * location an access check needs. Partial paths give partial locations (`acme.p1` → site p1), so
 * a site- or area-level thing is checked against site and area scopes; an empty or missing path
 * has no location (only `*` covers it). Every service maps asset paths with this function.
 */
export function resourceOfAssetPath(assetPath: string | null | undefined): Resource | undefined {
  if (assetPath === undefined || assetPath === null || assetPath.trim() === '') return undefined;
  const [, site, area, line] = assetPath.split('.');
  if (site === undefined || site === '') return undefined;
  return {
    site,
    ...(area === undefined || area === '' ? {} : { area }),
    ...(area === undefined || area === '' || line === undefined || line === '' ? {} : { line }),
  };
}
