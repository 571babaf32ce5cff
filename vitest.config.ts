import { defineConfig } from "vitest/config";

// Tests run from the TypeScript sources, not the built dist/: each package's `exports` has a
// `source` condition (./src/*.ts) ahead of `types`/`default` (./dist/*.js). The rest are Vite's
// default conditions (vite is not a direct dependency, so they are spelled out).
const resolve = { conditions: ["source", "module", "browser", "development|production"] };
const ssr = { resolve: { conditions: ["source", "module", "node", "development|production"] } };

// One vitest project per package plus the cross-package suites in tests/.
export default defineConfig({
  test: {
    projects: [
      "packages/graph",
      "packages/ops",
      "packages/codegen",
      "packages/rnn",
      "packages/cli",
      "tests",
    ].map((dir) => ({
      resolve,
      ssr,
      test: {
        name: dir.replace("packages/", ""),
        root: dir,
        include: ["**/*.test.ts"],
        testTimeout: 60_000,
      },
    })),
  },
});
