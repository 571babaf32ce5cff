/**
 * `gated bench`: runs the benchmark harness (bench/bench.ts, bundled by scripts/build.mjs to
 * bench/dist/bench.mjs, next to its TF.js dependencies) in a child process, passing its flags through.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.js";

/** Where the bundled benchmark is: under ./bench/dist, from the workspace root or this module. */
export function benchPath(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    resolve("bench/dist/bench.mjs"),
    resolve(here, "../bench/dist/bench.mjs"),
    resolve(here, "../../../bench/dist/bench.mjs"),
  ];
  return candidates.find((c) => existsSync(c));
}

export async function benchCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(
      "usage: gated bench [flags of the benchmark]\n\nRuns the benchmark harness (compiled LSTM/GRU against the interpreter, an unfused execution\nand TensorFlow.js), prints its table and writes bench/results.json. Same as `pnpm bench`.\n",
    );
    return 0;
  }
  const file = benchPath();
  if (!file)
    throw new UsageError(
      "gated bench: the benchmark harness (bench/dist/bench.mjs) is not built; run `npx -y pnpm@12.4.2 bench`",
    );
  const r = spawnSync(process.execPath, [file, ...argv], { stdio: "inherit" });
  if (r.error) throw new UsageError(`gated bench: cannot run ${file}: ${r.error.message}`);
  return r.status ?? (r.signal === "SIGINT" ? 130 : 1);
}
