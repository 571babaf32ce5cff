/**
 * The inference section of `pnpm bench` (issue 15): forward only, float32, one thread — gated's
 * kernels (each backend, `tape: false`) against ONNX Runtime in the same Node process:
 * onnxruntime-node (native, 1 intra-op thread) and onnxruntime-web (WASM SIMD, 1 thread), on
 * ONNX models of the standard LSTM and GRU exported by PyTorch (ONNX's own LSTM/GRU ops, with
 * gated's weights), plus batch-1 streaming latency (one `step()` call); `gated-wasm-fma` is the
 * wasm kernel with relaxed-SIMD (FMA) products, in a child node started with the flag Node 20
 * needs (bench/relaxed.ts). Every contender's output
 * is checked against PyTorch's before it is timed; timings are interleaved round-robin and
 * reported as medians of wall time and of CPU time (this process's user+system time over all its
 * threads, so ONNX Runtime's own threads count; the child's own for gated-wasm-fma). Every timed
 * sample (k runs back to back, k such that it takes at least timing.ts's SAMPLE_MS of CPU) follows
 * bench/timing.ts's rule, as in the forward/backward tables: gc() and a wait until V8's helper
 * threads are idle before it (untimed), and the helpers' CPU until they are idle again after it
 * (its tail) added to its CPU time (`timeInterleaved`, `onceAsync`; bench/README.md, "Time").
 * On a shared machine CPU time is the compared number: wall time inflates a run by the chance
 * it is preempted, which grows with its length, so a wall-time ratio drifts with the load.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type {
  CompiledKernel,
  Kernel,
  KernelOptions,
  Recurrence,
  Schedule,
  Stmt,
} from "@gated/codegen";
import { getCell } from "@gated/rnn";
import { relaxedContender } from "./relaxed.js";
import { median, onceAsync, perRun, type Run, Sizer, summarize, type Timing } from "./timing.js";
import { PYTHON } from "./torch.js";

// beside this file's bundle in bench/dist/, or in bench/ when bundled to dist/
const SCRIPT =
  [new URL("../torch_onnx.py", import.meta.url), new URL("../bench/torch_onnx.py", import.meta.url)]
    .map((u) => fileURLToPath(u))
    .find((f) => existsSync(f)) ?? "bench/torch_onnx.py";

export interface InferenceConfig {
  readonly name: string;
  readonly B: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
}

export interface InferenceRow {
  readonly cell: string;
  readonly config: string;
  /** Where the ONNX model comes from (absent: PyTorch's export, ONNX's own LSTM/GRU op). */
  readonly model?: string;
  /** Median wall ms per contender (forward of the whole sequence), or why it is missing. */
  readonly ms: Readonly<Record<string, number | string>>;
  /**
   * Median CPU ms per timed contender: user+system time of this process over all its threads
   * (ONNX Runtime's included), the child's own for gated-wasm-fma. What the targets compare.
   */
  readonly cpuMs?: Readonly<Record<string, number>>;
  /**
   * Per timed contender, as in the training rows (bench/timing.ts): median and largest CPU ms of
   * the process's other threads in a run and its tail (included in `cpuMs`; ONNX Runtime's own
   * threads count here; the child's own for gated-wasm-fma), null where unknown (off Linux);
   * median MB of heap + ArrayBuffers a run leaves for the next untimed gc(); timed samples.
   */
  readonly helperMs?: Readonly<Record<string, number | null>>;
  readonly helperMaxMs?: Readonly<Record<string, number | null>>;
  readonly leftMB?: Readonly<Record<string, number>>;
  readonly reps?: Readonly<Record<string, number>>;
  /** Runs per timed sample (k; a run's times are the sample's / k). */
  readonly runsPerSample?: Readonly<Record<string, number>>;
  /**
   * FLOPs of the matrix products of one forward (2·rows·in·out per product of gated's inference
   * schedule): the same products every contender computes, so FLOPs / ms is each one's rate.
   */
  readonly productFlops?: number;
  /** Largest |output − truth| per contender (torch's output, or gated's in float64). */
  readonly maxErr: Readonly<Record<string, number>>;
  /** Median µs of one `step()` at B = 1 per gated backend (streaming latency). */
  readonly stepUs?: Readonly<Record<string, number>>;
}

