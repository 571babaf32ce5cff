import { defineConfig } from "vitest/config";

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
      test: {
        name: dir.replace("packages/", ""),
        root: dir,
        include: ["**/*.test.ts"],
        testTimeout: 60_000,
      },
    })),
  },
});
