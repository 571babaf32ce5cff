/**
 * `pnpm bench`: compiled LSTM and GRU kernels against the reference interpreter, an unfused
 * op-by-op execution of the same graph, TF.js (cpu, wasm) and a hand-fused JS LSTM; forward and
 * forward+backward, float32 and float64, one thread. Prints medians, GFLOP/s and speed-ups and
 * writes bench/results.json (full runs only).
 *
 *   node dist/bench.mjs [--quick] [--only lstm|gru] [--configs S,M] [--impls gated,hand,...]
 *                       [--dtypes float32] [--out FILE] [--no-tf]
 */
import os from "node:os";
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { getCell } from "@gated/rnn";
import { mulberry32, referenceKernel, type Kernel, type Recurrence } from "@gated/codegen";
import { FLOP_FORMULA, flops, type Mode } from "./flops.js";
import { compiler, handImpl, kernelImpl, tfImpl, type Impl, type Result } from "./impls.js";
import { median, measure, type Timing, type TimingOptions } from "./timing.js";
import { tfRunner, type TfBackend } from "./tfjs.js";
import { unfusedKernel } from "./unfused.js";
import type { HandDType, Named } from "./handLstm.js";

interface Config { readonly name: string; readonly B: number; readonly T: number; readonly I: number; readonly H: number }
const CONFIGS: readonly Config[] = [
  { name: "S", B: 1, T: 100, I: 32, H: 32 },
  { name: "M", B: 32, T: 64, I: 128, H: 128 },
  { name: "L", B: 64, T: 50, I: 256, H: 256 },
];
const CELLS = ["lstm", "gru"] as const;
type CellName = (typeof CELLS)[number];
const DTYPES: readonly HandDType[] = ["float32", "float64"];
const MODES: readonly Mode[] = ["fwd", "fwd+bwd"];
const IMPLS = ["gated", "reference", "unfused", "hand", "tfjs-cpu", "tfjs-wasm"] as const;

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (f: string) => argv.includes(f);
function opt(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
const quick = flag("--quick");
const only = opt("--only");
if (only && !CELLS.includes(only as CellName)) throw new Error(`--only: expected one of ${CELLS.join(", ")}, got ${only}`);
const configNames = (opt("--configs") ?? (quick ? "S" : "S,M,L")).split(",");
const implNames = (opt("--impls") ?? IMPLS.join(",")).split(",").filter((n) => !(flag("--no-tf") && n.startsWith("tfjs")));
const dtypes = (opt("--dtypes")?.split(",") ?? DTYPES) as HandDType[];
for (const n of implNames) if (!IMPLS.includes(n as (typeof IMPLS)[number])) throw new Error(`--impls: unknown ${n} (known: ${IMPLS.join(", ")})`);
const partial = quick || only !== undefined || opt("--configs") !== undefined || opt("--impls") !== undefined || opt("--dtypes") !== undefined || flag("--no-tf");
const outPath = opt("--out") ?? (partial ? undefined : fileURLToPath(new URL("../bench/results.json", import.meta.url)));

const timing = (cfg: Config, impl: string): TimingOptions => {
  if (quick) return { budgetMs: 300, minReps: 3, maxReps: 7, slowMs: 2000 };
  const slow = impl === "tfjs-cpu" || impl === "reference";
  return {
    budgetMs: cfg.name === "L" ? 2500 : 1500,
    minReps: 3,
    maxReps: cfg.name === "S" ? 31 : cfg.name === "M" ? 11 : 5,
    slowMs: slow ? 3000 : 6000,
  };
};

// ---------------------------------------------------------------- inputs
function cellOf(name: string): Recurrence {
  return getCell(name);
}

/** Weights by name from the cell's own seeded init (float64), and x ~ U(−1, 1), [T][B][I]. */
function inputs(cell: Recurrence, cfg: Config): { named: Named; x: Float64Array } {
  const ref = referenceKernel(cell, { inputSize: cfg.I, hiddenSize: cfg.H, dtype: "float64" });
  const p = ref.initParams({ seed: 1 });
  const named = Object.fromEntries(ref.layout.map((s) => [s.name, Float64Array.from(p.get(s.name))]));
  const rnd = mulberry32(7);
  const x = Float64Array.from({ length: cfg.T * cfg.B * cfg.I }, () => 2 * rnd() - 1);
  return { named, x };
}

// ---------------------------------------------------------------- records
interface Row {
  cell: CellName; config: string; dtype: HandDType; mode: Mode; impl: string;
  /** Median CPU time (ms), the compared number; wallMedianMs is the wall clock. */
  medianMs: number; wallMedianMs: number; reps: number; warmup: number; gflops: number; samplesMs: number[];
}
interface Agreement {
  cell: string; config: string; dtype: HandDType; impl: string; against: string;
  output: number; grads: number | null; input: number | null; scale: number;
}
const rows: Row[] = [];
const agreement: Agreement[] = [];
const notes: string[] = [];
const compileMs: Record<string, { firstMs: number; medianMs: number; reps: number; config: string }> = {};

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
function compare(r: Result, truth: Result, names?: readonly string[]): { output: number; grads: number | null; input: number | null } {
  let grads: number | null = null;
  if (r.grads && truth.grads) {
    grads = 0;
    for (const n of names ?? Object.keys(truth.grads)) {
      if (r.grads[n] && truth.grads[n]) grads = Math.max(grads, maxAbsDiff(r.grads[n]!, truth.grads[n]!));
    }
  }
  const input = r.input && truth.input ? maxAbsDiff(r.input, truth.input) : null;
  return { output: maxAbsDiff(r.output, truth.output), grads, input };
}

const log = (s: string) => process.stdout.write(s + "\n");
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const exp = (x: number | null) => (x === null ? "—" : x.toExponential(1));

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const compileCell = compiler();
  const started = performance.now();
  log(`gated bench: node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"} (${os.cpus().length} cores), one thread`);
  if (!compileCell) notes.push("compileCell is not exported by @gated/codegen yet: no compiled ('gated') rows");
  const cells = CELLS.filter((c) => !only || c === only);
  const configs = CONFIGS.filter((c) => configNames.includes(c.name));

  // compile time per cell (graph -> kernels), at M sizes, float32: first call and warm median
  if (compileCell && implNames.includes("gated")) {
    for (const c of cells) {
      const cfg = CONFIGS[1]!;
      const samples: number[] = [];
      for (let r = 0; r < 7; r++) {
        const cell = cellOf(c); // a fresh cell each time, so nothing is cached on it
        const t0 = performance.now();
        compileCell(cell, { inputSize: cfg.I, hiddenSize: cfg.H, dtype: "float32" });
        samples.push(performance.now() - t0);
      }
      compileMs[c] = { firstMs: samples[0]!, medianMs: median(samples.slice(1)), reps: samples.length - 1, config: cfg.name };
      log(`compile ${c}: first ${fmt(samples[0]!, 1)} ms, then median ${fmt(compileMs[c]!.medianMs, 1)} ms`);
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
        if (want("gated") && compileCell) impls.push(kernelImpl("gated", compileCell(cell, kopts(dtype)), named, x, cfg.B));
        if (want("reference") && cfg.name === "S") impls.push(kernelImpl("reference", referenceKernel(cell, kopts(dtype)), named, x, cfg.B));
        if (want("unfused")) impls.push(kernelImpl("unfused", unfusedKernel(cell, kopts(dtype)), named, x, cfg.B));
        if (want("hand") && c === "lstm") impls.push(handImpl(dtype, named, x, cfg.B, cfg.I, cfg.H));
        for (const impl of impls) {
          for (const mode of MODES) record(c, cfg, dtype, mode, impl);
        }
        if (dtype === "float64" && !truth) {
          const pick = impls.find((i) => i.name === "reference") ?? impls.find((i) => i.name === "gated") ?? impls.find((i) => i.name === "unfused");
          if (pick) truth = { name: pick.name, result: pick.result() };
        }
        if (truth) {
          for (const impl of impls) {
            if (impl.name === truth.name && dtype === "float64") continue;
            const d = compare(impl.result(), truth.result);
            agreement.push({ cell: c, config: cfg.name, dtype, impl: impl.name, against: `${truth.name} float64`, ...d, scale: maxAbs(truth.result.output) });
          }
        }
        // TF.js: float32 only
        if (dtype === "float32") {
          for (const be of ["cpu", "wasm"] as TfBackend[]) {
            if (!want(`tfjs-${be}`)) continue;
            const r = await tfRunner(c, be, cfg.I, cfg.H, cfg.B, cfg.T, tfInputs.named, tfInputs.x);
            const impl = tfImpl(r);
            for (const mode of MODES) record(c, cfg, dtype, mode, impl);
            if (c === "gru") {
              // TF.js's GRU is cho_gru (reset before the product): compare with that cell
              tfTruth ??= choTruth(tfCell, cfg, tfInputs.named, tfInputs.x);
              const d = compare(impl.result(), tfTruth);
              agreement.push({ cell: "cho_gru", config: cfg.name, dtype, impl: impl.name, against: "cho_gru float64 (unfused/reference)", ...d, scale: maxAbs(tfTruth.output) });
            } else if (truth) {
              const d = compare(impl.result(), truth.result);
              agreement.push({ cell: c, config: cfg.name, dtype, impl: impl.name, against: `${truth.name} float64`, ...d, scale: maxAbs(truth.result.output) });
            }
            impl.dispose?.();
          }
        }
      }
    }
  }
  const totalS = (performance.now() - started) / 1000;
  report(totalS);
}