export type Compile = (cell: Recurrence, opts: KernelOptions & { backend?: string }) => Kernel;

/** PyTorch's stacked tensors from gated's per-gate parameters (rows in gate order). */
function torchState(k: Kernel, gates: readonly string[]): Record<string, number[]> {
  const p = k.initParams({ seed: 7 });
  const cat = (prefix: string) => gates.flatMap((g) => Array.from(p.get(`${prefix}_${g}`)));
  return {
    weight_ih_l0: cat("U"),
    weight_hh_l0: cat("W"),
    bias_ih_l0: cat("bi"),
    bias_hh_l0: cat("bh"),
  };
}

/**
 * Imports an ONNX Runtime package from its real path: pnpm links it into node_modules, and where
 * the bundle's loader keeps the link's path its own `onnxruntime-common` would not be found.
 */
async function importReal(name: string): Promise<unknown> {
  const req = createRequire(import.meta.url);
  return import(pathToFileURL(realpathSync(req.resolve(name))).href);
}

export interface Contender {
  readonly name: string;
  run(): Promise<ArrayLike<number>> | ArrayLike<number>;
  /**
   * k back-to-back runs timed by the contender itself, if it times itself (a child process: its
   * own CPU and wall time without the IPC, its own helper threads and heap; totals over the k).
   */
  readonly timeRuns?: (k: number) => Promise<Run>;
}

/** A row count of the schedule in rows: a number, one step's B, or all T·B. */
const rowsOf = (d: number | "B" | "TB", T: number, B: number) =>
  d === "B" ? B : d === "TB" ? T * B : d;

/**
 * FLOPs (2·m·n·k each) of the matrix products of one inference forward over T steps of B rows:
 * the products of `schedule.infer`, those in the time loop T times.
 */
export function productFlops(s: Schedule, T: number, B: number): number {
  const walk = (body: readonly Stmt[], times: number): number =>
    body.reduce(
      (f, st) =>
        f +
        (st.kind === "loop"
          ? walk(st.body, times * T)
          : st.kind === "gemm"
            ? 2 * times * rowsOf(st.m, T, B) * st.n * rowsOf(st.k, T, B)
            : 0),
      0,
    );
  return walk(s.infer.body, 1);
}

/** `productFlops` of a kernel that carries its schedule (compileCell's), else undefined. */
export function scheduleFlops(k: Kernel, T: number, B: number): number | undefined {
  const s = (k as Partial<CompiledKernel>).schedule;
  return s ? productFlops(s, T, B) : undefined;
}

/** A float32 input of an ONNX model: its data and dims. */
export type OrtFeeds = Readonly<Record<string, { data: Float32Array; dims: readonly number[] }>>;

/**
 * onnxruntime-node (1 intra-op thread, sequential) and onnxruntime-web (wasm, 1 thread) sessions
 * of one model, as contenders returning the named output; a runtime that does not load is
 * skipped with a warning.
 */
