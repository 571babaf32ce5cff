/**
 * `pnpm bench`: compiled LSTM and GRU kernels against the reference interpreter, an unfused
 * op-by-op execution of the same graph, TF.js (cpu, wasm) and a hand-fused JS LSTM; forward and
 * forward+backward, float32 and float64, one thread. Prints medians, GFLOP/s and speed-ups and
 * writes bench/results.json (full runs only).
 *
 *   node bench/dist/bench.mjs [--quick] [--only lstm|gru] [--configs S,M] [--impls gated,hand,...]
 *                       [--dtypes float32] [--out FILE] [--no-tf] [--smoke] [--inference] [--threads]
 *                       [--throughput]
 *
 * --quick: S only, few repetitions. --smoke: a tiny config (B=2, T=5, I=3, H=4), its warm-ups
 * (at least 3 for runs under 20 ms: timing.ts's Sizer) and one timed sample each (of k runs, as in
 * every row), no compile timing:
 * checks the harness and the agreement of every implementation in seconds.
 * --inference: only the inference section (bench/inference.ts; a full run includes it).
 * --threads: only the kernel-threads section (1 vs 2 threads at M and L; a full run includes it).
 * --throughput: only the Trainer steps/s section against PyTorch (a full run includes it).
 * --no-settle: time runs without waiting for V8's helper threads before and after each run (the
 * old timing, in which one run's background GC and compiles were charged to the next run); a
 * partial run, for comparison (bench/README.md, "Time").
 */

import { writeFileSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { type Kernel, mulberry32, type Recurrence, referenceKernel } from "@gated/codegen";
import { getCell } from "@gated/rnn";
import { FLOP_FORMULA, flops, type Mode } from "./flops.js";
import type { HandDType, Named } from "./handLstm.js";
import { compiler, handImpl, type Impl, kernelImpl, type Result, tfImpl } from "./impls.js";
import { type InferenceRow, inferenceBench } from "./inference.js";
import { customInferenceBench } from "./inferenceCustom.js";
import { inferenceTargets } from "./inferenceTargets.js";
import { type TfBackend, tfRunner } from "./tfjs.js";
import { measureGroup, median, setSettle, settleInfo, type TimingOptions } from "./timing.js";
import { probeTorch, type TorchProbe, TorchServer } from "./torch.js";
import { threadSection, throughputSection, trainingSections } from "./training.js";
import { unfusedKernel } from "./unfused.js";

interface Config {
  readonly name: string;
  readonly B: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
}
const CONFIGS: readonly Config[] = [
  { name: "S", B: 1, T: 100, I: 32, H: 32 },
  { name: "M", B: 32, T: 64, I: 128, H: 128 },
  { name: "L", B: 64, T: 50, I: 256, H: 256 },
];
const CELLS = ["lstm", "gru"] as const;
type CellName = (typeof CELLS)[number];
const DTYPES: readonly HandDType[] = ["float32", "float64"];
const MODES: readonly Mode[] = ["fwd", "fwd+bwd"];
const IMPLS = [
  "gated",
  "gated-js",
  "torch",
  "reference",
  "unfused",
  "hand",
  "tfjs-cpu",
  "tfjs-wasm",
] as const;

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (f: string) => argv.includes(f);
function opt(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
const quick = flag("--quick");
const smoke = flag("--smoke");
const inferenceOnly = flag("--inference");
const SMOKE: Config = { name: "XS", B: 2, T: 5, I: 3, H: 4 };
const only = opt("--only");
if (only && !CELLS.includes(only as CellName))
  throw new Error(`--only: expected one of ${CELLS.join(", ")}, got ${only}`);
const configNames = (opt("--configs") ?? (smoke ? "XS" : quick ? "S" : "S,M,L")).split(",");
const implNames = (opt("--impls") ?? IMPLS.join(","))
  .split(",")
  .filter((n) => !(flag("--no-tf") && n.startsWith("tfjs")));
const dtypes = (opt("--dtypes")?.split(",") ?? DTYPES) as HandDType[];
for (const n of implNames)
  if (!IMPLS.includes(n as (typeof IMPLS)[number]))
    throw new Error(`--impls: unknown ${n} (known: ${IMPLS.join(", ")})`);
const partial =
  quick ||
  smoke ||
  inferenceOnly ||
  only !== undefined ||
  opt("--configs") !== undefined ||
  opt("--impls") !== undefined ||
  opt("--dtypes") !== undefined ||
  flag("--no-tf") ||
  flag("--no-settle");
setSettle(!flag("--no-settle"));
const outPath =
  opt("--out") ??
  (partial ? undefined : fileURLToPath(new URL("../results.json", import.meta.url)));

/**
 * Samples per config and implementation, sized so the whole run stays near 8 minutes of CPU
 * time on a 2-core Xeon: fast kernels get a budget of timed samples, the slowest baselines
 * (TF.js cpu at M and L) a single run after the smaller configs warmed them up. A sample is k
 * runs back to back, k from the warm-ups (timing.ts `runsPerSample`: ≥ SAMPLE_MS of CPU time),
 * so the budget divides by a sample's time and the reps count samples.
 */
const timing = (cfg: Config, impl: string): TimingOptions => {
  if (smoke) return { budgetMs: 0, minReps: 1, maxReps: 1, slowMs: 1e9, warmups: 1 };
  if (quick) return { budgetMs: 300, minReps: 3, maxReps: 7, slowMs: 2000 };
  switch (cfg.name) {
    case "S":
      return {
        budgetMs: 1000,
        minReps: 3,
        maxReps: impl === "reference" || impl.startsWith("tfjs") ? 5 : 21,
        slowMs: 5000,
      };
    case "M":
      return { budgetMs: 3000, minReps: 5, maxReps: 9, slowMs: impl === "tfjs-cpu" ? 2500 : 1e9 };
    default:
      // one warm-up; reps to a 3 s budget (at most 9) for every contender, so the fast ones
      // (gated, torch: 0.04–0.8 s a run) get 4–9 paired rounds instead of 3
      if (impl === "tfjs-cpu") return { budgetMs: 0, minReps: 1, maxReps: 1, slowMs: 0 };
      return {
        budgetMs: 3000,
        minReps:
          impl === "gated" || impl === "gated-js" || impl === "hand" || impl === "torch" ? 3 : 2,
        maxReps: 9,
        slowMs: 1e9,
        warmups: 1,
      };
  }
};

// ---------------------------------------------------------------- inputs
function cellOf(name: string): Recurrence {
  return getCell(name);
}

/** Weights by name from the cell's own seeded init (float64), and x ~ U(−1, 1), [T][B][I]. */
function inputs(cell: Recurrence, cfg: Config): { named: Named; x: Float64Array } {
  const ref = referenceKernel(cell, { inputSize: cfg.I, hiddenSize: cfg.H, dtype: "float64" });
  const p = ref.initParams({ seed: 1 });
  const named = Object.fromEntries(
    ref.layout.map((s) => [s.name, Float64Array.from(p.get(s.name))]),
  );
  const rnd = mulberry32(7);
  const x = Float64Array.from({ length: cfg.T * cfg.B * cfg.I }, () => 2 * rnd() - 1);
  return { named, x };
}

// ---------------------------------------------------------------- records
interface Row {
  cell: CellName;
  config: string;
  dtype: HandDType;
  mode: Mode;
  impl: string;
  /** Median CPU time (ms), the compared number; wallMedianMs is the wall clock. */
  medianMs: number;
  wallMedianMs: number;
  /** CPU ms of this process's other threads in a run and its tail (timing.ts): median, max, all. */
  helperMs: number | null;
  helperMaxMs: number | null;
  helperSamplesMs: (number | null)[];
  /** Median MB of heap + ArrayBuffers a run leaves for the untimed gc() before the next. */
  leftMB: number;
  /** Timed samples; runs per sample (k: every per-run figure is its sample's / k); warm-ups. */
  reps: number;
  runsPerSample: number;
  warmup: number;
  gflops: number;
  samplesMs: number[];
  wallSamplesMs: number[];
}
/** Relative differences: max |a − b| / max |b| over the output, all parameter gradients, dx. */
interface Agreement {
  cell: string;
  config: string;
  dtype: HandDType;
  impl: string;
  against: string;
  output: number;
  grads: number | null;
  input: number | null;
}
const rows: Row[] = [];
const agreement: Agreement[] = [];
const notes: string[] = [];
/** 1-minute load average when the run started (the machine may be shared). */
let loadStart = 0;
const compileMs: Record<
  string,
  { firstMs: number; medianMs: number; reps: number; config: string }
> = {};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return NaN;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
function rel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return a.length === b.length ? maxAbsDiff(a, b) / (maxAbs(b) || 1) : NaN;
}
function compare(
  r: Result,
  truth: Result,
): { output: number; grads: number | null; input: number | null } {
  let grads: number | null = null;
  if (r.grads && truth.grads) {
    let d = 0,
      m = 0;
    for (const n of Object.keys(truth.grads)) {
      if (!r.grads[n]) continue;
      d = Math.max(d, maxAbsDiff(r.grads[n]!, truth.grads[n]!));
      m = Math.max(m, maxAbs(truth.grads[n]!));
    }
    grads = d / (m || 1);
  }
  const input = r.input && truth.input ? rel(r.input, truth.input) : null;
  return { output: rel(r.output, truth.output), grads, input };
}

const log = (s: string) => process.stdout.write(s + "\n");
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const exp = (x: number | null) => (x === null ? "—" : x.toExponential(1));

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  if (flag("--throughput")) {
    log(`gated bench --throughput: node ${process.version}, load ${fmt(os.loadavg()[0]!)}`);
    throughputSection({ quick, log });
    return;
  }
  if (flag("--threads")) {
    log(
      `gated bench --threads: node ${process.version}, ${os.cpus().length} cores, load ${fmt(os.loadavg()[0]!)}`,
    );
    threadSection({ quick, log });
    return;
  }
  const compileCell = compiler();
  const started = performance.now();
  loadStart = os.loadavg()[0]!;
  log(
    `gated bench: node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"} (${os.cpus().length} cores), one thread`,
  );
  if (!compileCell)
    notes.push("compileCell is not exported by @gated/codegen yet: no compiled ('gated') rows");
  const cells = CELLS.filter((c) => (!only || c === only) && !inferenceOnly);
  const configs = [...CONFIGS, SMOKE].filter((c) => configNames.includes(c.name));
  const server = implNames.includes("torch") && !inferenceOnly ? startTorch() : null;

  // compile time per cell (graph -> kernels), at M sizes, float32: first call and warm median
  if (compileCell && implNames.includes("gated") && !smoke && !inferenceOnly) {
    for (const c of cells) {
      const cfg = CONFIGS[1]!;
      const samples: number[] = [];
      for (let r = 0; r < 7; r++) {
        const cell = cellOf(c); // a fresh cell each time, so nothing is cached on it
        const t0 = performance.now();
        compileCell(cell, { inputSize: cfg.I, hiddenSize: cfg.H, dtype: "float32" });
        samples.push(performance.now() - t0);
      }
      compileMs[c] = {
        firstMs: samples[0]!,
        medianMs: median(samples.slice(1)),
        reps: samples.length - 1,
        config: cfg.name,
      };
      log(
        `compile ${c}: first ${fmt(samples[0]!, 1)} ms, then median ${fmt(compileMs[c]!.medianMs, 1)} ms`,
      );
    }
  }

  for (const c of cells) {
    const cell = cellOf(c);
    const tfCell = c === "gru" ? cellOf("cho_gru") : cell;
    for (const cfg of configs) {
      const { named, x } = inputs(cell, cfg);
      const tfInputs = c === "gru" ? inputs(tfCell, cfg) : { named, x };
      const kopts = (dtype: HandDType) => ({ inputSize: cfg.I, hiddenSize: cfg.H, dtype });
      let truth: { name: string; result: Result } | null = null;
      let tfTruth: Result | null = null;
      // float64 first: its best run is the truth the float32 runs are compared with
      for (const dtype of [...dtypes].sort().reverse() as HandDType[]) {
        const impls: Impl[] = [];
        const want = (n: string) => implNames.includes(n);
        if (want("gated") && compileCell)
          impls.push(kernelImpl("gated", compileCell(cell, kopts(dtype)), named, x, cfg.B));
        if (want("gated-js") && compileCell)
          impls.push(
            kernelImpl(
              "gated-js",
              compileCell(cell, { ...kopts(dtype), backend: "js" }),
              named,
              x,
              cfg.B,
            ),
          );
        if (server) impls.push(torchImpl(server, c, cfg, dtype));
        if (want("reference") && (cfg.name === "S" || cfg === SMOKE))
          impls.push(kernelImpl("reference", referenceKernel(cell, kopts(dtype)), named, x, cfg.B));
        if (want("unfused"))
          impls.push(kernelImpl("unfused", unfusedKernel(cell, kopts(dtype)), named, x, cfg.B));
        if (want("hand") && c === "lstm")
          impls.push(handImpl(dtype, named, x, cfg.B, cfg.I, cfg.H));
        const tf: Impl[] = [];
        if (dtype === "float32") {
          // TF.js: float32 only
          for (const be of ["cpu", "wasm"] as TfBackend[]) {
            if (want(`tfjs-${be}`))
              tf.push(
                tfImpl(
                  await tfRunner(c, be, cfg.I, cfg.H, cfg.B, cfg.T, tfInputs.named, tfInputs.x),
                ),
              );
          }
        }
        const all = [...impls, ...tf];
        for (const mode of MODES) measureMode(c, cfg, dtype, mode, all);
        const ok = all.filter((i) => !failed.has(i.name));
        if (dtype === "float64" && !truth) {
          const pick = ["reference", "gated", "unfused"]
            .map((n) => ok.find((i) => i.name === n))
            .find((i) => i);
          if (pick) truth = { name: pick.name, result: pick.result() };
        }
        for (const impl of ok) {
          if (impl.name === "torch") continue; // timed only: its own weights (same init law)
          if (c === "gru" && impl.name.startsWith("tfjs")) {
            // TF.js's GRU is cho_gru (reset before the product): compared with that cell
            tfTruth ??= choTruth(tfCell, cfg, tfInputs.named, tfInputs.x);
            agreement.push({
              cell: "cho_gru",
              config: cfg.name,
              dtype,
              impl: impl.name,
              against: "cho_gru float64",
              ...compare(impl.result(), tfTruth),
            });
          } else if (truth && !(impl.name === truth.name && dtype === "float64")) {
            agreement.push({
              cell: c,
              config: cfg.name,
              dtype,
              impl: impl.name,
              against: `${truth.name} float64`,
              ...compare(impl.result(), truth.result),
            });
          }
        }
        for (const t of tf) t.dispose?.();
        failed.clear();
      }
    }
  }
  server?.close();
  // issue 9: memory of long sequences, kernel threads, Trainer steps/s against PyTorch
  if (!smoke && only === undefined && !inferenceOnly) {
    try {
      training = trainingSections({ quick, log });
    } catch (e) {
      notes.push(`issue 9 sections stopped: ${(e as Error).message}`);
    }
  }
  // issue 15: forward only against ONNX Runtime (a full run, or --inference)
  if (compileCell && !smoke && (inferenceOnly || !partial)) {
    try {
      inference = await inferenceBench({
        compile: compileCell,
        backends: ["wasm", "js"],
        configs: CONFIGS.filter((c) => configNames.includes(c.name)),
        ...(only ? { cells: [only as CellName] } : {}),
        log,
      });
      // issue 15 (b): custom cells exported by gated's ONNX exporter (Scan)
      if (!only)
        inference.push(
          ...(await customInferenceBench({
            compile: compileCell,
            backends: ["wasm", "js"],
            configs: CONFIGS.filter((c) => configNames.includes(c.name)),
            log,
          })),
        );
    } catch (e) {
      notes.push(`inference section stopped: ${(e as Error).message}`);
    }
  }
  const totalS = (performance.now() - started) / 1000;
  report(totalS);
}

