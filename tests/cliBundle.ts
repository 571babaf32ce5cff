/**
 * The bundled `gated` CLI for the suites that run it in child processes (cli.test.ts,
 * model.test.ts): bundles packages/cli/src/main.ts before the suite (one folder below dist/,
 * where the bundle finds gated's package.json for its version), gives a fresh working
 * directory, and removes both after the suite.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll } from "vitest";

export interface CliResult {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

export interface CliBundle {
  /** The bundle (built before the suite's tests). */
  readonly bundle: string;
  /** The working directory the commands run in. */
  readonly work: string;
  /** Runs `node bundle ...args` in `work`. */
  run(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): CliResult;
}

/** Registers the suite's beforeAll/afterAll; `tag` names the bundle's folder and the temp dir. */
export function cliBundle(tag: string): CliBundle {
  const root = resolve(__dirname, "..");
  const dir = join(root, "dist", `.test-${tag}-${process.pid}`);
  const bundle = join(dir, "gated.mjs");
  const work = mkdtempSync(join(tmpdir(), `gated-${tag}-`));
  beforeAll(async () => {
    // @ts-expect-error: a plain .mjs script without types
    const { bundleOptions } = (await import("../scripts/build.mjs")) as {
      bundleOptions: (src: string, out: string) => object;
    };
    await build({
      ...bundleOptions(join(root, "packages/cli/src/main.ts"), bundle),
      sourcemap: false,
      logLevel: "error",
    });
  }, 60_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  return {
    bundle,
    work,
    run(args, opts = {}) {
      const r = spawnSync(process.execPath, [bundle, ...args], {
        cwd: work,
        encoding: "utf8",
        timeout: opts.timeoutMs ?? 60_000,
        ...(opts.input !== undefined ? { input: opts.input } : {}),
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    },
  };
}
