/**
 * A first-order linear recurrence along the last axis: scan(a, b) is y with
 * y₀ = b₀ and yᵢ = aᵢ·yᵢ₋₁ + bᵢ (`reverse`: from the end, yᵢ = aᵢ·yᵢ₊₁ + bᵢ). The coefficient
 * at the start (a₀, or aₙ₋₁ reversed) is never read. cumsum(x) = scan(1, x) and
 * cumprod(x) = scan(x, [x₀, 0, …]).
 *
 * The derivative is again a scan, the other way: with r = scan(a shifted by one toward the
 * end, g, reversed), ∂b = r and ∂aᵢ = rᵢ·yᵢ₋₁. No division, so cumprod's gradient is exact
 * where x has zeros (as PyTorch's is).
 */
import {
  apply,
  broadcastShapes,
  constant,
  constValue,
  type Dim,
  defineOp,
  formatShape,
  type Node,
  type Op,
  sameShape,
  sizeOf,
  subDims,
  zeros,
} from "@gated/graph";
import { broadcastTo } from "./broadcastTo.js";
import { concat } from "./concat.js";
import { slice } from "./slice.js";

/** The last axis's length and the shape with that axis set to `d`. */
const lastAxis = (x: Node) => x.rank - 1;
const withLast = (x: Node, d: Dim) => x.shape.map((e, j) => (j === lastAxis(x) ? d : e));

/** xᵢ₋₁ along the last axis, 0 at the start. */
export function shiftForward(x: Node): Node {
  const k = lastAxis(x);
  const n = x.shape[k]!;
  return concat([zeros(withLast(x, 1)), slice(x, k, 0, subDims(n, 1))], k);
}

/** xᵢ₊₁ along the last axis, 0 at the end. */
export function shiftBackward(x: Node): Node {
  const k = lastAxis(x);
  const n = x.shape[k]!;
  return concat([slice(x, k, 1, n), zeros(withLast(x, 1))], k);
}

/** y's neighbour the recurrence reads (yᵢ₋₁, or yᵢ₊₁ reversed), 0 at the start. */
const toward = (x: Node, reverse: boolean) => (reverse ? shiftBackward(x) : shiftForward(x));

/**
 * The coefficients of the transposed scan: aᵢ₊₁ at i (aᵢ₋₁ reversed). A filled constant is its
 * own shift: the value it loses at the new start is never read.
 */
const away = (a: Node, reverse: boolean) =>
  constValue(a) !== undefined ? a : reverse ? shiftForward(a) : shiftBackward(a);