let training: unknown = null;
let inference: InferenceRow[] = [];

/** The torch server, or null with a note saying why its rows are missing. */
function startTorch(): TorchServer | null {
  const p = probeTorch();
  if ("missing" in p) {
    notes.push(
      `torch rows missing: PyTorch did not import (${p.missing}); install: apt-get install python3-torch libopenblas0-pthread`,
    );
    log(`torch: MISSING (${p.missing})`);
    return null;
  }
  torchInfo = p;
  log(
    `torch ${p.version}, ${p.threads} thread, BLAS ${p.libraries.join(" ") || "?"}, sgemm 512³ ${fmt(p.sgemmGflops, 1)} GFLOP/s`,
  );
  if (!p.openblas) {
    const w = `WARNING: torch is not using OpenBLAS (${p.libraries.join(", ") || "no BLAS library mapped"}): its products may run on the reference BLAS and the comparison is meaningless; install libopenblas0-pthread`;
    notes.push(w);
    log(`\n${"!".repeat(20)}\n${w}\n${"!".repeat(20)}\n`);
  }
  return new TorchServer();
}
let torchInfo: TorchProbe | null = null;

/** torch.nn.LSTM / GRU of the config, timed in its own process (same init law, its own draw). */
function torchImpl(server: TorchServer, c: CellName, cfg: Config, dtype: HandDType): Impl {
  let ready = false;
  return {
    name: "torch",
    forward: () => undefined,
    forwardBackward: () => undefined,
    result: () => ({ output: [] }),
    sample(mode, k) {
      if (!ready) server.setup(c, cfg.B, cfg.T, cfg.I, cfg.H, dtype);
      ready = true;
      return server.run(mode, k);
    },
  };
}

