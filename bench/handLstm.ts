/**
 * A hand-fused LSTM in plain JavaScript: the yardstick of what plain JS can do, which the
 * compiled kernel must come within 1.25× of (issue 4). Same cell as the catalogue's `lstm`
 * (PyTorch form, gates i, f, g, o; the two biases of a gate are summed once when packing).
 *
 * Forward, for x [T][B][I] time-major:
 *   1. hoisted input projection for all T·B rows at once: G = X · Wxᵀ   (Wx packed [4H, I])
 *   2. per step: G_t += h_{t−1} · Whᵀ (Wh packed [4H, H]), then ONE fused loop over [B, H]
 *      computing the four activations, c_t, tanh(c_t), h_t and overwriting G_t with the gate
 *      values (the tape: gates, c, tanh c, h; nothing else).
 * Backward (BPTT):
 *   per step, one fused loop over [B, H] turns dh, dc into the pre-activation gradients dA_t
 *   (written over the taped gates), then the only product in the loop: dh_{t−1} = dA_t · Wh.
 *   After the sweep, one product per weight: dWx = dAᵀ X, dWh = dAᵀ H_prev, db = Σ rows dA,
 *   dX = dA · Wx (all through one register-blocked, cache-tiled A·Bᵀ kernel, with the operands
 *   transposed once so every product is contiguous along its reduction axis).
 */
import { type DenseKernels, denseKernels, instantiate } from "./gemm.js";

type F = Float64Array | Float32Array;
export type HandDType = "float32" | "float64";

/** The elementwise loops, self-contained so each dtype gets its own copy (see `instantiate`). */
function lstmLoops() {
  type A = Float64Array | Float32Array;
  /** Fused gate loop of step t: G_t holds pre-activations (without bias) in, gates out. */
  function gatesForward(
    G: A,
    gOff: number,
    bias: A,
    C: A,
    TC: A,
    Hs: A,
    sOff: number,
    pOff: number,
    first: boolean,
    B: number,
    H: number,
  ): void {
    const H4 = 4 * H;
    for (let b = 0; b < B; b++) {
      const g0 = gOff + b * H4;
      const s0 = sOff + b * H;
      const p0 = pOff + b * H;
      for (let j = 0; j < H; j++) {
        const i = 1 / (1 + Math.exp(-(G[g0 + j]! + bias[j]!)));
        const f = 1 / (1 + Math.exp(-(G[g0 + H + j]! + bias[H + j]!)));
        const g = Math.tanh(G[g0 + 2 * H + j]! + bias[2 * H + j]!);
        const o = 1 / (1 + Math.exp(-(G[g0 + 3 * H + j]! + bias[3 * H + j]!)));
        const c = first ? i * g : f * C[p0 + j]! + i * g;
        const tc = Math.tanh(c);
        G[g0 + j] = i;
        G[g0 + H + j] = f;
        G[g0 + 2 * H + j] = g;
        G[g0 + 3 * H + j] = o;
        C[s0 + j] = c;
        TC[s0 + j] = tc;
        Hs[s0 + j] = o * tc;
      }
    }
  }
  /**
   * Fused backward loop of step t: reads gates from G_t, dh = dY_t + dHrec, carried dc; writes
   * pre-activation gradients over G_t and the carried dc.
   */
  function gatesBackward(
    G: A,
    gOff: number,
    C: A,
    TC: A,
    sOff: number,
    pOff: number,
    first: boolean,
    dY: A | null,
    dHrec: A,
    dC: A,
    B: number,
    H: number,
  ): void {
    const H4 = 4 * H;
    for (let b = 0; b < B; b++) {
      const g0 = gOff + b * H4;
      const s0 = sOff + b * H;
      const p0 = pOff + b * H;
      const d0 = b * H;
      for (let j = 0; j < H; j++) {
        const i = G[g0 + j]!;
        const f = G[g0 + H + j]!;
        const g = G[g0 + 2 * H + j]!;
        const o = G[g0 + 3 * H + j]!;
        const tc = TC[s0 + j]!;
        const dh = (dY === null ? 0 : dY[s0 + j]!) + dHrec[d0 + j]!;
        const dc = dC[d0 + j]! + dh * o * (1 - tc * tc);
        const cp = first ? 0 : C[p0 + j]!;
        G[g0 + j] = dc * g * i * (1 - i);
        G[g0 + H + j] = dc * cp * f * (1 - f);
        G[g0 + 2 * H + j] = dc * i * (1 - g * g);
        G[g0 + 3 * H + j] = dh * tc * o * (1 - o);
        dC[d0 + j] = dc * f;
      }
    }
  }
  /** out[j] = Σ_r A[r, j] over `rows` rows of width n (db = column sums of dA). */
  function colSums(A: A, rows: number, n: number, out: A): void {
    out.fill(0);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      for (let j = 0; j < n; j++) out[j] += A[o + j]!;
    }
  }
  return { gatesForward, gatesBackward, colSums };
}

/** Weights in the catalogue's names, as float64 values (what `loadNamed` reads). */
export type Named = Readonly<Record<string, ArrayLike<number>>>;

export interface HandLstmGrads {
  /** Gradients under the catalogue's names (bi_k and bh_k both get db_k). */
  readonly named: Record<string, F>;
  /** [T][B][I] */
  readonly input: F;
  readonly h0: F;
  readonly c0: F;
}