/** float64 result of cho_gru (what TF.js's GRU computes), from the reference at S, else unfused. */
function choTruth(cell: Recurrence, cfg: Config, named: Named, x: Float64Array): Result {
  const k: Kernel = cfg.name === "S"
    ? referenceKernel(cell, { inputSize: cfg.I, hiddenSize: cfg.H, dtype: "float64" })
    : unfusedKernel(cell, { inputSize: cfg.I, hiddenSize: cfg.H, dtype: "float64" });
  const impl = kernelImpl("truth", k, named, x, cfg.B);
  impl.forward();
  impl.forwardBackward();
  return impl.result();
}

function record(c: CellName, cfg: Config, dtype: HandDType, mode: Mode, impl: Impl): void {
  const fn = mode === "fwd" ? () => impl.forward() : () => impl.forwardBackward();
  let t: Timing;
  try {
    t = measure(fn, timing(cfg, impl.name));
  } catch (e) {
    notes.push(`${impl.name} ${c} ${cfg.name} ${dtype} ${mode} failed: ${(e as Error).message}`);
    log(`  ${impl.name} ${c} ${cfg.name} ${dtype} ${mode}: FAILED ${(e as Error).message}`);
    return;
  }
  const f = flops(c, mode, cfg.T, cfg.B, cfg.I, cfg.H);
  const row: Row = { cell: c, config: cfg.name, dtype, mode, impl: impl.name, medianMs: t.medianMs, wallMedianMs: t.wallMedianMs, reps: t.reps, warmup: t.warmup, gflops: f / (t.medianMs * 1e6), samplesMs: t.samplesMs.map((s) => +s.toFixed(3)) };
  rows.push(row);
  log(`  ${c.padEnd(4)} ${cfg.name} ${dtype} ${mode.padEnd(7)} ${impl.name.padEnd(10)} ${fmt(t.medianMs, 3).padStart(10)} ms cpu ${fmt(t.wallMedianMs, 3).padStart(10)} ms wall  (${t.reps} reps)  ${fmt(row.gflops)} GFLOP/s`);
}

