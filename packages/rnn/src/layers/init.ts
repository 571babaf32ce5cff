/**
 * Seeded, deterministic initialisation schemes for a layer's parameters, chosen per role:
 *
 * | scheme       | input weights | recurrent weights | biases, diagonals                 |
 * | ------------ | ------------- | ----------------- | --------------------------------- |
 * | `cell`       | the cell's own `InitSpec` per parameter (default U(±1/√H))          |
 * | `pytorch`    | U(±1/√H)      | U(±1/√H)          | U(±1/√H)  (torch.nn.RNN/LSTM/GRU) |
 * | `xavier`     | Glorot U      | Glorot U          | cell's constant init, else 0      |
 * | `orthogonal` | Glorot U      | orthogonal        | cell's constant init, else 0      |
 *
 * "cell's constant init" keeps e.g. a forget-gate bias of 1. Parameters of role `fixed` keep the
 * cell's own init under every scheme. All values come from `initValues`
 * (defineCell.ts) fed by a mulberry32 stream, so a (seed, layer, direction) triple always gives
 * the same numbers.
 */
import {
  type Kernel,
  layoutSize,
  mulberry32,
  type ParamSlot,
  type Recurrence,
} from "@gated/codegen";
import { type Cell, type InitSpec, initValues, type ParamRole } from "../defineCell.js";

export type InitScheme = "cell" | "pytorch" | "xavier" | "orthogonal";

export const INIT_SCHEMES: readonly InitScheme[] = ["cell", "pytorch", "xavier", "orthogonal"];

/** The seed of one (layer, direction) block, mixed so nearby seeds give unrelated streams. */
export function blockSeed(seed: number, layer: number, dir: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (layer + 1), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (dir + 17), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The role of a parameter: the cell's declared role, else guessed from its resolved shape. */
export function roleOf(rec: Recurrence, slot: ParamSlot, kernel: Kernel): ParamRole {
  const info = (rec as Partial<Cell>).paramInfo?.find((p) => p.name === slot.name);
  if (info) return info.role;
  if (slot.shape.length === 1) return "bias";
  if (slot.shape.length === 2 && slot.shape[1] === kernel.inputSize) return "input";
  if (slot.shape.length === 2 && slot.shape[1] === kernel.sizes["H"]) return "recurrent";
  return "other";
}

function specFor(
  rec: Recurrence,
  slot: ParamSlot,
  kernel: Kernel,
  scheme: Exclude<InitScheme, "cell">,
): InitSpec {
  const info = (rec as Partial<Cell>).paramInfo?.find((p) => p.name === slot.name);
  // fixed parameters (e.g. a group-assignment matrix) are structure, not weights: every scheme keeps them
  if (info?.role === "fixed") return info.init;
  // normalisation gains (vectors of role "other" with a constant init, e.g. 1) are 1 under every scheme
  if (slot.shape.length === 1 && info?.role === "other" && info.init.kind === "constant")
    return info.init;
  if (scheme === "pytorch")
    return { kind: "uniform", bound: 1 / Math.sqrt(kernel.sizes["H"] ?? 1) };
  const role = roleOf(rec, slot, kernel);
  if (slot.shape.length === 2)
    return scheme === "orthogonal" && role === "recurrent"
      ? { kind: "orthogonal" }
      : { kind: "xavier" };
  const own = (rec as Partial<Cell>).paramInfo?.find((p) => p.name === slot.name)?.init;
  return own?.kind === "constant" ? own : { kind: "constant", value: 0 };
}

/**
 * Initial values of one kernel's parameters (flat, in the kernel's layout) under a scheme. The
 * random stream is consumed in the cell's own parameter order, so the values do not depend on
 * how a backend packs its layout: reference and compiled kernels start from the same numbers.
 */
export function initBlock(
  rec: Recurrence,
  kernel: Kernel,
  scheme: InitScheme,
  seed: number,
): Float64Array {
  if (!INIT_SCHEMES.includes(scheme))
    throw new Error(
      `init: unknown scheme "${String(scheme)}" (schemes: ${INIT_SCHEMES.join(", ")})`,
    );
  const random = mulberry32(seed);
  const out = new Float64Array(layoutSize(kernel.layout));
  const bound = 1 / Math.sqrt(kernel.sizes["H"] ?? 1);
  for (const node of rec.params) {
    const slot = kernel.layout.find((s) => s.name === node.label);
    if (!slot)
      throw new Error(`init: kernel ${kernel.name} has no slot for parameter ${node.label}`);
    const v =
      scheme === "cell"
        ? (rec.initParam?.(slot.name, slot.shape, random, kernel.sizes) ??
          Float64Array.from({ length: slot.size }, () => (2 * random() - 1) * bound))
        : initValues(specFor(rec, slot, kernel, scheme), slot.shape, random, kernel.sizes);
    if (v.length !== slot.size)
      throw new Error(`init of ${slot.name} gave ${v.length} values, expected ${slot.size}`);
    out.set(v, slot.offset);
  }
  return out;
}
