#!/usr/bin/env node
// Structure checks of `npm run lint` that ESLint does not do (plain Node, no dependencies, < 1 s):
//   1. no import circles among the relative imports of services/*/src, packages/*/src and
//      contracts/src. Every static `import ... from` / `export ... from` / `import '...'` counts,
//      `import type` and `export type` included (a type-only circle is still a circle in the
//      design); dynamic `import()` does not. Each circle is printed as a → b → … → a.
//   2. no hand-written source file over MAX_LINES lines: every .ts/.mts/.js/.mjs/.svelte file
//      under services/, packages/, contracts/, scripts/, test/ and web-hmi/src/, specs included.
//      Generated code (a `gen/` folder, or a `Code generated` / `DO NOT EDIT` header) is skipped.
// Usage: node scripts/check-structure.mjs [--root DIR] [--max-lines N]
//   --root DIR  check every file under DIR instead of the repository layout (used by the tests).
// Exits 1 when either check finds something.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP_DIRS = new Set(['node_modules', '.tools', '.turbo', '.data', '.svelte-kit', 'dist', 'build', 'coverage', 'gen', '.before', '.base']);
const SOURCE = /\.(?:ts|mts|js|mjs|svelte)$/;
const MODULE = /\.(?:ts|mts)$/;

function parseArgs(argv) {
  const args = { root: null, maxLines: 500 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') args.root = resolve(argv[++i] ?? '.');
    else if (argv[i] === '--max-lines') args.maxLines = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(args.maxLines) || args.maxLines < 1) throw new Error('--max-lines needs a positive integer');
  return args;
}

/** Every file under `dir` whose name matches `pattern`, skipping SKIP_DIRS and dot-folders. */
function walk(dir, pattern, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (SKIP_DIRS.has(entry.name) || entry.name.startsWith('.')) continue;
      walk(path, pattern, out);
    } else if (entry.isFile() && pattern.test(entry.name)) out.push(path);
  }
  return out;
}

const subdirs = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(dir, d.name))
    : [];

/** Removes comments, keeping line breaks (string contents are left alone; good enough for import lines). */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

// `import x from '…'`, `import { a, type b } from '…'`, `import * as n from '…'`, `import '…'`,
// `export { a } from '…'`, `export * from '…'`, `export type { T } from '…'`.
const IMPORT_RE = /(?:^|[\s;}])(import|export)\s+(type\s+)?(?:[\w$*{}\s,]*?\s*from\s*)?['"]([^'"\n]+)['"]/g;

// `await import('…')`: a dynamic import closes a circle at run time just as well.
const DYNAMIC_IMPORT_RE = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** The module specifiers of a file's static imports, re-exports and dynamic imports. */
export function importsOf(text) {
  const found = [];
  const code = stripComments(text);
  for (const m of code.matchAll(IMPORT_RE)) {
    // `export const x = '…'` and the like are not re-exports: a re-export names `from` or is `export *`.
    if (m[1] === 'export' && !/\bfrom\s*['"]/.test(m[0])) continue;
    found.push({ specifier: m[3], typeOnly: Boolean(m[2]) });
  }
  for (const m of code.matchAll(DYNAMIC_IMPORT_RE)) found.push({ specifier: m[1], typeOnly: false });
  return found;
}

/** The file a relative specifier names, or null (non-relative, or outside the scanned files). */
function resolveRelative(from, specifier, known) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return null;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.m?js$/, (e) => (e === '.mjs' ? '.mts' : '.ts')), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => known.has(c)) ?? null;
}

/** Strongly connected components (Tarjan, iterative) of a graph given as Map<node, node[]>. */
function stronglyConnected(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      const edges = graph.get(node) ?? [];
      if (i < edges.length) {
        frame[1]++;
        const to = edges[i];
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push([to, 0]);
        } else if (onStack.has(to)) low.set(node, Math.min(low.get(node), index.get(to)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === index.get(node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        components.push(component);
      }
    }
  }
  return components;
}

/** A shortest circle through `start` inside `members` (breadth-first), as [start, …, start]. */
function shortestCircle(graph, start, members) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let n = node; n !== start; n = previous.get(n)) path.unshift(n);
        path.unshift(start);
        return path;
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

/**
 * Import circles among `files`. One entry per strongly connected component: its members, one
 * shortest circle through its first member (sorted), and whether every edge inside it is type-only.
 */