// ---------------------------------------------------------------- report
function ratiosFor(r: Row): number | null {
  const g = rows.find((q) => q.impl === "gated" && q.cell === r.cell && q.config === r.config && q.dtype === r.dtype && q.mode === r.mode);
  return g ? r.medianMs / g.medianMs : null;
}

function report(totalS: number): void {
  log("");
  log(`FLOPs: ${FLOP_FORMULA}`);
  log("medians of CPU time per run (process user+system; single-threaded code) and of wall time; GFLOP/s and speed-ups from CPU time");
  log("speed-up = impl cpu ms / gated cpu ms (> 1: gated is faster)");
  log("");
  const head = ["cell", "cfg", "dtype", "mode", "impl", "cpu ms", "wall ms", "reps", "GFLOP/s", "speed-up"];
  const table = rows.map((r) => {
    const s = ratiosFor(r);
    return [r.cell, r.config, r.dtype, r.mode, r.impl, fmt(r.medianMs, 3), fmt(r.wallMedianMs, 3), String(r.reps), fmt(r.gflops), s === null || r.impl === "gated" ? "" : `${fmt(s)}×`];
  });
  printTable(head, table);
  if (agreement.length) {
    log("");
    log("agreement (max |Δ| vs a float64 run; output, parameter gradients, input gradient; scale = max |output|)");
    printTable(
      ["cell", "cfg", "dtype", "impl", "against", "output", "grads", "dx", "scale"],
      agreement.map((a) => [a.cell, a.config, a.dtype, a.impl, a.against, exp(a.output), exp(a.grads), exp(a.input), fmt(a.scale, 3)]),
    );
  }
  const targets = checkTargets();
  if (Object.keys(compileMs).length) {
    log("");
    for (const [c, m] of Object.entries(compileMs)) log(`compile time ${c}: first ${fmt(m.firstMs, 1)} ms, median of next ${m.reps}: ${fmt(m.medianMs, 1)} ms`);
  }
  if (targets.length) {
    log("");
    log("issue-4 targets (float32, forward+backward):");
    for (const t of targets) log(`  ${t.met ? "MET    " : "NOT MET"} ${t.what}: ${t.value}`);
  }
  for (const n of notes) log(`note: ${n}`);
  log(`total ${fmt(totalS, 1)} s`);
  if (outPath) {
    const cpus = os.cpus();
    const out = {
      machine: { node: process.version, cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, platform: `${os.platform()} ${os.arch()}`, date: new Date().toISOString(), threads: 1 },
      options: { configs: CONFIGS, quick, argv },
      flopFormula: FLOP_FORMULA,
      timing: "medianMs = median CPU time (process.cpuUsage user+system) per run, wallMedianMs = median wall time; the machine is shared, so CPU time is the compared number; 2 warm-up runs, then timed repetitions; repetitions sized to a 1.5 s (S, M) / 2.5 s (L) budget, capped at 31/11/5; runs slower than 3 s (TF.js cpu, reference) or 6 s take 2 samples, the first counted (no warm-up at that size; smaller configs ran earlier in the same process)",
      results: rows.map((r) => ({ ...r, speedup: ratiosFor(r) })),
      agreement,
      compileMs,
      targets,
      notes,
      totalSeconds: +totalS.toFixed(1),
    };
    writeFileSync(outPath, JSON.stringify(out, null, 1) + "\n");
    log(`wrote ${outPath}`);
  } else log("partial run: results.json not written (use --out FILE)");
}

