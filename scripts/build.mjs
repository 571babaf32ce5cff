// Bundles the CLI (dist/gated.mjs) and the benchmark (bench/dist/bench.mjs) with esbuild, from the
// workspace's TypeScript sources (Node 20 does not run .ts directly).

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// The @stdlib name data sets read their JSON through __dirname at run time, which a bundle does
// not have; their browser entry requires the JSON instead, which esbuild inlines.
const stdlibData = {
  name: "stdlib-data",
  setup(b) {
    b.onResolve({ filter: /^@stdlib\/datasets-[a-z-]+$/ }, (args) => {
      const req = createRequire(join(args.resolveDir || root, "noop.js"));
      const pkg = req.resolve(`${args.path}/package.json`);
      return { path: join(dirname(pkg), "lib/browser.js") };
    });
  },
};

/** esbuild options shared by `pnpm build` and the CLI tests (which bundle to a temp path). */
export function bundleOptions(src, out) {
  return {
    entryPoints: [src],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    // the workspace packages from their TypeScript sources (their exports' `source` condition)
    conditions: ["source"],
    // keep heavy optional deps (TF.js, ONNX Runtime with its native binding, esbuild itself) as
    // runtime imports
    external: ["@tensorflow/*", "esbuild", "onnxruntime-node", "onnxruntime-web"],
    plugins: [stdlibData],
    banner: {
      js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
    },
    logLevel: "warning",
  };
}

const entries = [
  ["packages/cli/src/main.ts", "dist/gated.mjs"],
  // beside bench/node_modules, where its TF.js dependencies are (bench/package.json)
  ["bench/bench.ts", "bench/dist/bench.mjs"],
].filter(([src]) => existsSync(join(root, src)));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await Promise.all(
    entries.map(([src, out]) => build(bundleOptions(join(root, src), join(root, out)))),
  );
}
