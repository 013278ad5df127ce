// ESLint flat config for the whole repository (`npm run lint`). Syntax-only typescript-eslint
// (no type information: the repository lints in seconds on two cores), Prettier owns the layout,
// and three architecture rules:
//   1. a service's domain/ imports only itself, @industrial/contracts, zod and @industrial/ml (the
//      platform's own pure computation library: the window features training and inference share
//      must be one function, ADR 0007; it does no I/O and reads no clock);
//   2. a service's features/ never import its adapters/ (nor app.ts/main.ts) and touch no library
//      but the contracts, the command kernel, zod and @industrial/ml;
//   3. no code reaches into another service's internals (`@industrial/<service>/...` or a
//      relative path out of its own service folder); a service's package entry stays importable;
// and one rule on the event store: only packages/kernel (and the store itself) call `store.append`.
// The rules are written as no-restricted-imports / no-restricted-syntax so each message names the
// boundary; test/lint/lint.unit.spec.ts runs them on the fixtures under test/lint/fixtures/.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = dirname(fileURLToPath(import.meta.url));

/** Folder names under services/ (each one is a workspace package `@industrial/<name>`). */
const services = readdirSync(join(root, 'services'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

/** Package imports a service's domain/ may use besides its own relative files. */
const DOMAIN_ALLOWED = ['@industrial/contracts', 'zod', '@industrial/ml'];
/** Package imports a service's features/ may use besides relative files (domain/, ports). */
const FEATURES_ALLOWED = ['@industrial/contracts', '@industrial/kernel', 'zod', '@industrial/ml'];
/** Deepest folder nesting (below services/<svc>/, domain/ or features/) that the depth-aware rules cover. */
const MAX_DEPTH = 10;

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
/** A regex source matching a bare specifier that is none of `allowed` (nor a subpath of one). */
const notAllowedPackage = (allowed) => `^(?!\\.{1,2}(?:/|$)|(?:${allowed.map(escapeRe).join('|')})(?:/|$))`;
/** `../` repeated n times, as regex source. */
const up = (n) => `(?:\\.\\./){${n}}`;

const BOUNDARY = 'import boundary:';

/** Cross-service rules: the package part applies to every file, the relative part per depth below services/<svc>/. */
const crossServicePackages = {
  group: services.map((s) => `@industrial/${s}/**`),
  message: `${BOUNDARY} import another service through its package entry ('@industrial/<service>'), never its internals.`,
};
const anyPackageSrc = {
  group: ['@industrial/*/src', '@industrial/*/src/**'],
  message: `${BOUNDARY} import a workspace package through its exports, never its src/ folder.`,
};
/** From a file `depth` folders below services/<svc>/ (1 for src/x.ts), `depth + 1` steps up leave the service folder. */
const crossServiceRelative = (depth) => ({
  regex: `^${up(depth + 1)}`,
  message: `${BOUNDARY} a relative import must not leave its service folder (import another service through '@industrial/<service>').`,
});

/** Domain: `depth` = folders below domain/ (0 for domain/x.ts). */
const domainPatterns = (depth) => [
  {
    regex: notAllowedPackage(DOMAIN_ALLOWED),
    message: `${BOUNDARY} domain/ imports only itself, ${DOMAIN_ALLOWED.join(' and ')} (no node:*, no library, no other workspace package).`,
  },
  {
    regex: `^${up(depth + 1)}(?!domain/)`,
    message: `${BOUNDARY} domain/ imports only itself: this relative import leaves domain/ (ports, adapters and app belong outside the domain).`,
  },
];

/** Features: `depth` = folders below features/ (0 for features/x.ts). */
const featuresPatterns = (depth) => [
  {
    regex: `^${up(depth + 1)}adapters(?:/|$)`,
    message: `${BOUNDARY} features/ must not import an adapter (depend on a port; app.ts wires the adapter in).`,
  },
  {
    regex: `^${up(depth + 1)}(?:app|main)(?:\\.ts)?$`,
    message: `${BOUNDARY} features/ must not import the composition root (app.ts / main.ts).`,
  },
  {
    regex: notAllowedPackage(FEATURES_ALLOWED),
    message: `${BOUNDARY} features/ use only ${FEATURES_ALLOWED.join(', ')} and relative imports (domain/, ports); libraries belong in adapters/.`,
  },
];

const restrict = (patterns) => ['error', { patterns }];
/** `prefix` (a folder glob ending in /) followed by exactly `depth` folders and a file. */
const atDepth = (prefix, depth) => [`${prefix}${'*/'.repeat(depth)}*.{ts,mts,js,mjs}`];
const SPECS = ['**/*.spec.ts', '**/*.test.ts'];

const depths = [...Array(MAX_DEPTH + 1).keys()];

/**
 * One block per nesting depth: flat config replaces (does not merge) a rule's options, so each
 * block carries every pattern that applies to its files. Order: every file, then each depth
 * below services/<svc>/, then the domain/ and features/ blocks, which repeat the cross-service
 * patterns. Specs are exempt from the layer rules (a domain test may wire an in-memory adapter)
 * but not from the cross-service ones.
 */
const boundaryBlocks = [
  { name: 'boundaries/workspace', files: ['**/*.{ts,mts,js,mjs}'], rules: { 'no-restricted-imports': restrict([crossServicePackages, anyPackageSrc]) } },
  ...depths.map((d) => ({
    name: `boundaries/service-depth-${d}`,
    files: atDepth('services/*/', d),
    rules: { 'no-restricted-imports': restrict([crossServicePackages, anyPackageSrc, crossServiceRelative(d)]) },
  })),
  ...depths.map((d) => ({
    name: `boundaries/domain-depth-${d}`,
    files: atDepth('services/*/src/domain/', d),
    ignores: SPECS,
    rules: { 'no-restricted-imports': restrict([crossServicePackages, anyPackageSrc, crossServiceRelative(d + 2), ...domainPatterns(d)]) },
  })),
  ...depths.map((d) => ({
    name: `boundaries/features-depth-${d}`,
    files: atDepth('services/*/src/features/', d),
    ignores: SPECS,
    rules: { 'no-restricted-imports': restrict([crossServicePackages, anyPackageSrc, crossServiceRelative(d + 2), ...featuresPatterns(d)]) },
  })),
];

const STORE_APPEND = 'event store: only @industrial/kernel appends to the event store; run a command through the kernel instead of calling store.append.';
const storeAppendBlock = {
  name: 'boundaries/store-append',
  files: ['services/*/src/**/*.{ts,mts,js,mjs}', 'scripts/**/*.{ts,mts,js,mjs}'],
  ignores: SPECS,
  rules: {
    'no-restricted-syntax': [
      'error',
      // store.append(...), eventStore.append(...)
      { selector: "CallExpression > MemberExpression.callee[property.name='append'] > Identifier.object[name=/store$/i]", message: STORE_APPEND },
      // this.store.append(...), deps.eventStore.append(...)
      {
        selector: "CallExpression > MemberExpression.callee[property.name='append'] > MemberExpression.object[property.name=/store$/i]",
        message: STORE_APPEND,
      },
    ],
  },
};

export default defineConfig(
  {
    name: 'ignores',
    ignores: [
      '**/node_modules/**',
      '.tools/**',
      '.turbo/**',
      '.data/**',
      '**/dist/**',
      '**/build/**',
      '**/coverage/**',
      '**/.svelte-kit/**',
      'packages/grpc/src/gen/**',
      // the lint fixtures break the rules on purpose; test/lint/lint.unit.spec.ts lints them itself
      'test/lint/fixtures/**',
      // scratch copies and probes made while profiling (see .gitignore)
      '**/.before/**',
      '**/.base/**',
      '**/bench/.*.ts',
    ],
  },
  { name: 'eslint/recommended', files: ['**/*.{ts,mts,js,mjs,cjs}'], ...js.configs.recommended },
  ...tseslint.configs.recommended,
  {
    name: 'project/languages',
    files: ['**/*.{ts,mts,js,mjs,cjs}'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.es2024 },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    name: 'project/browser',
    files: ['web-hmi/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    name: 'project/rules',
    files: ['**/*.{ts,mts,js,mjs,cjs}'],
    rules: {
      // The things that catch bugs stay errors.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': ['error', { destructuring: 'all' }],
      'no-throw-literal': 'error',
      'no-self-compare': 'error',
      'no-template-curly-in-string': 'error',
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // `!` (after a bounds check that noUncheckedIndexedAccess cannot see) and empty callbacks
      // are deliberate in this code base.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      // `while (true)` loops with explicit breaks are the style of the stream consumers.
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Tests feed deliberately malformed input through `any`.
    name: 'project/tests',
    files: ['**/*.spec.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...boundaryBlocks,
  storeAppendBlock,
  // Last: switch off every stylistic rule that Prettier owns.
  { name: 'prettier', ...prettier },
);