export function findCycles(files) {
  const known = new Set(files);
  const graph = new Map();
  const typeOnlyEdge = new Map();
  for (const file of files) {
    const targets = new Set();
    for (const { specifier, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolveRelative(file, specifier, known);
      if (target === null) continue;
      const key = `${file}\0${target}`;
      typeOnlyEdge.set(key, (typeOnlyEdge.get(key) ?? true) && typeOnly);
      targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  const cycles = [];
  for (const component of stronglyConnected(graph)) {
    const selfLoop = component.length === 1 && (graph.get(component[0]) ?? []).includes(component[0]);
    if (component.length < 2 && !selfLoop) continue;
    const members = new Set(component);
    const sorted = [...component].sort();
    let typeOnly = true;
    for (const from of component) for (const to of graph.get(from) ?? []) if (members.has(to) && !typeOnlyEdge.get(`${from}\0${to}`)) typeOnly = false;
    cycles.push({ members: sorted, circle: shortestCircle(graph, sorted[0], members), typeOnly });
  }
  return cycles.sort((a, b) => a.members[0].localeCompare(b.members[0]));
}

const GENERATED = /^(?:\/\/|\/\*|\s\*)?.*(?:Code generated|DO NOT EDIT|@generated)/m;

/** Hand-written files over `maxLines` lines, longest first. */
export function oversizedFiles(files, maxLines) {
  const over = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (GENERATED.test(text.slice(0, 600))) continue;
    const lines = text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > maxLines) over.push({ file, lines });
  }
  return over.sort((a, b) => b.lines - a.lines);
}

const TEST_SUPPORT = /(?:\.spec\.ts|\.contract\.ts|(?:^|[/.-])(?:fixtures?|fakes?|harness|test-support)(?:[/.-]|$))/;

/**
 * The one test layout (every workspace): specs (`*.unit|int|e2e.spec.ts`) and test support (fixtures,
 * fakes, harnesses, shared contract suites) live in the workspace's `test/` folder, never under `src/`.
 */
export function misplacedTests(files) {
  return files.filter((f) => /\/src\//.test(f) && TEST_SUPPORT.test(f.slice(f.lastIndexOf('/src/') + 5)));
}

function repositoryLayout() {
  const moduleRoots = [...subdirs(join(repo, 'services')), ...subdirs(join(repo, 'packages'))]
    .map((d) => join(d, 'src'))
    .concat(join(repo, 'contracts', 'src'));
  const sizeRoots = ['services', 'packages', 'contracts', 'scripts', 'test', 'web-hmi/src'].map((d) => join(repo, d));
  const fixtures = join(repo, 'test', 'lint', 'fixtures');
  return {
    base: repo,
    modules: moduleRoots.flatMap((d) => walk(d, MODULE)),
    sources: sizeRoots.flatMap((d) => walk(d, SOURCE)).filter((f) => !f.startsWith(fixtures + '/')),
  };
}

function main() {
  const started = performance.now();
  const { root, maxLines } = parseArgs(process.argv.slice(2));
  const layout = root === null ? repositoryLayout() : { base: root, modules: walk(root, MODULE), sources: walk(root, SOURCE) };
  const rel = (f) => relative(layout.base, f);
  let failed = false;

  const cycles = findCycles(layout.modules);
  if (cycles.length > 0) {
    failed = true;
    console.error(`✗ ${cycles.length} import circle(s) among relative imports:`);
    for (const c of cycles) {
      console.error(`  ${c.circle.map(rel).join(' → ')}${c.typeOnly ? '   (type-only)' : ''}`);
      if (c.members.length > c.circle.length - 1) console.error(`    same circle group (${c.members.length} files): ${c.members.map(rel).join(', ')}`);
    }
  }

  const over = oversizedFiles(layout.sources, maxLines);
  if (over.length > 0) {
    failed = true;
    console.error(`✗ ${over.length} hand-written source file(s) over ${maxLines} lines:`);
    for (const { file, lines } of over) console.error(`  ${rel(file)}: ${lines} lines`);
  }

  const misplaced = root === null ? misplacedTests(layout.modules) : [];
  if (misplaced.length > 0) {
    failed = true;
    console.error(`✗ ${misplaced.length} spec or test-support file(s) under src/ (one rule: tests live in the workspace's test/ folder):`);
    for (const f of misplaced) console.error(`  ${rel(f)}`);
  }

  const ms = Math.round(performance.now() - started);
  const summary = `${layout.modules.length} modules checked for import circles, ${layout.sources.length} source files for length (max ${maxLines} lines), ${ms} ms`;
  if (failed) {
    console.error(`check-structure: failed (${summary})`);
    process.exitCode = 1;
  } else console.log(`check-structure: ok (${summary})`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
