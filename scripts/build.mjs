// `npm run build` (node scripts/build.mjs [out, default dist] [--no-hmi]): the platform compiled to
// JavaScript for production (the Dockerfile's build stage, the image smoke test). One ESM bundle per
// process entry point under <out>/, at the same relative path as its source without src/
// (<out>/services/governance/main.js, <out>/packages/relay/main.js, …), and the built operator HMI
// (<out>/web-hmi/server.js, bundled, + build/), made from a copy of web-hmi/ so a build never races another one:
// - workspace packages (@industrial/*) and packages nested in a workspace's own node_modules are
//   bundled in (their sources are TypeScript, or their version differs from the hoisted one);
// - every package hoisted to the root node_modules stays external and is imported at run time from
//   the production install (`npm ci --omit=dev`), which has the same hoisted layout (same lock file);
// - files read next to the code at run time are copied beside each bundle (gRPC descriptors),
//   the training worker is its own bundle, dist/package.json marks the output as ES modules.
// No type check here (`npm run typecheck` does that); esbuild only strips types.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const out = resolve(args.find((a) => !a.startsWith('--')) ?? join(root, 'dist'));
const withHmi = !args.includes('--no-hmi');

/** Process entry points (main.ts of every service, the relay, keygen, the training worker). */
export const ENTRIES = [
  'packages/relay/src/main.ts',
  'services/charter/src/main.ts',
  'services/connectivity/src/main.ts',
  'services/dataops/src/main.ts',
  'services/governance/src/main.ts',
  'services/inference/src/main.ts',
  'services/simulator/src/main.ts',
  'services/training/src/main.ts',
  'services/training/src/adapters/worker/train-worker.ts',
  'scripts/platform/keygen.ts',
].filter((e) => existsSync(join(root, e)));

/** dist path of an entry: services/x/src/main.ts → services/x/main.js (the worker sits beside main.js). */
export const outPathOf = (entry) => {
  const parts = entry.replace(/\.ts$/, '.js').split('/');
  const i = parts.indexOf('src');
  return i < 0 ? parts.join('/') : [...parts.slice(0, i), parts.at(-1)].join('/');
};

const rootModules = join(root, 'node_modules') + sep;
/** External when the import resolves into the root node_modules (hoisted), bundled otherwise. */
const hoistedExternal = {
  name: 'hoisted-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('node:') || args.pluginData === 'inner') return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'inner' });
      if (r.errors.length > 0) return { errors: r.errors };
      if (r.external) return { path: args.path, external: true };
      const real = r.path;
      const hoisted = real.startsWith(rootModules) && !relative(rootModules, real).includes(`${sep}node_modules${sep}`);
      return hoisted ? { path: args.path, external: true } : { path: real };
    });
  },
};

rmSync(out, { recursive: true, force: true });
const started = Date.now();
for (const entry of ENTRIES) {
  const outfile = join(out, outPathOf(entry));
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [hoistedExternal],
    // Bundled CommonJS (a nested package) may call require(): give the ES module one.
    banner: { js: "import { createRequire as __platformRequire } from 'node:module'; const require = __platformRequire(import.meta.url);" },
  });
  // @industrial/grpc reads its descriptor set next to its code (new URL('./gen/…', import.meta.url)).
  mkdirSync(join(dirname(outfile), 'gen'), { recursive: true });
  copyFileSync(join(root, 'packages/grpc/src/gen/descriptors.binpb'), join(dirname(outfile), 'gen/descriptors.binpb'));
}
if (withHmi) await buildHmi(join(out, 'web-hmi'));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ name: 'industrial-ai-platform-dist', version, private: true, type: 'module' }, null, 2)}\n`);
process.stdout.write(`built ${ENTRIES.length} entry points into ${relative(root, out) || out} in ${Date.now() - started} ms\n`);

/**
 * vite build of a copy of web-hmi/ (sources, config, server.js) under node_modules/.cache, reused
 * while the sources are unchanged; its output copied to `dest`.
 */
async function buildHmi(dest) {
  const src = join(root, 'web-hmi');
  const files = [
    'package.json',
    'server.js',
    'vite.config.ts',
    'tsconfig.json',
    ...readdirSync(join(src, 'src'), { recursive: true }).map((f) => join('src', f)),
  ];
  const hash = createHash('sha256');
  for (const f of files.sort()) if (existsSync(join(src, f)) && statSync(join(src, f)).isFile()) hash.update(f).update(readFileSync(join(src, f)));
  const work = join(root, 'node_modules/.cache/hmi-build', hash.digest('hex').slice(0, 16), 'web-hmi');
  if (!existsSync(join(work, 'build/handler.js'))) {
    rmSync(dirname(work), { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    for (const f of ['package.json', 'server.js', 'vite.config.ts', 'tsconfig.json', 'src'])
      if (existsSync(join(src, f))) cpSync(join(src, f), join(work, f), { recursive: true });
    const r = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (r.status !== 0) throw new Error(`vite build of the HMI failed:\n${r.stdout}\n${r.stderr}`);
  }
  mkdirSync(dest, { recursive: true });
  cpSync(join(work, 'build'), join(dest, 'build'), { recursive: true });
  copyFileSync(join(work, 'package.json'), join(dest, 'package.json'));
  // server.js bundled like the services: @industrial/telemetry (a workspace, not in the production
  // install) is bundled in, hoisted packages stay external, the SvelteKit handler beside it stays a file.
  await build({
    entryPoints: [join(work, 'server.js')],
    outfile: join(dest, 'server.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [{ name: 'hmi-handler', setup: (b) => b.onResolve({ filter: /^\.\/build\// }, (a) => ({ path: a.path, external: true })) }, hoistedExternal],
    banner: { js: "import { createRequire as __platformRequire } from 'node:module'; const require = __platformRequire(import.meta.url);" },
  });
}
