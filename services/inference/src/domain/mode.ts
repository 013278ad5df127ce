// Manual mode per asset or per line: while an asset (or its line) is not in auto, prompts for it
// are suppressed and recorded as such. The asset's own setting wins over its line's. Pure.

export type AssetMode = 'auto' | 'manual' | 'maintenance' | 'offline';

export interface ModeEntry {
  readonly mode: AssetMode;
  readonly actor: string;
  readonly reason: string;
  readonly changedAt: string;
}

/** path (asset: 5 tokens, line: 4 tokens) → latest mode. */
export type Modes = ReadonlyMap<string, ModeEntry>;

export const linePathOf = (assetPath: string): string => assetPath.slice(0, assetPath.lastIndexOf('.'));

export function effectiveMode(modes: Modes, assetPath: string): ModeEntry | null {
  return modes.get(assetPath) ?? modes.get(linePathOf(assetPath)) ?? null;
}

export function isSuppressed(modes: Modes, assetPath: string): boolean {
  const m = effectiveMode(modes, assetPath);
  return m !== null && m.mode !== 'auto';
}

export function currentMode(modes: Modes, path: string): AssetMode {
  return modes.get(path)?.mode ?? 'auto';
}
