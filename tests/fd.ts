/**
 * Finite-difference oracles for the property suites: central differences with Richardson
 * extrapolation (error O(h⁴)), stop-gradient nodes frozen at their base value (what autodiff
 * differentiates), and detection of stencils that straddle a kink (relu at 0, max at a tie,
 * a comparison flipping), where no derivative exists and the point is skipped.
 */
import {
  apply,
  evaluate,
  evaluateAll,
  input,
  type Node,
  resolveShape,
  type Sizes,
  topo,
} from "@gated/graph";
import { stopGradient } from "@gated/ops";
import { rng } from "./arbitraries.js";

export type Values = Record<string, Float64Array>;

/** Step for central differences; with Richardson the truncation error is ~h⁴·f⁽⁵⁾. */
export const H_STEP = 1e-3;

/** A random vector per leaf, entries uniform in [−1, 1]. */
export function randomLike(
  nodes: readonly Node[],
  values: Values | Sizes,
  seed: number,
  names = nodes.map((n) => n.label!),
): Values {
  const r = rng(seed);
  const out: Values = {};
  nodes.forEach((n, i) => {
    const size = sizeIn(n, values);
    out[names[i]!] = Float64Array.from({ length: size }, () => 2 * r() - 1);
  });
  return out;
}

function sizeIn(n: Node, values: Values | Sizes): number {
  const v = (values as Values)[n.label!];
  if (v instanceof Float64Array) return v.length;
  return resolveShape(n.shape, values as Sizes).reduce((a, b) => a * b, 1);
}

export function dot(a: readonly Float64Array[], b: readonly Float64Array[]): number {
  let s = 0;
  a.forEach((x, k) => x.forEach((v, i) => (s += v * b[k]![i]!)));
  return s;
}

/** `base + t·dir` for the leaves named in `dir`. */
export function shift(base: Values, dir: Values, t: number): Values {
  const out: Values = { ...base };
  for (const [k, d] of Object.entries(dir)) out[k] = base[k]!.map((v, i) => v + t * d[i]!);
  return out;
}

/** `outputs` with each stopGradient node replaced by a leaf bound to its value at `at`. */
export function freezeStops(
  outputs: readonly Node[],
  at: Values,
  sizes: Sizes,
): { outputs: Node[]; frozen: Values } {
  const nodes = topo(outputs);
  if (!nodes.some((n) => n.op === stopGradient)) return { outputs: [...outputs], frozen: {} };
  const values = evaluateAll(outputs, at, sizes);
  const map = new Map<Node, Node>();
  const frozen: Values = {};
  for (const n of nodes) {
    if (n.op === stopGradient) {
      const name = `sg${Object.keys(frozen).length}`;
      frozen[name] = values.get(n)!.data;
      map.set(n, input(name, n.shape));
    } else if (n.op.kind === "leaf") map.set(n, n);
    else
      map.set(
        n,
        apply(
          n.op,
          n.inputs.map((x) => map.get(x)!),
          n.attrs,
        ),
      );
  }
  return { outputs: outputs.map((o) => map.get(o)!), frozen };
}

/** The piecewise-constant nodes (comparisons, sign) whose flips mark a kink. */
export function kinkNodes(outputs: readonly Node[]): Node[] {
  return topo(outputs).filter((n) => n.op.differentiable === false && n.op !== stopGradient);
}

/** Does any kink node change value between `base` and the stencil points? */
export function crossesKink(
  nodes: readonly Node[],
  base: Values,
  dir: Values,
  sizes: Sizes,
  h = H_STEP,
): boolean {
  if (!nodes.length) return false;
  const at = (t: number) => evaluate(nodes, shift(base, dir, t), sizes);
  const ref = at(0);
  return [-h, -h / 2, h / 2, h].some((t) =>
    at(t).some((v, k) => v.some((x, i) => !Object.is(x, ref[k]![i]!))),
  );
}

/**
 * d/dt f(base + t·dir) at t = 0 by central differences, Richardson-extrapolated:
 * (4·D(h/2) − D(h)) / 3.
 */
export function directional(
  f: (v: Values) => number,
  base: Values,
  dir: Values,
  h = H_STEP,
): number {
  const d = (s: number) => (f(shift(base, dir, s)) - f(shift(base, dir, -s))) / (2 * s);
  return (4 * d(h / 2) - d(h)) / 3;
}

/** |a − b| relative to the larger magnitude, with a floor for values near zero. */
export function relErr(a: number, b: number, floor = 1e-6): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}
