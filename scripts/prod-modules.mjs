// The production node_modules of the image, and the same tree for the image smoke test.
//   node scripts/prod-modules.mjs prune <dir>            after `npm ci --omit=dev` in <dir> (Dockerfile):
//                                                        keeps only this platform's onnxruntime binaries
//   node scripts/prod-modules.mjs link <from> <to>       the production install without a registry: every
//                                                        package the lock file does not mark dev, hard-linked
//                                                        from <from>/node_modules into <to>/node_modules
//                                                        (same hoisted layout as `npm ci --omit=dev`), then pruned
// Workspace links (@industrial/*) are left out: scripts/build.mjs bundles the workspaces.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Package paths (node_modules/…, nested included) of a lock file's production tree. */
export function productionPackages(lock) {
  return Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && p.link !== true && p.dev !== true)
    .map(([path]) => path);
}

/** onnxruntime-node ships every platform's binaries (about 290 MB): keep linux/<arch> only. */
export function pruneOnnxruntime(dir, arch = process.arch) {
  const bin = join(dir, 'node_modules/onnxruntime-node/bin');
  if (!existsSync(bin)) return;
  for (const napi of readdirSync(bin)) {
    for (const os of readdirSync(join(bin, napi))) {
      if (os !== 'linux') rmSync(join(bin, napi, os), { recursive: true, force: true });
      else for (const a of readdirSync(join(bin, napi, os))) if (a !== arch) rmSync(join(bin, napi, os, a), { recursive: true, force: true });
    }
  }
}

function link(from, to) {
  const lock = JSON.parse(readFileSync(join(from, 'package-lock.json'), 'utf8'));
  // Top-level entries carry their nested node_modules along; nested production entries whose parent is dev still get copied.
  const wanted = productionPackages(lock);
  const top = wanted.filter((p) => !p.slice('node_modules/'.length).includes('/node_modules/'));
  const nestedAlone = wanted.filter(
    (p) => p.slice('node_modules/'.length).includes('/node_modules/') && lock.packages[p.slice(0, p.lastIndexOf('/node_modules/'))]?.dev === true,
  );
  for (const p of [...top, ...nestedAlone]) {
    if (!existsSync(join(from, p))) continue; // an optional package for another platform
    mkdirSync(dirname(join(to, p)), { recursive: true });
    if (!existsSync(join(to, p))) execFileSync('cp', ['-al', join(from, p), join(to, p)]);
  }
  // Dev-only packages nested inside a production one came along with it: drop them.
  for (const [p, meta] of Object.entries(lock.packages)) {
    if (p.startsWith('node_modules/') && meta.dev === true && p.slice('node_modules/'.length).includes('/node_modules/'))
      rmSync(join(to, p), { recursive: true, force: true });
  }
  pruneOnnxruntime(to);
}

const [cmd, a, b] = process.argv.slice(2);
if (cmd === 'prune' && a !== undefined) pruneOnnxruntime(resolve(a));
else if (cmd === 'link' && a !== undefined && b !== undefined) link(resolve(a), resolve(b));
else if (cmd !== undefined) {
  process.stderr.write('usage: prod-modules.mjs prune <dir> | link <from> <to>\n');
  process.exit(2);
}
