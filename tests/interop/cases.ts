/**
 * One sequence run of a cell in gated (reference kernel, float64): random parameters, input,
 * initial states, lengths and cotangents, with the outputs and BPTT gradients the exported
 * versions must reproduce.
 */
import { type Cell, getCell, mulberry32, sequenceModel } from "gated";
import { randomCell, wideCell } from "../audit/cellgen.js";

export interface GatedCase {
  readonly name: string;
  readonly cell: Cell;
  readonly I: number;
  readonly H: number;
  readonly sizes: Record<string, number>;
  readonly T: number;
  readonly B: number;
  readonly params: Record<string, { shape: number[]; data: number[] }>;
  readonly x: number[];
  readonly initial: Record<string, number[]>;
  readonly lengths: number[] | null;
  readonly R: number[];
  readonly Rf: Record<string, number[]>;
  readonly output: number[];
  readonly final: Record<string, number[]>;
  readonly grads: Record<string, number[]>;
  readonly gx: number[];
  readonly ginitial: Record<string, number[]>;
}

/** Cells whose per-step output is a value of its own (`output y = …`, size O), no state. */
export const OUTPUT_CELLS: readonly string[] = [
  `cell readout(x[I]; h[H]) {
  param W_y[O, H]
  h' = tanh(W h + U x + b)
  output y = tanh(W_y h' + b_y) * 2
}`,
  `cell mixed(x[I]; h[H], c[H]) {
  f  = sigmoid(U_f x + W_f h + b_f)
  c' = f * c + (1 - f) * tanh(U_c x + W_c h)
  h' = tanh(c') * f
  output y = V c' + h' * c + P x
}`,
];

/** Every catalogue cell plus `random` random cells (narrow and wide op sets). */
export function exportCells(
  names: readonly string[],
  random: number,
): { name: string; cell: Cell }[] {
  const out = names.map((n) => ({ name: n, cell: getCell(n) }));
  for (let k = 0; k < random; k++) {
    const r = mulberry32(1000 + k);
    const cell = k % 2 === 0 ? randomCell(r, `rc${k}`) : wideCell(r, `wc${k}`);
    out.push({ name: cell.name, cell });
  }
  return out;
}

export function gatedCase(
  name: string,
  cell: Cell,
  opts: {
    T?: number;
    B?: number;
    I?: number;
    H?: number;
    masked?: boolean;
    seed?: number;
    /** Scales x (large values saturate the gates). */
    xScale?: number;
    /** Sizes of the cell's other dims (default G = 2). */
    sizes?: Record<string, number>;
    /** x in (0.5, 1.5) on real steps and 0 on padded ones (cells non-finite at x ≤ 0). */
    positive?: boolean;
  } = {},
): GatedCase {
  const { T = 4, B = 3, H = 4, masked = true, seed = 7 } = opts;
  const I = cell.x.shape[0] === "H" ? H : (opts.I ?? 3);
  const sizes = { G: 2, ...opts.sizes };
  const model = sequenceModel({ cell, inputSize: I, hiddenSize: H, sizes });
  const params = model.initParams({ seed });
  const r = mulberry32(seed * 31 + 5);
  const rand = (n: number, scale = 1) => Array.from({ length: n }, () => (2 * r() - 1) * scale);
  // keep parameters of random cells modest so exponentials stay in range
  for (let i = 0; i < params.data.length; i++)
    params.data[i] = params.data[i]! + 0.1 * (2 * r() - 1);
  const x = rand(T * B * I, opts.xScale ?? 1);
  const states = Object.entries(model.stateSizes);
  const initial = Object.fromEntries(states.map(([s, n]) => [s, rand(B * n, 0.5).map(Math.abs)]));
  const lengths = masked ? [T, Math.max(1, T - 2), 0].slice(0, B) : null;
  if (opts.positive)
    for (let i = 0; i < x.length; i++) {
      const t = Math.floor(i / (B * I));
      const b = Math.floor(i / I) % B;
      x[i] = lengths && t >= lengths[b]! ? 0 : 1 + 0.5 * x[i]!;
    }
  const run = model.forward(params, x, { batch: B, initial, ...(lengths ? { lengths } : {}) });
  const R = rand(run.output.length);
  const Rf = Object.fromEntries(states.map(([s, n]) => [s, rand(B * n)]));
  const g = model.backward(run, { output: R, final: Rf });
  return {
    name,
    cell,
    I,
    H,
    sizes,
    T,
    B,
    params: Object.fromEntries(
      model.layout.map((s) => [
        s.name.replace(/_l0$/, ""),
        { shape: [...s.shape], data: [...params.get(s.name)] },
      ]),
    ),
    x,
    initial,
    lengths,
    R,
    Rf,
    output: [...run.output],
    final: Object.fromEntries(Object.entries(run.final).map(([k, v]) => [k, [...v]])),
    grads: Object.fromEntries(
      model.layout.map((s) => [s.name.replace(/_l0$/, ""), [...g.params.get(s.name)]]),
    ),
    gx: [...g.input],
    ginitial: Object.fromEntries(Object.entries(g.initial).map(([k, v]) => [k, [...v]])),
  };
}

/** Largest |a − b| / max(1, |b|) over two equal-length arrays (Infinity on a length mismatch or a non-number in a). */
export function maxRelDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== "number") return Infinity; // null: a NaN or infinity on the other side
    const d = Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}