export async function ortContenders(
  model: Uint8Array,
  inputs: OrtFeeds,
  output: string,
): Promise<Contender[]> {
  const out: Contender[] = [];
  const feeds = (ort: typeof import("onnxruntime-node")) =>
    Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [k, new ort.Tensor("float32", v.data, [...v.dims])]),
    );
  try {
    const ort = (await importReal("onnxruntime-node")) as typeof import("onnxruntime-node");
    const s = await ort.InferenceSession.create(model, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: "sequential",
    });
    const f = feeds(ort);
    out.push({ name: "ort-node", run: async () => (await s.run(f))[output]!.data as Float32Array });
  } catch (e) {
    console.warn(
      `inference: onnxruntime-node unavailable (${(e as Error).message.split("\n")[0]})`,
    );
  }
  try {
    const ort = (await importReal(
      "onnxruntime-web",
    )) as unknown as typeof import("onnxruntime-node") & {
      env: { wasm: { numThreads: number; simd: boolean } };
    };
    ort.env.wasm.numThreads = 1;
    const s = await ort.InferenceSession.create(model, {
      executionProviders: ["wasm"],
    });
    const f = feeds(ort);
    out.push({ name: "ort-web", run: async () => (await s.run(f))[output]!.data as Float32Array });
  } catch (e) {
    console.warn(`inference: onnxruntime-web unavailable (${(e as Error).message.split("\n")[0]})`);
  }
  return out;
}

/** Largest |y − ref| over the reference's entries. */
export function maxAbsDiff(y: ArrayLike<number>, ref: ArrayLike<number>): number {
  let e = y.length === ref.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < ref.length; i++) e = Math.max(e, Math.abs(y[i]! - ref[i]!));
  return Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
}

/** What `timeInterleaved` gives per contender, as the row's records (bench/timing.ts `Timing`). */
export interface InterleavedTimes {
  /** Median wall ms and median CPU ms (helper tail included) per contender. */
  readonly wall: Record<string, number>;
  readonly cpu: Record<string, number>;
  /** Median and largest helper-thread CPU ms of a run (included in `cpu`); null: unknown. */
  readonly helperMs: Record<string, number | null>;
  readonly helperMaxMs: Record<string, number | null>;
  /** Median MB of heap + ArrayBuffers a run leaves for the next (untimed) gc(). */
  readonly leftMB: Record<string, number>;
  /** Timed samples per contender, and runs per sample (k). */
  readonly reps: Record<string, number>;
  readonly runsPerSample: Record<string, number>;
  /** The whole summary per contender (per-run times of each sample included). */
  readonly timings: Record<string, Timing>;
}

/**
 * Times the contenders interleaved: rounds of one sample each, round-robin, at least 5 rounds
 * and at most 200, until the budget (wall time of the rounds, the untimed gc() and waits
 * included) is spent. A sample is `k` runs back to back, k per contender from three warm-up
 * samples, more while its runs still get faster (timing.ts `Sizer`, as the forward/backward
 * rows: k = 1, then the largest k any asked for: at least SAMPLE_MS of CPU time), a run's time
 * the sample's / k: gc() before a sample leaves the caches cold, which a single S-sized run
 * (~0.1 ms) would pay for more than once over (S lstm, one run per sample: gated-wasm 0.25–0.39
 * ms of CPU against 0.10–0.15 with no gc() between runs). Every sample follows bench/timing.ts's
 * rule (`onceAsync`: gc() and a wait until V8's helper threads are idle, untimed; the k runs,
 * each promise awaited; a second wait whose helper CPU is added to the sample's). A contender
 * that times itself (`timeRuns`: the fma child, by the same rule in its process) gives its own.
 */
