// Bundles the CLI and the benchmark with esbuild (Node 20 does not run .ts directly).
import { build } from "esbuild";
import { existsSync } from "node:fs";

const entries = [
  ["packages/cli/src/main.ts", "dist/gated.mjs"],
  ["bench/bench.ts", "dist/bench.mjs"],
].filter(([src]) => existsSync(src));

await Promise.all(
  entries.map(([src, out]) =>
    build({
      entryPoints: [src],
      outfile: out,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: true,
      // keep heavy optional deps (TF.js, esbuild itself) as runtime imports
      external: ["@tensorflow/*", "esbuild"],
      banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
      logLevel: "warning",
    }),
  ),
);
