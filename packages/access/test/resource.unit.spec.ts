import { describe, expect, it } from 'vitest';
import { parseScope, resourceOfAssetPath, scopeCovers, type Resource } from '../src/index.ts';
import { resourcePath } from '../src/scopes.ts';

describe('resourceOfAssetPath: the one asset path → access location mapping', () => {
  const table: [string | null | undefined, Resource | undefined][] = [
    [undefined, undefined],
    [null, undefined],
    ['', undefined],
    ['   ', undefined],
    ['acme', undefined],
    ['acme.plant1', { site: 'plant1' }],
    ['acme.plant1.packaging', { site: 'plant1', area: 'packaging' }],
    ['acme.plant1.packaging.line2', { site: 'plant1', area: 'packaging', line: 'line2' }],
    ['acme.plant1.packaging.line2.filler', { site: 'plant1', area: 'packaging', line: 'line2' }],
    ['acme.plant1.packaging.line2.filler.nozzle-3', { site: 'plant1', area: 'packaging', line: 'line2' }],
    ['acme..packaging.line2', undefined],
    ['acme.plant1..line2', { site: 'plant1' }],
  ];
  it.each(table)('%j → %j', (path, expected) => {
    expect(resourceOfAssetPath(path)).toEqual(expected);
  });

  it('gives every partial path a well-formed location that scopes can be checked against', () => {
    for (const [path] of table) expect(resourcePath(resourceOfAssetPath(path)).ok).toBe(true);
  });

  it('lets a line scope cover its line and assets but not a site-level path', () => {
    const line = parseScope('line:plant1/packaging/line2');
    if (!line.ok) throw new Error(line.reason);
    const path = (p: string) => {
      const r = resourcePath(resourceOfAssetPath(p));
      if (!r.ok) throw new Error(r.reason);
      return r.path;
    };
    expect(scopeCovers(line.scope, path('acme.plant1.packaging.line2.filler'))).toBe(true);
    expect(scopeCovers(line.scope, path('acme.plant1.packaging'))).toBe(false);
    expect(scopeCovers(line.scope, path('acme.plant1.packaging.line3.filler'))).toBe(false);
  });
});