/** float64 result of cho_gru (what TF.js's GRU computes), from the reference at S, else unfused. */
function choTruth(cell: Recurrence, cfg: Config, named: Named, x: Float64Array): Result {
  const k: Kernel =
    cfg.name === "S" || cfg === SMOKE
      ? referenceKernel(cell, { inputSize: cfg.I, hiddenSize: cfg.H, dtype: "float64" })
      : unfusedKernel(cell, { inputSize: cfg.I, hiddenSize: cfg.H, dtype: "float64" });
  const impl = kernelImpl("truth", k, named, x, cfg.B);
  impl.forward();
  impl.forwardBackward();
  return impl.result();
}

const failed = new Set<string>();

/** Times one job (cell, config, dtype, mode) on every implementation, interleaved. */
function measureMode(
  c: CellName,
  cfg: Config,
  dtype: HandDType,
  mode: Mode,
  impls: readonly Impl[],
): void {
  const group = impls.map((impl) => ({
    name: impl.name,
    opts: timing(cfg, impl.name),
    // one sample: k runs back to back (timing.ts measureGroup divides its times by k)
    fn: (k: number) => {
      if (failed.has(impl.name)) return;
      try {
        if (impl.sample) return impl.sample(mode, k);
        if (mode === "fwd") for (let i = 0; i < k; i++) impl.forward();
        else for (let i = 0; i < k; i++) impl.forwardBackward();
      } catch (e) {
        failed.add(impl.name);
        notes.push(
          `${impl.name} ${c} ${cfg.name} ${dtype} ${mode} failed: ${(e as Error).message}`,
        );
        log(`  ${impl.name} ${c} ${cfg.name} ${dtype} ${mode}: FAILED ${(e as Error).message}`);
      }
    },
  }));
  const times = measureGroup(group);
  const f = flops(c, mode, cfg.T, cfg.B, cfg.I, cfg.H);
  for (const impl of impls) {
    const t = times.get(impl.name)!;
    if (failed.has(impl.name)) continue;
    const row: Row = {
      cell: c,
      config: cfg.name,
      dtype,
      mode,
      impl: impl.name,
      medianMs: t.medianMs,
      wallMedianMs: t.wallMedianMs,
      helperMs: t.helperMs === null ? null : +t.helperMs.toFixed(3),
      helperMaxMs: t.helperMaxMs === null ? null : +t.helperMaxMs.toFixed(3),
      helperSamplesMs: t.helperSamplesMs.map((h) => (h === null ? null : +h.toFixed(3))),
      leftMB: +t.leftMB.toFixed(3),
      reps: t.reps,
      runsPerSample: t.runsPerSample,
      warmup: t.warmup,
      gflops: f / (t.medianMs * 1e6),
      samplesMs: t.samplesMs.map((s) => +s.toFixed(3)),
      wallSamplesMs: t.wallSamplesMs.map((s) => +s.toFixed(3)),
    };
    rows.push(row);
    log(
      `  ${c.padEnd(4)} ${cfg.name} ${dtype} ${mode.padEnd(7)} ${impl.name.padEnd(10)} ${fmt(t.medianMs, 3).padStart(10)} ms cpu ${fmt(t.wallMedianMs, 3).padStart(10)} ms wall ${t.helperMs === null || impl.name === "torch" ? "" : `${fmt(t.helperMs, 3)} ms helpers `} (${t.reps} × ${t.runsPerSample} runs)  ${fmt(row.gflops)} GFLOP/s`,
    );
  }
}

