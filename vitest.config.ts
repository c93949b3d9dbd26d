import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One vitest run over every package: each package (and examples/) is a project named after its folder.
// Tests resolve @traffic/* to TypeScript sources through the "source" export condition, so a test run
// never depends on a stale dist/; CLI tests that spawn the built binary run after `npm run build`.
const packages = readdirSync(new URL('./packages', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

export default defineConfig({
  resolve: { conditions: ['source', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['source', 'node', 'import', 'default'] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: `packages/${name}`, include: ['test/**/*.test.ts'] },
      })),
      { extends: true as const, test: { name: 'examples', root: 'examples', include: ['test/**/*.test.ts'] } },
      { extends: true as const, test: { name: 'repo', root: '.', include: ['test/**/*.test.ts'] } },
    ],
  },
});
