/**
 * The sections of issue 9 in `pnpm bench`: peak memory of long sequences (full tape,
 * checkpointed, inference), whether a float32 tape would be accurate enough, kernel threads
 * (1 vs 2, forward+backward float32, LSTM at M and L) and Trainer steps/s against PyTorch CPU.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { type CompiledKernel, compileCell, mulberry32 } from "@gated/codegen";
import { getCell } from "@gated/rnn";
import { memoryRows, tapePrecision } from "./memory.js";
import { type ThroughputRow, throughputRows } from "./throughput.js";

const fmt = (v: number | null | undefined, d = 2) => (v == null ? "—" : v.toFixed(d));

function table(log: (s: string) => void, head: string[], body: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  log(head.map((h, i) => h.padEnd(w[i]!)).join("  "));
  for (const r of body) log(r.map((c, i) => c.padEnd(w[i]!)).join("  "));
}

export interface ThreadRow {
  readonly config: string;
  readonly ms1: number;
  readonly ms2: number;
  readonly speedup: number;
  readonly target: number;
  /** Median, lowest and highest of the rounds' ratios (a round: one run each way, back to back). */
  readonly paired: number;
  readonly pairedMin: number;
  readonly pairedMax: number;
  /**
   * Linux: the share of the cores other processes used during the timed runs, 1 thread and 2
   * threads (0..1); null elsewhere. A 2-thread run needs both cores.
   */
  readonly othersShare1: number | null;
  readonly othersShare2: number | null;
  /**
   * Linux: the speed-up from CPU time alone (median over rounds): the 1-thread run's caller CPU
   * over the 2-thread run's caller CPU plus its busiest worker's, i.e. what the 2-thread run would
   * give with both cores to itself (no waiting for a core); null elsewhere.
   */
  readonly cpuBound: number | null;
}

const LINUX = process.platform === "linux" && existsSync("/proc/stat");
/** Busy ms of all cores since boot (/proc/stat: every field but idle and iowait). */
function machineBusyMs(): number {
  const f = readFileSync("/proc/stat", "utf8")
    .split("\n", 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  return ((f.reduce((a, b) => a + b, 0) - f[3]! - f[4]!) * 1000) / 100;
}
/** On-CPU ms of each thread of this process (/proc/self/task/<tid>/schedstat). */
function threadCpuMs(): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of readdirSync("/proc/self/task"))
    try {
      m.set(t, Number(readFileSync(`/proc/self/task/${t}/schedstat`, "utf8").split(" ")[0]) / 1e6);
    } catch {
      // the thread ended
    }
  return m;
}

/** Median wall time of forward+backward at 1 and 2 threads, interleaved runs. */
function threadRows(quick: boolean): ThreadRow[] {
  const configs = [
    { config: "M", B: 32, T: 64, H: 128, target: 1.4 },
    { config: "L", B: 64, T: 50, H: 256, target: 1.6 },
  ];
  const cores = os.cpus().length;
  return configs.map(({ config, B, T, H, target }) => {
    const o = { inputSize: H, hiddenSize: H, dtype: "float32" as const };
    const ks: CompiledKernel<"float32">[] = [
      compileCell(getCell("lstm"), o),
      compileCell(getCell("lstm"), { ...o, threads: 2 }),
    ];
    const r = mulberry32(1);
    const p = ks[0]!.initParams({ seed: 1 });
    const x = Float32Array.from({ length: T * B * H }, () => 2 * r() - 1);
    const cot = { output: Float32Array.from({ length: T * B * H }, () => 2 * r() - 1) };
    const ms: number[][] = [[], []];
    // per kernel: others' busy ms and the wall ms they came in; per round: the CPU-time bound
    const others = [0, 0],
      spans = [0, 0],
      bound: number[] = [];
    const me = String(process.pid);
    let caller1 = 0;
    // two warm-ups: the workers' first calls start them and tier their code up
    const reps = quick ? 3 : 9,
      warmups = 2;
    for (let i = 0; i < reps + warmups; i++)
      ks.forEach((k, j) => {
        const c0 = process.cpuUsage(),
          b0 = LINUX ? machineBusyMs() : 0,
          s0 = LINUX ? threadCpuMs() : null;
        const t0 = performance.now();
        k.backward(k.forward(p, x, { batch: B }), cot);
        const wall = performance.now() - t0;
        if (i < warmups) return;
        ms[j]!.push(wall);
        if (!LINUX || s0 === null) return;
        const c = process.cpuUsage(c0);
        others[j]! += Math.max(0, machineBusyMs() - b0 - (c.user + c.system) / 1000);
        spans[j]! += wall;
        const d = [...threadCpuMs()].map(([t, v]) => [t, v - (s0.get(t) ?? 0)] as const);
        const caller = d.find(([t]) => t === me)?.[1] ?? 0;
        if (j === 0) caller1 = caller;
        else {
          const busiest = Math.max(0, ...d.filter(([t]) => t !== me).map(([, v]) => v));
          bound.push(caller1 / (caller + busiest));
        }
      });
    void ks[1]!.close();
    const med = (a: number[]) => [...a].sort((u, v) => u - v)[a.length >> 1]!;
    const [ms1, ms2] = [med(ms[0]!), med(ms[1]!)];
    const rounds = ms[0]!.map((a, i) => a / ms[1]![i]!);
    const share = (j: number) => (LINUX ? Math.min(1, others[j]! / (spans[j]! * cores)) : null);
    return {
      config,
      ms1,
      ms2,
      speedup: ms1 / ms2,
      target,
      paired: med(rounds),
      pairedMin: Math.min(...rounds),
      pairedMax: Math.max(...rounds),
      othersShare1: share(0),
      othersShare2: share(1),
      cpuBound: bound.length > 0 ? med(bound) : null,
    };
  });
}

