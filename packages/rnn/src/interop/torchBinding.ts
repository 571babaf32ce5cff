/**
 * Binding tensors named the PyTorch / fixture way to a sequence model's per-gate parameters.
 *
 * The rule, for block (l, d) with suffix s = `_l{l}` or `_l{l}_reverse` (no suffix needed when
 * the model has one block), and each cell parameter p of that block:
 * 1. a tensor named `p + s` (or `p`) binds whole (e.g. `b_f`, `p_i`, or any custom name);
 * 2. `U_k` ← `Wx_k` (whole), else rows of gate k of `weight_ih`;
 *    `W_k` ← `Wh_k` (whole), else rows of gate k of `weight_hh`;
 *    `bi_k` ← rows of gate k of `bias_ih`; `bh_k` ← rows of gate k of `bias_hh`;
 *    `b_k` ← rows of gate k of `bias_ih` plus those of `bias_hh` (a one-bias cell: the two
 *    torch biases add, so `b_k` = their sum; its gradient equals both of theirs). With one gate
 *    (Elman), k may be any name.
 * Gate k's rows are kH:(k+1)H, k its index in the kind's gate order. Every cell parameter must
 * bind, every tensor element must be bound, shapes must agree; errors name both sides.
 */
import type { Params } from "@gated/codegen";
import type { SequenceModel } from "../layers/sequenceModel.js";
import type { DictTensor, StateDict } from "./stateDict.js";

export interface BindEntry {
  /** Torch/fixture tensor name. */
  readonly source: string;
  /** Element range in the source tensor. */
  readonly offset: number;
  readonly size: number;
  /** The model's (suffixed) parameter name. */
  readonly slot: string;
  /** A second source added into the same slot (the hh bias of a one-bias cell). */
  readonly secondary: boolean;
}