export async function timeInterleaved(
  contenders: readonly Contender[],
  budgetMs: number,
): Promise<InterleavedTimes> {
  const sample = async (ct: Contender, k: number): Promise<Run> => {
    const r = await onceAsync(async () => {
      if (ct.timeRuns) return ct.timeRuns(k);
      for (let i = 0; i < k; i++) await ct.run();
    });
    return perRun(r, k);
  };
  const ks = new Map<string, number>();
  const warmups = new Map<string, number>();
  for (const ct of contenders) {
    // three warm-ups, more while the runs still get faster (the agreement check ran each once)
    const z = new Sizer(3);
    while (z.add(await sample(ct, z.k)));
    ks.set(ct.name, z.k);
    warmups.set(ct.name, z.warmups);
  }
  const runs = new Map(contenders.map((ct) => [ct.name, [] as Run[]]));
  const t0 = performance.now();
  for (let round = 0; round < 200; round++) {
    for (const ct of contenders) runs.get(ct.name)!.push(await sample(ct, ks.get(ct.name)!));
    if (round >= 4 && performance.now() - t0 > budgetMs) break;
  }
  const timings = Object.fromEntries(
    [...runs].map(([n, rs]) => [n, summarize(rs, warmups.get(n)!, ks.get(n))]),
  );
  const pick = <K extends keyof Timing>(k: K) =>
    Object.fromEntries(Object.entries(timings).map(([n, t]) => [n, t[k]]));
  return {
    wall: pick("wallMedianMs"),
    cpu: pick("medianMs"),
    helperMs: pick("helperMs"),
    helperMaxMs: pick("helperMaxMs"),
    leftMB: pick("leftMB"),
    reps: pick("reps"),
    runsPerSample: Object.fromEntries(ks),
    timings,
  };
}

/** The row's log text: wall ms (CPU ms) per contender, or why one is missing. */
/** A row's timing fields from an interleaved measurement (CPU medians, helper CPU, samples). */
export function timedFields(
  t: InterleavedTimes,
): Pick<InferenceRow, "cpuMs" | "helperMs" | "helperMaxMs" | "leftMB" | "reps" | "runsPerSample"> {
  return {
    cpuMs: t.cpu,
    helperMs: t.helperMs,
    helperMaxMs: t.helperMaxMs,
    leftMB: t.leftMB,
    reps: t.reps,
    runsPerSample: t.runsPerSample,
  };
}

export function msText(
  ms: Readonly<Record<string, number | string>>,
  cpuMs: Readonly<Record<string, number>>,
  missing?: boolean,
): string {
  return Object.entries(ms)
    .map(
      ([n, v]) =>
        `${n} ${typeof v === "number" ? `${v.toFixed(3)} ms (cpu ${cpuMs[n]?.toFixed(3) ?? "—"})` : missing ? "missing" : v}`,
    )
    .join(", ");
}

