/**
 * Analytic FLOP counts (only the matrix products; elementwise work is not counted).
 *
 * A product of `rows` vectors of length `in` by an [out, in] matrix costs 2·rows·in·out FLOPs.
 * A gated cell with G gate blocks (LSTM G = 4: i, f, g, o; GRU G = 3: r, z, n) does, per
 * sequence of T steps and batch B:
 *   forward:  input products  2·T·B·I·(G·H)   +  recurrent products 2·T·B·H·(G·H)
 *             = 2·T·B·(I + H)·G·H
 *   backward: the same products transposed, twice: once for the inputs/states (dX, dh) and once
 *             for the weights (dU, dW), so 2 × forward
 *   forward + backward = 3 × forward = 6·T·B·(I + H)·G·H
 */
export type Mode = "fwd" | "fwd+bwd";

/** Gate blocks per cell kind. */
export const GATE_BLOCKS: Readonly<Record<string, number>> = { lstm: 4, gru: 3 };

export function flops(
  cell: string,
  mode: Mode,
  T: number,
  B: number,
  I: number,
  H: number,
): number {
  const G = GATE_BLOCKS[cell];
  if (G === undefined) throw new Error(`flops: unknown cell ${cell}`);
  const fwd = 2 * T * B * (I + H) * G * H;
  return mode === "fwd" ? fwd : 3 * fwd;
}

export const FLOP_FORMULA =
  "matrix products only: 2·rows·in·out each; forward = 2·T·B·(I+H)·G·H with G gate blocks (LSTM 4, GRU 3); forward+backward = 3 × forward";