export interface HandLstm {
  readonly dtype: HandDType;
  /** Packs the catalogue's per-gate parameters (U_k, W_k, bi_k + bh_k, k = i,f,g,o). */
  load(named: Named): void;
  /** Forward over x [T][B][I]; returns h for every step, [T][B][H] (a view, valid until the next call). */
  forward(x: ArrayLike<number>, B: number): F;
  /** BPTT of the last forward given dL/dh_t for every step ([T][B][H]). */
  backward(dY: ArrayLike<number>): HandLstmGrads;
}

const GATES = ["i", "f", "g", "o"] as const;

export function handLstm(dtype: HandDType, I: number, H: number): HandLstm {
  const Arr = dtype === "float32" ? Float32Array : Float64Array;
  const dk: DenseKernels = instantiate(denseKernels);
  const loops = instantiate(lstmLoops);
  const H4 = 4 * H;
  const Wx = new Arr(H4 * I);
  const Wh = new Arr(H4 * H);
  const bias = new Arr(H4);
  let WxT = new Arr(0);
  let WhT = new Arr(0);
  // per-call buffers, grown on demand
  let T = 0,
    B = 0;
  let X = new Arr(0),
    G = new Arr(0),
    C = new Arr(0),
    TC = new Arr(0),
    Hs = new Arr(0);

  const scratch = new Map<string, F>();
  /** A reusable scratch buffer of at least n values (contents unspecified). */
  function buf(name: string, n: number): F {
    let a = scratch.get(name);
    if (!a || a.length < n) scratch.set(name, (a = new Arr(n)));
    return a.length === n ? a : a.subarray(0, n);
  }

  function ensure(t: number, b: number): void {
    const rows = t * b;
    if (G.length < rows * H4) G = new Arr(rows * H4);
    if (C.length < rows * H) {
      C = new Arr(rows * H);
      TC = new Arr(rows * H);
      Hs = new Arr(rows * H);
    }
    if (X.length < rows * I) X = new Arr(rows * I);
  }

  return {
    dtype,
    load(named) {
      GATES.forEach((k, q) => {
        Wx.set(named[`U_${k}`]!, q * H * I);
        Wh.set(named[`W_${k}`]!, q * H * H);
        const bi = named[`bi_${k}`]!;
        const bh = named[`bh_${k}`]!;
        for (let j = 0; j < H; j++) bias[q * H + j] = bi[j]! + bh[j]!;
      });
      WxT = new Arr(I * H4);
      dk.transpose(H4, I, Wx, 0, I, WxT);
      WhT = new Arr(H * H4);
      dk.transpose(H4, H, Wh, 0, H, WhT);
    },
    forward(x, batch) {
      B = batch;
      T = x.length / (B * I);
      ensure(T, B);
      const rows = T * B;
      if (x !== X) X.set(x);
      dk.gemmNT(rows, H4, I, X, 0, I, Wx, 0, I, G, 0, H4, false);
      for (let t = 0; t < T; t++) {
        const gOff = t * B * H4;
        const sOff = t * B * H;
        if (t > 0) dk.gemmNT(B, H4, H, Hs, sOff - B * H, H, Wh, 0, H, G, gOff, H4, true);
        loops.gatesForward(G, gOff, bias, C, TC, Hs, sOff, sOff - B * H, t === 0, B, H);
      }
      return Hs.subarray(0, rows * H);
    },
    backward(dYin) {
      const rows = T * B;
      const dY = dYin instanceof Arr ? (dYin as F) : Arr.from(dYin);
      const dHrec = new Arr(B * H);
      const dC = new Arr(B * H);
      if (dY.length !== rows * H)
        throw new Error(`handLstm.backward: dY needs ${rows * H} values, got ${dY.length}`);
      for (let t = T - 1; t >= 0; t--) {
        const gOff = t * B * H4;
        const sOff = t * B * H;
        loops.gatesBackward(G, gOff, C, TC, sOff, sOff - B * H, t === 0, dY, dHrec, dC, B, H);
        // the one product inside the loop: dh_{t−1} = dA_t · Wh
        dk.gemmNT(B, H, H4, G, gOff, H4, WhT, 0, H4, dHrec, 0, H, false);
      }
      // deferred parameter gradients: one product per weight over all T·B rows
      const dA = G;
      const dAT = buf("dAT", H4 * rows);
      dk.transpose(rows, H4, dA, 0, H4, dAT);
      const XT = buf("XT", I * rows);
      dk.transpose(rows, I, X, 0, I, XT);
      const HsT = buf("HsT", H * rows);
      dk.transpose(rows, H, Hs, 0, H, HsT);
      const dWx = new Arr(H4 * I);
      dk.gemmNT(H4, I, rows, dAT, 0, rows, XT, 0, rows, dWx, 0, I, false);
      const dWh = new Arr(H4 * H);
      if (T > 1) dk.gemmNT(H4, H, rows - B, dAT, B, rows, HsT, 0, rows, dWh, 0, H, false);
      const db = new Arr(H4);
      loops.colSums(dA, rows, H4, db);
      const dX = new Arr(rows * I);
      dk.gemmNT(rows, I, H4, dA, 0, H4, WxT, 0, H4, dX, 0, I, false);
      const named: Record<string, F> = {};
      GATES.forEach((k, q) => {
        named[`U_${k}`] = dWx.subarray(q * H * I, (q + 1) * H * I);
        named[`W_${k}`] = dWh.subarray(q * H * H, (q + 1) * H * H);
        named[`bi_${k}`] = db.subarray(q * H, (q + 1) * H);
        named[`bh_${k}`] = db.subarray(q * H, (q + 1) * H);
      });
      return { named, input: dX, h0: dHrec, c0: dC };
    },
  };
}
