// Which assets of the plant are not watched by their model right now (GET /api/v1/assets states).
import type { AssetEntry } from './inference.ts';

/**
 * Assets in a use case's scope that nothing is watching right now (warming up, stale data, manual,
 * limits standing in for the model): the page must not say "nothing needs doing" while one exists.
 */
export function unwatchedOf(assets: AssetEntry[] | null): { assetPath: string; name: string; reason: string }[] {
  const out: { assetPath: string; name: string; reason: string }[] = [];
  for (const a of assets ?? []) {
    const off = a.useCases.find((u) => u.state !== 'monitored');
    if (off) out.push({ assetPath: a.assetPath, name: a.name || a.assetPath, reason: `${off.name}: ${off.reason}` });
  }
  return out;
}
