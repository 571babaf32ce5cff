/**
 * gated as a user gets it: the packed tarballs (scripts/pack.mjs) installed with npm into an
 * empty project, then used with plain Node 20 (no bundler, no TypeScript loader): the entries
 * import, the `gated` bin answers --help/--version and compiles a module, every ```ts example of
 * the README runs as written (its TypeScript syntax stripped by esbuild), and a strict
 * TypeScript consumer (`module: nodenext`, `skipLibCheck: false`) type-checks against the
 * shipped declarations. npm fetches the third-party dependencies (katex, the @stdlib name
 * lists) from the registry; where the registry cannot be reached, the suite says so and skips.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tsBlocks } from "./readmeBlocks.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const version = JSON.parse(readFileSync(join(root, "packages/cli/package.json"), "utf8")).version;
const NETWORK = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH)|network/i;

let app = "";
let offline = "";

function node(args: string[], cwd = app) {
  return spawnSync(process.execPath, args, { cwd, encoding: "utf8", timeout: 120_000 });
}

function gated(...args: string[]) {
  return node([join(app, "node_modules/gated/dist/main.js"), ...args]);
}

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), "gated-install-"));
  const { packAll } = await import(/* @vite-ignore */ join(root, "scripts/pack.mjs"));
  const tarballs: string[] = await packAll({ out: join(app, "tarballs") });
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "app", private: true, type: "module" }),
  );
  const npm = spawnSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...tarballs],
    { cwd: app, encoding: "utf8", timeout: 240_000 },
  );
  if (npm.status !== 0) {
    const err = `${npm.stderr}${npm.error?.message ?? ""}`;
    if (!NETWORK.test(err)) throw new Error(`npm install of the tarballs failed: ${err}`);
    offline = err.split("\n").find((l) => NETWORK.test(l)) ?? err;
  }
}, 600_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe("the installed packages", () => {
  const skip = (t: { skip: (note?: string) => void }) => {
    if (offline) {
      console.warn(`SKIPPED install.test.ts: the npm registry is unreachable (${offline})`);
      t.skip();
    }
  };

  test("import in plain Node: the main entry and gated/node", (t) => {
    skip(t);
    const r = node([
      "--input-type=module",
      "-e",
      `import { parseCell, compileCell, getCell } from "gated";
       import { namesGender } from "gated/node";
       const k = compileCell(getCell("lstm"), { inputSize: 2, hiddenSize: 3, dtype: "float64" });
       const p = k.initParams({ seed: 0 });
       const cell = parseCell("cell c(x[I]; h[H]) { h' = tanh(U x + W h + b) }");
       console.log(p.get("W_f").constructor.name, cell.name, namesGender().train.size > 0);`,
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("Float64Array c true");
  });

  test("the bin: --version, --help, compile (and --minify without esbuild)", (t) => {
    skip(t);
    const bin = spawnSync("npx", ["--no-install", "gated", "--version"], {
      cwd: app,
      encoding: "utf8",
    });
    expect(bin.stdout.trim()).toBe(version);
    expect(gated("--help").stdout).toMatch(/^usage: gated \[COMMAND\]/);
    const c = gated("compile", "lstm", "-o", "lstm.mjs");
    expect(c.status, c.stderr).toBe(0);
    const run = node([
      "--input-type=module",
      "-e",
      `const m = await import("./lstm.mjs"); const p = m.params(); console.log(typeof m.forward, p.layout.length > 0);`,
    ]);
    expect(run.stdout.trim(), run.stderr).toBe("function true");
    const min = gated("compile", "lstm", "-o", "min.mjs", "--minify");
    expect(min.status).toBe(1);
    expect(min.stderr.trim()).toBe(
      "--minify: minifying needs esbuild, which is not installed: npm install esbuild",
    );
  });

  const blocks = tsBlocks();
  test("the README has examples", () => expect(blocks.length).toBeGreaterThanOrEqual(3));
  blocks.forEach((src, i) => {
    test(`README example ${i + 1} runs with plain Node: ${src.split("\n")[0]}`, async (t) => {
      skip(t);
      const dir = join(app, `readme${i + 1}`);
      mkdirSync(dir, { recursive: true });
      const js = (await transform(src, { loader: "ts", format: "esm", target: "node20" })).code;
      writeFileSync(join(dir, "example.mjs"), js);
      writeFileSync(join(dir, "example.ts"), src);
      const r = node(["example.mjs"], dir);
      expect(r.status, r.stderr).toBe(0);
    }, 120_000);
  });

  test("a strict TypeScript consumer type-checks against the shipped declarations", (t) => {
    skip(t);
    writeFileSync(
      join(app, "consumer.ts"),
      `import { compileCell, getCell, parseCell, type Kernel } from "gated";
import { namesGender, readSafetensorsFile } from "gated/node";
const k = compileCell(getCell("gru"), { inputSize: 2, hiddenSize: 3, dtype: "float64" });
export const kernel: Kernel = k;
export const w: Float64Array = k.initParams({ seed: 0 }).get("W_z"); // dtype-generic kernels
export const cell = parseCell("cell c(x[I]; h[H]) { h' = tanh(U x + W h + b) }");
export const task = namesGender({ seed: 1 });
export const read: typeof readSafetensorsFile = readSafetensorsFile;
`,
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          skipLibCheck: false,
          noEmit: true,
          types: [],
          lib: ["es2022"],
        },
        include: ["consumer.ts", "readme*/example.ts"],
      }),
    );
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const typeRoots = join(root, "node_modules/@types");
    const r = spawnSync(
      process.execPath,
      [tsc, "-p", ".", "--typeRoots", typeRoots, "--types", "node"],
      {
        cwd: app,
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 120_000);
});