/** Runs the inference comparison; `rounds` interleaved runs per contender. */
export async function inferenceBench(opts: {
  readonly compile: Compile;
  readonly backends: readonly string[];
  readonly configs: readonly InferenceConfig[];
  readonly cells?: readonly ("lstm" | "gru")[];
  readonly budgetMs?: number;
  readonly log?: (s: string) => void;
}): Promise<InferenceRow[]> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const dir = mkdtempSync(path.join(tmpdir(), "gated-onnx-"));
  const rows: InferenceRow[] = [];
  try {
    for (const kind of opts.cells ?? (["lstm", "gru"] as const)) {
      const gates = kind === "lstm" ? ["i", "f", "g", "o"] : ["r", "z", "n"];
      for (const c of opts.configs) {
        const kernels = new Map<string, Kernel>();
        for (const b of opts.backends) {
          try {
            kernels.set(
              b,
              opts.compile(getCell(kind), {
                inputSize: c.I,
                hiddenSize: c.H,
                dtype: "float32",
                backend: b,
              }),
            );
          } catch (e) {
            log(`inference: backend ${b} unavailable (${(e as Error).message.split("\n")[0]})`);
          }
        }
        const k0 = [...kernels.values()][0];
        if (!k0) continue;
        const x = new Float32Array(c.T * c.B * c.I);
        for (let i = 0; i < x.length; i++) x[i] = Math.sin(0.37 * i);
        const state = torchState(k0, gates);
        const file = path.join(dir, `${kind}-${c.name}.onnx`);
        const py = spawnSync(PYTHON, [SCRIPT], {
          input: JSON.stringify({ kind, ...c, out: file, state, x: Array.from(x) }),
          encoding: "utf8",
          maxBuffer: 1 << 28,
          env: { ...process.env, OMP_NUM_THREADS: "1" },
        });
        const ms: Record<string, number | string> = {};
        const maxErr: Record<string, number> = {};
        const contenders: Contender[] = [];
        for (const [b, k] of kernels) {
          const p = k.params();
          p.data.set(k0.initParams({ seed: 7 }).data);
          contenders.push({
            name: `gated-${b}`,
            run: () => k.forward(p, x, { batch: c.B, tape: false }).output,
          });
        }
        // the wasm kernel compiled with fma (relaxed-SIMD products), in a child node with the flag
        const wk = kernels.has("wasm")
          ? (opts.compile(getCell(kind), {
              inputSize: c.I,
              hiddenSize: c.H,
              dtype: "float32",
              backend: "wasm",
              fma: true,
            } as KernelOptions) as CompiledKernel)
          : undefined;
        const fma = wk ? await relaxedContender(wk, k0.initParams({ seed: 7 }).data, x, c.B) : null;
        if (fma && "why" in fma) ms["gated-wasm-fma"] = fma.why;
        else if (fma) contenders.push(fma.contender);
        let ref: number[] | undefined;
        if (py.status === 0) {
          ref = (JSON.parse(py.stdout) as { output: number[] }).output;
          const zeros = { data: new Float32Array(c.B * c.H), dims: [1, c.B, c.H] };
          const inputs: OrtFeeds = {
            x: { data: x, dims: [c.T, c.B, c.I] },
            h0: zeros,
            ...(kind === "lstm" ? { c0: zeros } : {}),
          };
          contenders.push(...(await ortContenders(readFileSync(file), inputs, "y")));
        } else {
          const why = "PyTorch (to export the ONNX model) missing: /usr/bin/python3 with torch";
          ms["ort-node"] = ms["ort-web"] = why;
          log(
            `inference ${kind} ${c.name}: ${why} (${py.stderr?.split("\n").filter(Boolean).at(-1) ?? py.error?.message})`,
          );
        }
        // agreement first: every contender computes the same function on the same weights
        for (const ct of contenders) {
          const y = await ct.run();
          if (ref) maxErr[ct.name] = maxAbsDiff(y, ref);
        }
        const timed = await timeInterleaved(contenders, opts.budgetMs ?? 3000);
        Object.assign(ms, timed.wall);
        if (fma && "close" in fma) fma.close();
        // streaming: one step() at B = 1
        const stepUs: Record<string, number> = {};
        for (const [b] of kernels) {
          const k = opts.compile(getCell(kind), {
            inputSize: c.I,
            hiddenSize: c.H,
            dtype: "float32",
            backend: b,
          }) as Kernel & {
            initialState?(p: unknown, o: { batch: number }): unknown;
            step?(s: unknown, x: ArrayLike<number>): unknown;
          };
          if (!k.initialState || !k.step) continue;
          const st = k.initialState(k.initParams({ seed: 7 }), { batch: 1 });
          const xs = x.subarray(0, c.I);
          const ts: number[] = [];
          for (let i = 0; i < 2000; i++) {
            const s = performance.now();
            k.step(st, xs);
            ts.push(performance.now() - s);
          }
          stepUs[`gated-${b}`] = median(ts.slice(200)) * 1000;
        }
        const flops = scheduleFlops(k0, c.T, c.B);
        const row: InferenceRow = {
          cell: kind,
          config: c.name,
          ms,
          ...timedFields(timed),
          ...(flops === undefined ? {} : { productFlops: flops }),
          maxErr,
          stepUs,
        };
        rows.push(row);
        log(
          `inference ${kind} ${c.name}: ${msText(ms, timed.cpu, true)}${
            Object.keys(stepUs).length
              ? `; step() ${Object.entries(stepUs)
                  .map(([n, v]) => `${n} ${v.toFixed(1)} µs`)
                  .join(", ")}`
              : ""
          }`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