// ---------------------------------------------------------------- report
/** Speed-up of gated over `r`'s implementation on the same job: ratio of the medians. */
function ratiosFor(r: Row): number | null {
  const g = gatedRow(r);
  return g ? r.medianMs / g.medianMs : null;
}
/** The same, as the median over interleaved rounds of the per-round ratio (null below 2 pairs). */
function pairedRatio(r: Row): number | null {
  const g = gatedRow(r);
  const n = g ? Math.min(r.samplesMs.length, g.samplesMs.length) : 0;
  return n < 2
    ? null
    : median(Array.from({ length: n }, (_, i) => r.samplesMs[i]! / g!.samplesMs[i]!));
}
function gatedRow(r: Row): Row | undefined {
  return rows.find(
    (q) =>
      q.impl === "gated" &&
      q.cell === r.cell &&
      q.config === r.config &&
      q.dtype === r.dtype &&
      q.mode === r.mode,
  );
}

function report(totalS: number): void {
  const si = settleInfo();
  log("");
  log(`FLOPs: ${FLOP_FORMULA}`);
  log(
    `medians of CPU time per run (all threads, user+system${si.enabled && si.linux ? ", plus V8's helper-thread work the run left running" : ""}) and of wall time; GFLOP/s and speed-ups from CPU time`,
  );
  log(
    si.enabled && si.linux
      ? "helpers = CPU ms of the bench process's other threads in a run and its tail (median; part of cpu ms), left MB = heap + ArrayBuffers a run leaves for the untimed gc() before the next"
      : `helpers = CPU ms of the bench process's other threads during a run; NOT waited for (${si.linux ? "--no-settle" : "no /proc"}): one run's background GC and compiles may be charged to the next`,
  );
  log("speed-up = impl cpu ms / gated cpu ms (> 1: gated is faster), ratio of the medians");
  log("");
  const head = [
    "cell",
    "cfg",
    "dtype",
    "mode",
    "impl",
    "cpu ms",
    "wall ms",
    "helpers",
    "left MB",
    "reps×k",
    "GFLOP/s",
    "speed-up",
  ];
  const table = rows.map((r) => {
    const s = ratiosFor(r);
    return [
      r.cell,
      r.config,
      r.dtype,
      r.mode,
      r.impl,
      fmt(r.medianMs, 3),
      fmt(r.wallMedianMs, 3),
      r.helperMs === null || r.impl === "torch" ? "—" : fmt(r.helperMs, 3),
      r.impl === "torch" ? "—" : fmt(r.leftMB, 2),
      `${r.reps}×${r.runsPerSample}`,
      fmt(r.gflops),
      s === null || r.impl === "gated" ? "" : `${fmt(s)}×`,
    ];
  });
  printTable(head, table);
  if (agreement.length) {
    log("");
    log(
      "agreement: max |Δ| / max |truth| vs a float64 run (output; all parameter gradients; input gradient); loss = sum of outputs",
    );
    printTable(
      ["cell", "cfg", "dtype", "impl", "against", "output", "grads", "dx"],
      agreement.map((a) => [
        a.cell,
        a.config,
        a.dtype,
        a.impl,
        a.against,
        exp(a.output),
        exp(a.grads),
        exp(a.input),
      ]),
    );
  }
  const targets = checkTargets();
  if (Object.keys(compileMs).length) {
    log("");
    for (const [c, m] of Object.entries(compileMs))
      log(
        `compile time ${c}: first ${fmt(m.firstMs, 1)} ms, median of next ${m.reps}: ${fmt(m.medianMs, 1)} ms`,
      );
  }
  if (targets.length) {
    log("");
    log("targets of issues 4 and 8 (float32, forward+backward):");
    for (const t of targets) log(`  ${t.met ? "MET    " : "NOT MET"} ${t.what}: ${t.value}`);
  }
  printInference();
  const iTargets = inferenceTargets(inference);
  if (iTargets.length) {
    log("");
    log("targets of issue 15 (inference: forward, float32, one thread; gated = its wasm backend):");
    for (const t of iTargets) log(`  ${t.met ? "MET    " : "NOT MET"} ${t.what}: ${t.value}`);
  }
  if (si.capped)
    notes.push(
      `${si.capped} of ${si.waits} waits for V8's helper threads gave up after ${si.maxMs} ms: those runs' CPU time misses part of their background work`,
    );
  for (const n of notes) log(`note: ${n}`);
  log(
    `total ${fmt(totalS, 1)} s; 1-minute load average ${fmt(loadStart)} at the start, ${fmt(os.loadavg()[0]!)} at the end`,
  );
  if (outPath) {
    const cpus = os.cpus();
    const out = {
      machine: {
        node: process.version,
        cpu: cpus[0]?.model ?? "unknown",
        cores: cpus.length,
        platform: `${os.platform()} ${os.arch()}`,
        date: new Date().toISOString(),
        threads: 1,
        execArgv: process.execArgv,
        loadAverage1m: { start: loadStart, end: os.loadavg()[0]! },
        torch: torchInfo,
      },
      options: {
        configs: CONFIGS,
        quick,
        argv,
        // how the runs waited for V8's helper threads (timing.ts): on, Linux, waits, capped, ms
        settle: si,
        gcMode:
          si.enabled && si.linux
            ? "full gc() before every run's sample (k runs back to back), then wait until V8's helper threads are idle (untimed); after the sample wait again and add the helpers' CPU time since the clock stopped to the sample's CPU time; a run's time = the sample's / k"
            : "full gc() before every run's sample (k runs back to back), helper threads not waited for: a sample's CPU time may include the previous sample's background sweeping and compiles; a run's time = the sample's / k",
      },
      flopFormula: FLOP_FORMULA,
      timing: `medianMs = median CPU time per run: process.cpuUsage (user+system, all threads of the bench process) over the run, plus the CPU time V8's helper threads spend after it on work it left (its concurrent marking/sweeping, background compiles) until they are idle; torch: the Python process's time.process_time. wallMedianMs = median wall time of a run. A timed sample is runsPerSample (k) runs back to back, k per contender from its warm-up samples (k = 1 first, then the largest k any asked for so that a sample takes at least 5 ms of CPU time; 1 for runs that long; more warm-ups, up to 5, while a run gets faster by > 10% and takes under 100 ms, and at least 3 while it takes under 20 ms; see results[].warmup; torch: k runs in one timed region of its process, gradients set to None between them inside it), and a run's times (cpu, wall, helper, leftMB; samplesMs etc.) are the sample's / k: the gc() before a sample leaves caches cold, which a sub-millisecond run would pay for several times over. The machine is shared, so CPU time is the compared number. Before every sample: a full gc() and a wait until the helper threads are idle, both untimed, so no sample pays for another's garbage or compiles; the garbage a sample leaves is collected there, untimed (this favours contenders that allocate; leftMB = heap + ArrayBuffer MB a run leaves). helperMs/helperMaxMs/helperSamplesMs = CPU ms of the bench process's other threads in a run and its tail (included in medianMs). options.settle: the waits (capped at maxMs). Implementations of one job run interleaved (round-robin, one sample each per round) after warm-up. S: at least 2 warm-up samples, reps (samples) to a 1 s budget (3..21; reference and TF.js at most 5); M: 2 warm-ups, 3 s budget (5..9), TF.js cpu a single run; L: 1 warm-up, 3 s budget (3..9 for gated, gated-js, hand, torch; 2..9 for the others), TF.js cpu a single run (warmed up by the smaller configs). See results[].reps and results[].runsPerSample`,
      results: rows.map((r) => {
        const g = gatedRow(r);
        return { ...r, speedup: g ? ratiosFor(r) : null, speedupPaired: pairedRatio(r) };
      }),
      agreement,
      compileMs,
      targets,
      training,
      inference,
      inferenceTargets: iTargets,
      notes,
      totalSeconds: +totalS.toFixed(1),
    };
    writeFileSync(outPath, JSON.stringify(out, null, 1) + "\n");
    log(`wrote ${outPath}`);
  } else log("partial run: results.json not written (use --out FILE)");
}