export const scan: Op & ((a: Node | number, b: Node, reverse?: boolean) => Node) = defineOp(
  {
    name: "scan",
    kind: "scan",
    arity: 2,
    shape: ([a, b]) => {
      if (!sameShape(a!, b!))
        throw new Error(
          `coefficients ${formatShape(a!)} and terms ${formatShape(b!)} must have one shape`,
        );
      if (b!.length === 0)
        throw new Error("expected at least one axis to scan along, got a scalar");
      return b!;
    },
    evaluate: ([a, b], { reverse }, outShape) => {
      const n = outShape[outShape.length - 1]!;
      const out = new Float64Array(sizeOf(outShape));
      const [ad, bd] = [a!.data, b!.data];
      // n = 0 leaves out empty: the loop does not start
      for (let o = 0; o < out.length; o += n) {
        if (reverse) {
          let y = (out[o + n - 1] = bd[o + n - 1]!);
          for (let i = o + n - 2; i >= o; i--) out[i] = y = ad[i]! * y + bd[i]!;
        } else {
          let y = (out[o] = bd[o]!);
          for (let i = o + 1; i < o + n; i++) out[i] = y = ad[i]! * y + bd[i]!;
        }
      }
      return out;
    },
    vjp: ({ x: [a], out, g, attrs }) => {
      const rev = attrs["reverse"] === true;
      const r = scan(away(a!, rev), g, !rev);
      return [constValue(a!) !== undefined ? null : r.mul(toward(out, rev)), r];
    },
    jvp: ({ x: [a], out, dx: [da, db], attrs }) => {
      const rev = attrs["reverse"] === true;
      const fromA = da ? da.mul(toward(out, rev)) : null;
      const terms = fromA && db ? fromA.add(db) : (fromA ?? db);
      return terms ? scan(a!, terms, rev) : null;
    },
    // positive coefficients keep the random-graph suites' range bounds (filled corners) exact
    domain: [
      { min: 0.25, max: 1.25 },
      { min: -1.5, max: 1.5 },
    ],
    // scan(1, b) from the start is a running sum, and prints as one; cumprod(a) prints as the
    // call that built it
    notation: {
      text: ([a, b], attrs, n) =>
        attrs["reverse"]
          ? `scan(${a}, ${b}; reverse)`
          : a === "1"
            ? `cumsum(${b})`
            : isCumprod(n)
              ? `cumprod(${a})`
              : `scan(${a}, ${b})`,
      latex: ([a, b], attrs, n) =>
        !attrs["reverse"] && a === "\\mathbf{1}"
          ? `\\operatorname{cumsum}\\left(${b}\\right)`
          : !attrs["reverse"] && isCumprod(n)
            ? `\\operatorname{cumprod}\\left(${a}\\right)`
            : `\\operatorname{scan}${attrs["reverse"] ? "^{\\leftarrow}" : ""}\\left(${a}, ${b}\\right)`,
      prec: 100,
    },
  },
  (op) =>
    (a: Node | number, b: Node, reverse = false): Node => {
      if (typeof reverse !== "boolean")
        throw new Error(`scan: reverse must be true or false, got ${String(reverse)}`);
      const an = typeof a === "number" ? constant(a) : a;
      // coefficients and terms broadcast to one shape (scan(1, x), scan(a[H], b[2, H]))
      const shape = scanShape(an.shape, b.shape);
      const [ax, bx] = [broadcastTo(an, shape), broadcastTo(b, shape)];
      // yᵢ = 0·yᵢ₋₁ + bᵢ is the terms themselves, and zero terms scan to zeros
      if (constValue(ax) === 0 || (constValue(bx) === 0 && shape.length > 0)) return bx;
      // the attribute only when reversed: a forward scan prints as scan(a, b)
      return apply(op, [ax, bx], reverse ? { reverse } : {});
    },
);

function scanShape(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  try {
    return [...broadcastShapes(a, b)];
  } catch {
    throw new Error(
      `scan: coefficients ${formatShape(a)} and terms ${formatShape(b)} do not broadcast to one shape`,
    );
  }
}

/** Running sum along the last axis: yᵢ = x₀ + … + xᵢ. ∂ is the running sum of g from the end. */
export function cumsum(x: Node, axis = -1): Node {
  return alongAxis(x, axis, "cumsum", (v) => scan(1, v));
}

/**
 * Running product along the last axis: yᵢ = x₀·…·xᵢ, a scan with aᵢ = xᵢ from the first term
 * x₀. Its gradient involves no division, so it is exact where x has zeros.
 */
export function cumprod(x: Node, axis = -1): Node {
  return alongAxis(x, axis, "cumprod", (v) => {
    const k = lastAxis(v);
    const first = concat([slice(v, k, 0, 1), zeros(withLast(v, subDims(v.shape[k]!, 1)))], k);
    return scan(v, first);
  });
}

/**
 * Is the scan `n` cumprod(a) of its coefficients? Its terms start with a's first entry (checked
 * first, so printing another scan builds no nodes), and cumprod(a) is `n` itself (interned).
 */
function isCumprod(n: Node): boolean {
  const [a, b] = n.inputs as [Node, Node];
  const first = b.op === concat ? b.inputs[0] : undefined;
  if (n.attrs["reverse"] || first?.op !== slice || first.inputs[0] !== a) return false;
  try {
    return cumprod(a) === n;
  } catch {
    return false;
  }
}

/** Applies a last-axis scan along `axis`: the last one, or the rows of a matrix (axis 0). */
function alongAxis(x: Node, axis: number, name: string, f: (v: Node) => Node): Node {
  const r = x.rank;
  const k = Number.isInteger(axis) && axis < 0 ? axis + r : axis;
  if (r === 0) throw new Error(`${name}: expected at least one axis, got a scalar`);
  if (k === r - 1) return f(x);
  if (r === 2 && k === 0) return f(x.transpose()).transpose();
  throw new Error(
    `${name}: axis ${axis} of shape ${formatShape(x.shape)}: only the last axis (or axis 0 of a matrix) can be scanned`,
  );
}
