// Builds every public package into its own dist/: declarations (.d.ts) from `tsc -b` (the same
// build that type-checks the workspace), ES module JavaScript with source maps from esbuild, one
// file per source file, and for `gated` its command line bundled into dist/main.js (the `bin`).

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The public packages, in dependency order: directory under packages/ and npm name. */
export const PACKAGES = [
  ["graph", "@gated/graph"],
  ["ops", "@gated/ops"],
  ["codegen", "@gated/codegen"],
  ["rnn", "@gated/rnn"],
  ["cli", "gated"],
];

/** Files under `dir` (none if it is absent) whose names match `pattern` (default: .ts sources). */
function sources(dir, out = [], pattern = /(?<!\.d)\.ts$/) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out, pattern);
    else if (pattern.test(e.name)) out.push(p);
  }
  return out;
}

/** `tsc -b` of the packages' sources (not their tests): writes packages/<dir>/dist/**.d.ts. */
function declarations() {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const projects = PACKAGES.map(([dir]) => join(root, "packages", dir));
  execFileSync(process.execPath, [tsc, "-b", ...projects], { cwd: root, stdio: "inherit" });
}

async function javascript(dir) {
  const pkg = join(root, "packages", dir);
  const entries = sources(join(pkg, "src")).filter(
    (f) => !(dir === "cli" && f === join(pkg, "src", "main.ts")),
  );
  await build({
    entryPoints: entries,
    outdir: join(pkg, "dist"),
    outbase: join(pkg, "src"),
    format: "esm",
    platform: "neutral",
    target: "es2022",
    sourcemap: true,
    logLevel: "warning",
  });
  if (dir !== "cli") return;
  // the CLI in one file, so that its worker threads start the same module (pool.ts)
  const main = join(pkg, "dist", "main.js");
  await build({
    entryPoints: [join(pkg, "src", "main.ts")],
    outfile: main,
    bundle: true,
    packages: "external",
    conditions: ["source"],
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    banner: { js: "#!/usr/bin/env node" },
    logLevel: "warning",
  });
  chmodSync(main, 0o755);
}

/** Builds every package; `declarations: false` reuses the .d.ts of an earlier `tsc -b`. */
export async function buildPackages({ declarations: dts = true } = {}) {
  for (const [dir] of PACKAGES)
    for (const f of sources(join(root, "packages", dir, "dist"), [], /\.js(\.map)?$/)) rmSync(f);
  if (dts) declarations();
  await Promise.all(PACKAGES.map(([dir]) => javascript(dir)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await buildPackages();
