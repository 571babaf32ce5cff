// `pnpm pack:all`: builds the public packages (scripts/buildPackages.mjs) and writes an
// installable tarball of each to dist/npm/: its package.json as published (workspace ranges
// rewritten to versions, the workspace-only `source` export condition dropped), its README and
// the built dist/ (JavaScript, declarations, source maps) and nothing else.

import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildPackages, PACKAGES } from "./buildPackages.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SHIPPED = /\.(js|d\.ts|js\.map)$/;

const manifest = (dir) =>
  JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"));

/** `workspace:*` → the version, `workspace:^` → ^version, `workspace:~` → ~version. */
function rewriteRanges(deps, versions) {
  if (!deps) return deps;
  return Object.fromEntries(
    Object.entries(deps).map(([name, range]) => {
      if (!range.startsWith("workspace:")) return [name, range];
      const v = versions.get(name);
      if (!v) throw new Error(`pack: ${name} is a workspace dependency but not a public package`);
      const spec = range.slice("workspace:".length);
      return [
        name,
        spec === "*" || spec === "" ? v : spec === "^" || spec === "~" ? spec + v : spec,
      ];
    }),
  );
}

/** Export maps without the `source` condition (it points at src/, which is not shipped). */
function dropSource(exports) {
  if (exports === null || typeof exports !== "object") return exports;
  return Object.fromEntries(
    Object.entries(exports)
      .filter(([k]) => k !== "source")
      .map(([k, v]) => [k, dropSource(v)]),
  );
}

export function publishedManifest(pkg, versions) {
  const { devDependencies: _dev, scripts: _scripts, ...rest } = pkg;
  const out = { ...rest, exports: dropSource(pkg.exports) };
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"])
    if (pkg[field]) out[field] = rewriteRanges(pkg[field], versions);
  return out;
}

function stage(dir, pkg, versions, stageDir) {
  const src = join(root, "packages", dir);
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(stageDir, { recursive: true });
  cpSync(join(src, "dist"), join(stageDir, "dist"), {
    recursive: true,
    filter: (f) => !f.endsWith(".tsbuildinfo") && (!/\.[a-z]+$/.test(f) || SHIPPED.test(f)),
  });
  cpSync(join(src, "README.md"), join(stageDir, "README.md"));
  writeFileSync(
    join(stageDir, "package.json"),
    `${JSON.stringify(publishedManifest(pkg, versions), null, 2)}\n`,
  );
}

/** Packs every public package into `out` (default dist/npm/); returns the tarballs' paths. */
export async function packAll({ build = true, out = join(root, "dist", "npm") } = {}) {
  if (build) await buildPackages();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const pkgs = PACKAGES.map(([dir]) => [dir, manifest(dir)]);
  const versions = new Map(pkgs.map(([, p]) => [p.name, p.version]));
  const tarballs = [];
  for (const [dir, pkg] of pkgs) {
    const stageDir = join(out, "stage", dir);
    stage(dir, pkg, versions, stageDir);
    const name = execFileSync("npm", ["pack", stageDir, "--pack-destination", out, "--silent"], {
      cwd: out,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .pop();
    tarballs.push(join(out, name));
  }
  rmSync(join(out, "stage"), { recursive: true, force: true });
  return tarballs;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const t of await packAll()) process.stdout.write(`${relative(root, t)}\n`);
}
