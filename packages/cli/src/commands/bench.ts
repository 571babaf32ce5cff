/**
 * `gated bench`: runs the benchmark harness (bench/bench.ts, bundled by scripts/build.mjs to
 * bench/dist/bench.mjs, next to its TF.js dependencies) in a child process, passing its flags through.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type FlagSpecs, getList, getStr, helpText, parseArgs } from "../args.js";
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

/** The harness's flags (bench/bench.ts), checked here so a typo never starts a full run. */
export const BENCH_FLAGS: FlagSpecs = {
  quick: { kind: "boolean", help: "config S only, few repetitions" },
  smoke: { kind: "boolean", help: "a tiny config, one run each (checks the harness)" },
  only: { kind: "string", choices: ["lstm", "gru"], help: "one cell" },
  configs: { kind: "list", help: "configs to run: S, M, L" },
  impls: {
    kind: "list",
    help: "implementations: gated, gated-js, torch, reference, unfused, hand, tfjs-cpu, tfjs-wasm",
  },
  dtypes: { kind: "list", help: "float32, float64" },
  out: { kind: "string", help: "results file (a full run writes bench/results.json)" },
  "no-tf": { kind: "boolean", help: "skip TensorFlow.js" },
};
const LIST_VALUES: Readonly<Record<string, readonly string[]>> = {
  configs: ["S", "M", "L"],
  impls: ["gated", "gated-js", "torch", "reference", "unfused", "hand", "tfjs-cpu", "tfjs-wasm"],
  dtypes: ["float32", "float64"],
};

/** Checks the flags (UsageError on an unknown flag or value); the harness gets them as given. */
export function checkBenchArgs(argv: readonly string[]): void {
  const p = parseArgs("bench", argv, BENCH_FLAGS);
  if (p.positional.length > 0)
    throw new UsageError(`gated bench: unexpected argument "${p.positional[0]}"`);
  for (const [flag, known] of Object.entries(LIST_VALUES)) {
    const bad = getList(p, flag)?.find((v) => !known.includes(v));
    if (bad !== undefined)
      throw new UsageError(
        `gated bench: --${flag}: unknown ${JSON.stringify(bad)} (known: ${known.join(", ")})`,
      );
  }
  const out = getStr(p, "out");
  if (out !== undefined && existsSync(out) && statSync(out).isDirectory())
    throw new UsageError(`gated bench: --out ${out} is a directory, expected a file path`);
}

export async function benchCommand(argv: readonly string[]): Promise<number> {
  checkBenchArgs(argv);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(
      helpText(
        "gated bench [flags]",
        "Runs the benchmark harness (compiled LSTM/GRU against the interpreter, an unfused execution\nand TensorFlow.js), prints its table and writes bench/results.json. Same as `pnpm bench`.",
        BENCH_FLAGS,
      ),
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