interface Target {
  what: string;
  met: boolean;
  value: string;
}
function checkTargets(): Target[] {
  const out: Target[] = [];
  const get = (cell: string, cfg: string, impl: string) =>
    rows.find(
      (r) =>
        r.cell === cell &&
        r.config === cfg &&
        r.impl === impl &&
        r.dtype === "float32" &&
        r.mode === "fwd+bwd",
    );
  for (const cell of CELLS) {
    for (const cfg of CONFIGS.map((c) => c.name)) {
      const g = get(cell, cfg, "gated");
      if (!g) continue;
      const s = (impl: string) => {
        const b = get(cell, cfg, impl);
        return b ? ratiosFor(b) : null;
      };
      const cpu = s("tfjs-cpu"),
        wasm = s("tfjs-wasm"),
        hand = s("hand");
      if (cpu !== null)
        out.push({
          what: `${cell} ${cfg} ≥ 5× faster than TF.js cpu`,
          met: cpu >= 5,
          value: `${fmt(cpu)}×`,
        });
      if (cfg === "S") {
        if (cpu !== null)
          out.push({
            what: `${cell} S ≥ 30× faster than TF.js cpu`,
            met: cpu >= 30,
            value: `${fmt(cpu)}×`,
          });
        if (wasm !== null)
          out.push({
            what: `${cell} S ≥ 30× faster than TF.js wasm`,
            met: wasm >= 30,
            value: `${fmt(wasm)}×`,
          });
      } else if (wasm !== null)
        out.push({
          what: `${cell} ${cfg} ≥ 1.5× faster than TF.js wasm`,
          met: wasm >= 1.5,
          value: `${fmt(wasm)}×`,
        });
      if (hand !== null)
        out.push({
          what: `${cell} ${cfg} within 1.25× of the hand-fused kernel`,
          met: hand >= 1 / 1.25,
          value: `gated/hand = ${fmt(1 / hand)}`,
        });
      out.push(...issue8Targets(cell, cfg, s));
    }
  }
  const lc = compileMs["lstm"];
  if (lc)
    out.push({
      what: "LSTM compile (forward+backward) < 50 ms",
      met: lc.medianMs < 50,
      value: `${fmt(lc.medianMs, 1)} ms (first ${fmt(lc.firstMs, 1)} ms)`,
    });
  return out;
}

