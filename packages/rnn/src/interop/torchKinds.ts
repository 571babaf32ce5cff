/**
 * The recurrent kinds of torch.nn and of the oracle fixtures, with the catalogue cell that
 * implements each and how their parameters are named.
 *
 * Mapping tables (block suffix `_l{l}` / `_l{l}_reverse` on every torch name; G gates of H rows
 * each, gate k = the k-th entry of `gates`, rows kH:(k+1)H):
 *
 * | kind          | torch / fixture tensor        | cell parameter (per gate k)            |
 * | ------------- | ----------------------------- | -------------------------------------- |
 * | rnn_tanh/relu | weight_ih [H, in]             | U_h                                    |
 * |               | weight_hh [H, H]              | W_h                                    |
 * |               | bias_ih [H], bias_hh [H]      | bi_h, bh_h                             |
 * | lstm (i f g o)| weight_ih [4H, in]            | U_i, U_f, U_g, U_o                     |
 * |               | weight_hh [4H, H]             | W_i, W_f, W_g, W_o                     |
 * |               | bias_ih [4H], bias_hh [4H]    | bi_k, bh_k                             |
 * | gru (r z n)   | weight_ih [3H, in] …          | U_r, U_z, U_n; W_k; bi_k; bh_k (bh_n sits inside r ⊙ (…)) |
 * | book_lstm (f i o c), peephole_lstm (i f c o), cho_gru (r z h), mgu (f h)                |
 * |               | Wx_k [H, in], Wh_k [H, H], b_k [H], p_k [H] | U_k, W_k, b_k, p_k       |
 *
 * Hand-written kinds carry no suffix when single-layer and unidirectional (the fixtures' names).
 */

export type TorchKind =
  | "rnn_tanh"
  | "rnn_relu"
  | "lstm"
  | "gru"
  | "book_lstm"
  | "peephole_lstm"
  | "cho_gru"
  | "mgu";

export interface KindInfo {
  /** The catalogue cell (`getCell` name). */
  readonly cell: string;
  /** Gate order of the packed rows (torch kinds) or of the per-gate tensors (hand kinds). */
  readonly gates: readonly string[];
  /** True for torch.nn modules (packed weight_ih/weight_hh/bias_ih/bias_hh). */
  readonly packed: boolean;
  /** Extra per-unit vectors of hand kinds (peepholes), stored after the gates. */
  readonly vectors?: readonly string[];
  /** The fixture's states: h0 and, for LSTMs, c0. */
  readonly states: readonly string[];
}

export const TORCH_KINDS: Readonly<Record<TorchKind, KindInfo>> = {
  rnn_tanh: { cell: "rnn_tanh", gates: ["h"], packed: true, states: ["h"] },
  rnn_relu: { cell: "rnn_relu", gates: ["h"], packed: true, states: ["h"] },
  lstm: { cell: "lstm", gates: ["i", "f", "g", "o"], packed: true, states: ["h", "c"] },
  gru: { cell: "gru", gates: ["r", "z", "n"], packed: true, states: ["h"] },
  book_lstm: { cell: "book_lstm", gates: ["f", "i", "o", "c"], packed: false, states: ["h", "c"] },
  peephole_lstm: {
    cell: "peephole_lstm",
    gates: ["i", "f", "c", "o"],
    packed: false,
    vectors: ["p_i", "p_f", "p_o"],
    states: ["h", "c"],
  },
  cho_gru: { cell: "cho_gru", gates: ["r", "z", "h"], packed: false, states: ["h"] },
  mgu: { cell: "mgu", gates: ["f", "h"], packed: false, states: ["h"] },
};

export const TORCH_KIND_NAMES = Object.keys(TORCH_KINDS) as TorchKind[];

/** The kind's info, or an error listing the known kinds. */
export function kindInfo(kind: string): KindInfo {
  if (!Object.hasOwn(TORCH_KINDS, kind)) {
    throw new Error(`unknown kind ${JSON.stringify(kind)} (kinds: ${TORCH_KIND_NAMES.join(", ")})`);
  }
  return TORCH_KINDS[kind as TorchKind];
}

/** The suffix torch gives block (layer, direction): `_l0`, `_l1_reverse`. */
export const torchSuffix = (layer: number, dir: number): string =>
  `_l${layer}${dir === 1 ? "_reverse" : ""}`;

export interface ModelDims {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers?: number;
  readonly bidirectional?: boolean;
}

/**
 * Tensor names and shapes of a kind, in PyTorch's `named_parameters()` order (hand kinds: the
 * fixtures' storage order; suffixed only when there is more than one block).
 */
export function torchShapes(kind: TorchKind, dims: ModelDims): Map<string, number[]> {
  const info = kindInfo(kind);
  const L = dims.numLayers ?? 1,
    D = dims.bidirectional ? 2 : 1,
    H = dims.hiddenSize,
    G = info.gates.length;
  const out = new Map<string, number[]>();
  for (let l = 0; l < L; l++)
    for (let d = 0; d < D; d++) {
      const inp = l === 0 ? dims.inputSize : D * H;
      if (info.packed) {
        const s = torchSuffix(l, d);
        out
          .set(`weight_ih${s}`, [G * H, inp])
          .set(`weight_hh${s}`, [G * H, H])
          .set(`bias_ih${s}`, [G * H])
          .set(`bias_hh${s}`, [G * H]);
        continue;
      }
      const s = L * D === 1 ? "" : torchSuffix(l, d);
      for (const g of info.gates)
        out.set(`Wx_${g}${s}`, [H, inp]).set(`Wh_${g}${s}`, [H, H]).set(`b_${g}${s}`, [H]);
      for (const p of info.vectors ?? []) out.set(`${p}${s}`, [H]);
    }
  return out;
}