export interface TorchBinding {
  readonly entries: readonly BindEntry[];
  readonly shapes: ReadonlyMap<string, readonly number[]>;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Plans how `shapes` (torch/fixture names) bind to `model`'s parameters. */
export function bindTorch(
  model: SequenceModel,
  shapes: ReadonlyMap<string, readonly number[]>,
  gates: readonly string[],
): TorchBinding {
  const entries: BindEntry[] = [];
  const single = model.numLayers * model.D === 1;
  for (let l = 0; l < model.numLayers; l++)
    for (let d = 0; d < model.D; d++) {
      const s = model.suffix(l, d);
      const find = (base: string) =>
        shapes.has(base + s) ? base + s : single && shapes.has(base) ? base : undefined;
      const slots = model.kernels[l]!.layout;
      const has = (n: string) => slots.some((p) => p.name === n);
      for (const p of slots) {
        const slot = p.name + s;
        const whole = (src: string, secondary = false) => {
          const n = size(shapes.get(src)!);
          if (
            n !== p.size ||
            (shapes.get(src)!.length === p.shape.length &&
              shapes.get(src)!.some((v, i) => v !== p.shape[i]))
          ) {
            throw new Error(
              `${src} has shape ${JSON.stringify(shapes.get(src))}, but cell parameter ${p.name} (block ${slot}) is ${JSON.stringify(p.shape)}`,
            );
          }
          entries.push({ source: src, offset: 0, size: n, slot, secondary });
        };
        const rows = (src: string, gate: string, secondary = false) => {
          const sh = shapes.get(src)!;
          const G = gates.length <= 1 ? 1 : gates.length;
          const k = G === 1 ? 0 : gates.indexOf(gate);
          if (k < 0)
            throw new Error(
              `cell parameter ${p.name}: gate "${gate}" is not one of ${src}'s gates (${gates.join(", ")})`,
            );
          if (sh[0]! % G !== 0)
            throw new Error(`${src} has ${sh[0]} rows, not a multiple of its ${G} gates`);
          const H = sh[0]! / G,
            per = size(sh) / G;
          if (per !== p.size || H !== p.shape[0]) {
            throw new Error(
              `${src} gate ${gate} rows are ${JSON.stringify([H, ...sh.slice(1)])}, but cell parameter ${p.name} is ${JSON.stringify(p.shape)}`,
            );
          }
          entries.push({ source: src, offset: k * per, size: per, slot, secondary });
        };
        const exact = find(p.name);
        if (exact) {
          whole(exact);
          continue;
        }
        const m = /^(U|W|bi|bh|b)_(.+)$/.exec(p.name);
        const gate = m?.[2] ?? "";
        const src = (a: string) => find(a);
        if (m?.[1] === "U" && src(`Wx_${gate}`)) whole(src(`Wx_${gate}`)!);
        else if (m?.[1] === "W" && src(`Wh_${gate}`)) whole(src(`Wh_${gate}`)!);
        else if (m?.[1] === "U" && src("weight_ih")) rows(src("weight_ih")!, gate);
        else if (m?.[1] === "W" && src("weight_hh")) rows(src("weight_hh")!, gate);
        else if (m?.[1] === "bi" && src("bias_ih")) rows(src("bias_ih")!, gate);
        else if (m?.[1] === "bh" && src("bias_hh")) rows(src("bias_hh")!, gate);
        else if (m?.[1] === "b" && src("bias_ih")) {
          rows(src("bias_ih")!, gate);
          if (src("bias_hh") && !has(`bh_${gate}`)) rows(src("bias_hh")!, gate, true);
        } else {
          throw new Error(
            `cell parameter ${p.name} (block ${slot}) binds to no tensor: looked for ${p.name}${s}` +
              (m
                ? `, ${m[1] === "U" ? `Wx_${gate}${s}, weight_ih${s}` : m[1] === "W" ? `Wh_${gate}${s}, weight_hh${s}` : `bias_ih${s}, bias_hh${s}`}`
                : "") +
              ` (tensors: ${[...shapes.keys()].join(", ")})`,
          );
        }
      }
    }
  // every element of every tensor must be bound exactly by some entry
  for (const [name, sh] of shapes) {
    const cover = new Uint8Array(size(sh));
    for (const e of entries) if (e.source === name) cover.fill(1, e.offset, e.offset + e.size);
    const miss = cover.indexOf(0);
    if (miss >= 0)
      throw new Error(
        `tensor ${name} ${JSON.stringify(sh)}: element ${miss} binds to no cell parameter (cell parameters: ${model.kernels[0]!.layout.map((p) => p.name).join(", ")})`,
      );
  }
  return { entries, shapes };
}

/** Model parameters from torch/fixture tensors (each slot = the sum of its sources). */
export function loadTorch(model: SequenceModel, b: TorchBinding, dict: StateDict): Params {
  for (const [name, sh] of b.shapes) {
    const t = dict.get(name);
    if (!t) throw new Error(`missing tensor ${name} ${JSON.stringify(sh)}`);
    if (t.shape.length !== sh.length || t.shape.some((v, i) => v !== sh[i]))
      throw new Error(
        `tensor ${name} has shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(sh)}`,
      );
  }
  for (const name of dict.keys())
    if (!b.shapes.has(name))
      throw new Error(`unexpected tensor ${name} (expected: ${[...b.shapes.keys()].join(", ")})`);
  const p = model.params();
  for (const e of b.entries) {
    const dst = p.get(e.slot),
      src = dict.get(e.source)!.data;
    for (let i = 0; i < e.size; i++) dst[i]! += src[e.offset + i]!;
  }
  return p;
}

/**
 * Torch/fixture tensors from model values. `gradients`: every source of a slot gets the slot's
 * value (the gradient of a sum); otherwise secondary sources get 0, so the torch biases still
 * add up to the cell's one bias.
 */
export function exportTorch(
  b: TorchBinding,
  values: Params,
  opts: { gradients?: boolean } = {},
): StateDict {
  const out: StateDict = new Map();
  for (const [name, sh] of b.shapes)
    out.set(name, { shape: [...sh], data: new Float64Array(size(sh)) } satisfies DictTensor);
  for (const e of b.entries) {
    if (e.secondary && !opts.gradients) continue;
    out.get(e.source)!.data.set(values.get(e.slot), e.offset);
  }
  return out;
}