/** Issue 8's targets: against PyTorch CPU, our JS backend and TF.js wasm (ratios of medians). */
function issue8Targets(cell: string, cfg: string, s: (impl: string) => number | null): Target[] {
  const out: Target[] = [];
  const torch = s("torch");
  const within = { S: null, M: 2, L: 2.5 }[cfg as "S" | "M" | "L"];
  if (torch !== null && cfg === "S")
    out.push({
      what: `${cell} S ≥ 15× faster than PyTorch CPU`,
      met: torch >= 15,
      value: `${fmt(torch)}×`,
    });
  else if (torch !== null && within)
    out.push({
      what: `${cell} ${cfg} within ${within}× of PyTorch CPU`,
      met: 1 / torch <= within,
      value: `gated/torch = ${fmt(1 / torch)}`,
    });
  if (cfg === "M" || cfg === "L") {
    const js = s("gated-js");
    const wasm = s("tfjs-wasm");
    if (js !== null)
      out.push({ what: `${cell} ${cfg} ≥ 5× the JS backend`, met: js >= 5, value: `${fmt(js)}×` });
    if (wasm !== null)
      out.push({
        what: `${cell} ${cfg} ≥ 10× TF.js wasm`,
        met: wasm >= 10,
        value: `${fmt(wasm)}×`,
      });
  }
  return out;
}

