// One vitest setup for the whole repository. Three projects by file name:
// *.unit.spec.ts (pure, fast), *.int.spec.ts (real NATS/PostgreSQL on loopback), *.e2e.spec.ts (test/).
import { defineConfig } from 'vitest/config';

const exclude = ['**/node_modules/**', '**/.tools/**', 'web-hmi/**'];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['**/*.unit.spec.ts'], exclude, testTimeout: 20_000 } },
      {
        test: {
          name: 'int',
          include: ['**/*.int.spec.ts'],
          exclude,
          testTimeout: 120_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      { test: { name: 'e2e', include: ['test/**/*.e2e.spec.ts'], exclude, testTimeout: 300_000, hookTimeout: 120_000, pool: 'forks' } },
    ],
  },
});
