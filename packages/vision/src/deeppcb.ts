// Reader of the DeepPCB layout (../shared/datasets/deeppcb): `PCBData/trainval.txt` lists
// `groupG/G/NNNNNNNN.jpg groupG/G_not/NNNNNNNN.txt`; the image on disk is the pair's
// `_test.jpg` (the tested scan; the defect-free templates are not used — see its README's
// trap); annotations are `x1 y1 x2 y2 type` per line.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Defect } from './tiles.ts';

export interface BoardRecord {
  readonly boardId: string;
  readonly group: string;
  readonly imagePath: string;
  readonly defects: readonly Defect[];
}

export function parseAnnotations(text: string): Defect[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => {
      const v = l.split(/[\s,]+/).map(Number);
      if (v.length < 5 || v.some((x) => !Number.isFinite(x))) throw new Error(`bad annotation line: ${l}`);
      return { x1: v[0]!, y1: v[1]!, x2: v[2]!, y2: v[3]!, type: v[4]! };
    });
}

export function readDeepPcb(root: string): BoardRecord[] {
  const base = join(root, 'PCBData');
  const list = readFileSync(join(base, 'trainval.txt'), 'utf8');
  const out: BoardRecord[] = [];
  for (const line of list.split(/\r?\n/)) {
    const [img, ann] = line.trim().split(/\s+/);
    if (!img || !ann) continue;
    const boardId = img.replace(/^.*\//, '').replace(/\.jpg$/, '');
    out.push({
      boardId,
      group: img.split('/')[0]!,
      imagePath: join(base, img.replace(/\.jpg$/, '_test.jpg')),
      defects: parseAnnotations(readFileSync(join(base, ann), 'utf8')),
    });
  }
  return out;
}