/**
 * The inference rows: median CPU ms per contender (wall ms where a row has no CPU time; both are
 * in results.json), and each one's speed-up of gated (wasm).
 */
function printInference(): void {
  if (!inference.length) return;
  log("");
  log(
    "inference (forward only, tape: false, float32, one thread; median CPU ms of the process, ONNX Runtime's threads included, wall ms in results.json; × = contender / gated-wasm; ONNX models: PyTorch's export (LSTM/GRU op) for lstm and gru, gated's exporter (Scan) for the custom cells; max |Δ| vs torch's output, or vs gated float64 for the custom cells):",
  );
  const names = [...new Set(inference.flatMap((r) => Object.keys(r.ms)))];
  printTable(
    ["cell", "cfg", "", "", "", ...names, "step() µs", "max |Δ| vs truth"],
    inference.map((r) => {
      // CPU time where the row has it (what the targets compare), else wall time
      const at = (n: string) => r.cpuMs?.[n] ?? r.ms[n];
      const g = at("gated-wasm");
      return [
        r.cell,
        r.config,
        "",
        "",
        "",
        ...names.map((n) => {
          const v = at(n);
          if (typeof v !== "number")
            return typeof v === "string" && v.startsWith("mismatch") ? "MISMATCH" : "—";
          return typeof g === "number" && n !== "gated-wasm"
            ? `${fmt(v, 3)} (${fmt(v / g)}×)`
            : fmt(v, 3);
        }),
        Object.entries(r.stepUs ?? {})
          .map(([n, v]) => `${n.replace("gated-", "")} ${fmt(v, 1)}`)
          .join(", "),
        Object.keys(r.maxErr).length ? exp(Math.max(...Object.values(r.maxErr))) : "—",
      ];
    }),
  );
}

function printTable(head: string[], body: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i >= 5 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join("  ");
  log(line(head));
  log(w.map((n) => "-".repeat(n)).join("  "));
  for (const r of body) log(line(r));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