interface Target { what: string; met: boolean; value: string }
function checkTargets(): Target[] {
  const out: Target[] = [];
  const get = (cell: string, cfg: string, impl: string) =>
    rows.find((r) => r.cell === cell && r.config === cfg && r.impl === impl && r.dtype === "float32" && r.mode === "fwd+bwd");
  for (const cell of CELLS) {
    for (const cfg of CONFIGS.map((c) => c.name)) {
      const g = get(cell, cfg, "gated");
      if (!g) continue;
      const s = (impl: string) => {
        const b = get(cell, cfg, impl);
        return b ? b.medianMs / g.medianMs : null;
      };
      const cpu = s("tfjs-cpu"), wasm = s("tfjs-wasm"), hand = s("hand");
      if (cpu !== null) out.push({ what: `${cell} ${cfg} ≥ 5× faster than TF.js cpu`, met: cpu >= 5, value: `${fmt(cpu)}×` });
      if (cfg === "S") {
        if (cpu !== null) out.push({ what: `${cell} S ≥ 30× faster than TF.js cpu`, met: cpu >= 30, value: `${fmt(cpu)}×` });
        if (wasm !== null) out.push({ what: `${cell} S ≥ 30× faster than TF.js wasm`, met: wasm >= 30, value: `${fmt(wasm)}×` });
      } else if (wasm !== null) out.push({ what: `${cell} ${cfg} ≥ 1.5× faster than TF.js wasm`, met: wasm >= 1.5, value: `${fmt(wasm)}×` });
      if (hand !== null) out.push({ what: `${cell} ${cfg} within 1.25× of the hand-fused kernel`, met: hand >= 1 / 1.25, value: `gated/hand = ${fmt(1 / hand)}` });
    }
  }
  const lc = compileMs["lstm"];
  if (lc) out.push({ what: "LSTM compile (forward+backward) < 50 ms", met: lc.medianMs < 50, value: `${fmt(lc.medianMs, 1)} ms (first ${fmt(lc.firstMs, 1)} ms)` });
  return out;
}

function printTable(head: string[], body: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 5 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join("  ");
  log(line(head));
  log(w.map((n) => "-".repeat(n)).join("  "));
  for (const r of body) log(line(r));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