export function threadSection(opts: { quick: boolean; log: (s: string) => void }): ThreadRow[] {
  const { quick, log } = opts;
  log("");
  log("kernel threads: LSTM float32 forward+backward, median wall ms (interleaved)");
  const threads = threadRows(quick);
  const pct = (v: number | null) => (v === null ? "—" : `${Math.round(100 * v)}%`);
  table(
    log,
    ["config", "1 thread", "2 threads", "speed-up", "rounds", "CPU bound", "others", "target"],
    threads.map((t) => [
      t.config,
      fmt(t.ms1, 1),
      fmt(t.ms2, 1),
      `${fmt(t.speedup)}×`,
      `${fmt(t.paired)}× (${fmt(t.pairedMin)}–${fmt(t.pairedMax)})`,
      t.cpuBound === null ? "—" : `${fmt(t.cpuBound)}×`,
      `${pct(t.othersShare1)} / ${pct(t.othersShare2)}`,
      `≥ ${t.target}× ${t.speedup >= t.target ? "MET" : "NOT MET"}`,
    ]),
  );
  log(
    "  speed-up = ratio of the medians (the target's number); rounds = median (range) of the per-round ratios; CPU bound = 1-thread CPU / (caller + busiest worker CPU), the speed-up with both cores free; others = share of the cores other processes used during the 1-thread / 2-thread runs",
  );
  const busy = threads.filter((t) => (t.othersShare2 ?? 0) > 0.1);
  if (busy.length > 0)
    log(
      `  other processes held ${busy.map((t) => `${pct(t.othersShare2)} of the cores at ${t.config}`).join(", ")} during the 2-thread runs: those runs waited for a core, so their speed-up understates the kernel's; compare on a quiet machine`,
    );
  return threads;
}

export function trainingSections(opts: { quick: boolean; log: (s: string) => void }): unknown {
  const { quick, log } = opts;
  const T = quick ? 2000 : 20000;
  log("");
  log(`memory: LSTM I=32 H=128 B=8 float32, T=${T}, forward+backward, each in its own process`);
  const memory = memoryRows(T, ["full", "auto", "100", "inference"]);
  table(
    log,
    ["variant", "peak RSS MB", "ms", "Σ|∂p| (agree)", "note"],
    memory.map((m) => [
      m.variant === "auto"
        ? "checkpoint auto (√T)"
        : /^\d+$/.test(m.variant)
          ? `checkpoint ${m.variant}`
          : m.variant,
      fmt(m.peakRssMB, 0),
      fmt(m.ms, 0),
      m.check === null ? "—" : m.check.toPrecision(8),
      m.error ?? "",
    ]),
  );
  const auto = memory.find((m) => m.variant === "auto");
  if (T === 20000 && auto?.peakRssMB != null)
    log(
      `  target peak RSS < 600 MB with checkpointing: ${auto.peakRssMB < 600 ? "MET" : "NOT MET"} (${fmt(auto.peakRssMB, 0)} MB)`,
    );
  const precision = tapePrecision(["lstm", "gru", "peephole_lstm"]);
  log("");
  log(
    "float32 JS kernels, tape kept in float64 (today) vs rounded to float32: ∂params vs the float64 reference",
  );
  table(
    log,
    ["cell", "f64 tape", "f32 tape", "float32 test tolerance"],
    precision.map((p) => [
      p.cell,
      p.f64Tape.toExponential(2),
      p.f32Tape.toExponential(2),
      String(p.tolerance),
    ]),
  );
  const threads = threadSection({ quick, log });
  const throughput = throughputSection({ quick, log });
  return { memory: { T, rows: memory }, tapePrecision: precision, threads, throughput };
}

/** Trainer steps/s against PyTorch (also alone: `node bench/dist/bench.mjs --throughput`). */
export function throughputSection(opts: {
  quick: boolean;
  log: (s: string) => void;
}): ThroughputRow[] {
  const { quick, log } = opts;
  log("");
  log(
    "training throughput: Trainer steps/s (forward, loss, backward, Adam), float32, same samples",
  );
  const throughput = throughputRows({ quick });
  table(
    log,
    ["job", "implementation", "threads", "steps/s", "note"],
    throughput.map((r) => [r.job, r.impl, String(r.threads), fmt(r.stepsPerS, 1), r.note ?? ""]),
  );
  for (const job of new Set(throughput.map((r) => r.job))) {
    const g = throughput.find((r) => r.job === job && r.impl.startsWith("gated"))?.stepsPerS;
    const t = throughput.find((r) => r.job === job && r.impl === "PyTorch CPU" && r.threads === 1);
    if (g != null && t?.stepsPerS != null)
      log(
        `  target ${job}: ≥ PyTorch's steps/s at one thread: ${g >= t.stepsPerS ? "MET" : "NOT MET"} (${fmt(g / t.stepsPerS)}×)`,
      );
  }
  return throughput;
}
