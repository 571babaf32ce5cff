/**
 * Issue 15 (b): custom cells, where ONNX Runtime has no fused kernel. Each cell is exported by
 * gated's own ONNX exporter (`exportOnnx`: one `Scan` over the step body, standard ops) with
 * gated's weights, run by onnxruntime-node and onnxruntime-web, and compared with gated's
 * kernels (each backend, `tape: false`). Agreement comes first: every contender's output is
 * checked against a float64 gated kernel on the same (float32-rounded) weights and input, and a
 * contender off by more than AGREE_TOL is reported as a mismatch and not timed. The rest are
 * timed interleaved like the standard cells (bench/inference.ts `timeInterleaved`: every run by
 * bench/timing.ts's rule; medians of CPU and wall time, helper-thread CPU, leftMB).
 */
import type { Kernel } from "@gated/codegen";
import { type Cell, exportOnnx, getCell, parseCell } from "@gated/rnn";
import {
  type Compile,
  type Contender,
  type InferenceConfig,
  type InferenceRow,
  maxAbsDiff,
  msText,
  type OrtFeeds,
  ortContenders,
  scheduleFlops,
  timedFields,
  timeInterleaved,
} from "./inference.js";

/**
 * The equation-syntax cell: a gated unit with a coupled update gate and a separate output gate
 * over the candidate (not a catalogue cell; what a user would write in the playground).
 */
export const EQUATION_CELL = `
cell coupled_og(x[I]; h[H]) {
  z  = sigmoid(U_z x + W_z h + b_z)
  o  = sigmoid(U_o x + W_o h + b_o)
  n  = tanh(U_n x + W_n (o * h) + b_n)
  h' = h + z * (n - h)
}`;

/** The custom cells of the section: name, and how the cell is built. */
export const CUSTOM_CELLS: readonly { readonly name: string; readonly cell: () => Cell }[] = [
  { name: "peephole_lstm", cell: () => getCell("peephole_lstm") },
  { name: "mgu", cell: () => getCell("mgu") },
  // Greff et al.'s coupled input and forget gate (f = 1 − i)
  { name: "lstm_cifg", cell: () => getCell("lstm_cifg") },
  { name: "coupled_og (syntax)", cell: () => parseCell(EQUATION_CELL) },
];

/**
 * Largest |float32 output − float64 output| accepted before timing. The outputs of these cells
 * lie in [−1, 1]; float32 rounding over T ≤ 100 steps stays below 1e-5, so 1e-4 admits every
 * correct float32 implementation and refuses a different function.
 */
export const AGREE_TOL = 1e-4;

/**
 * The ONNX models' origin: our best export (the input products hoisted out of the Scan as
 * [T, B] GEMMs, parameter-only values computed once, per-step products as batched GEMMs).
 */
export const MODEL = "gated exportOnnx: Scan, input products hoisted";

/** The custom-cell rows: one per cell and config, `model` naming the ONNX model's origin. */
export async function customInferenceBench(opts: {
  readonly compile: Compile;
  readonly backends: readonly string[];
  readonly configs: readonly InferenceConfig[];
  readonly budgetMs?: number;
  readonly log?: (s: string) => void;
}): Promise<InferenceRow[]> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const rows: InferenceRow[] = [];
  for (const { name, cell: build } of CUSTOM_CELLS) {
    const cell = build();
    for (const c of opts.configs) {
      const dims = { inputSize: c.I, hiddenSize: c.H };
      const kernels = new Map<string, Kernel>();
      for (const b of opts.backends) {
        try {
          kernels.set(b, opts.compile(cell, { ...dims, dtype: "float32", backend: b }));
        } catch (e) {
          log(
            `inference ${name}: backend ${b} unavailable (${(e as Error).message.split("\n")[0]})`,
          );
        }
      }
      const k0 = [...kernels.values()][0];
      if (!k0) continue;
      const weights = k0.initParams({ seed: 7 });
      const x = new Float32Array(c.T * c.B * c.I);
      for (let i = 0; i < x.length; i++) x[i] = Math.sin(0.37 * i);
      // the truth: float64 on the same float32-rounded weights and input
      const truthK = opts.compile(cell, { ...dims, dtype: "float64", backend: "js" });
      const truth = truthK.forward(truthK.params(weights.data), x, { batch: c.B }).output;
      const contenders: Contender[] = [];
      for (const [b, k] of kernels) {
        const p = k.params(weights.data);
        contenders.push({
          name: `gated-${b}`,
          run: () => k.forward(p, x, { batch: c.B, tape: false }).output,
        });
      }
      const model = exportOnnx(cell, {
        ...dims,
        dtype: "float32",
        params: new Map(k0.layout.map((s) => [s.name, weights.get(s.name)])),
      });
      const inputs: OrtFeeds = {
        x: { data: x, dims: [c.T, c.B, c.I] },
        ...Object.fromEntries(
          Object.entries(k0.stateSizes).map(([s, n]) => [
            `init_${s}`,
            { data: new Float32Array(c.B * n), dims: [c.B, n] },
          ]),
        ),
      };
      contenders.push(...(await ortContenders(model, inputs, "output")));
      const ms: Record<string, number | string> = {};
      const maxErr: Record<string, number> = {};
      const agreeing: Contender[] = [];
      for (const ct of contenders) {
        const e = maxAbsDiff(await ct.run(), truth);
        maxErr[ct.name] = e;
        if (e <= AGREE_TOL) agreeing.push(ct);
        else {
          ms[ct.name] = `mismatch: max |Δ| ${e.toExponential(1)} > ${AGREE_TOL}`;
          log(`inference ${name} ${c.name}: ${ct.name} NOT TIMED, ${ms[ct.name]}`);
        }
      }
      const timed = await timeInterleaved(agreeing, opts.budgetMs ?? 3000);
      Object.assign(ms, timed.wall);
      const productFlops = scheduleFlops(k0, c.T, c.B);
      rows.push({
        cell: name,
        config: c.name,
        model: MODEL,
        ms,
        ...timedFields(timed),
        ...(productFlops === undefined ? {} : { productFlops }),
        maxErr,
      });
      log(
        `inference ${name} ${c.name} (ONNX by gated's exporter): ${msText(ms, timed.cpu)}; max |Δ| vs float64 ${Math.max(...Object.values(maxErr)).toExponential(1)}`,
      );
    }
  }
  return rows;
}
