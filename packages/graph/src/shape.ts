/**
 * Shapes with symbolic dims. A dim is a concrete size (`4`) or a name bound later (`"H"`).
 * Cells are written once for any size; `resolveShape` binds the names at evaluation or
 * compile time.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];
/** Sizes for symbolic dims, e.g. `{ H: 5, I: 4 }`. */
export type Sizes = Readonly<Record<string, number>>;

export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Numpy-style broadcasting on trailing dims: equal dims match, a dim of 1 stretches.
 * Symbolic dims only match themselves (H and I may be bound to equal sizes later, but a cell
 * that adds them is almost surely a typo, so it is an error here).
 */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let k = 0; k < n; k++) {
    const da = a[a.length - n + k] ?? 1;
    const db = b[b.length - n + k] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new Error(`shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
  }
  return out;
}

/** Binds every symbolic dim; the error names the dim and the sizes that were given. */
export function resolveShape(shape: Shape, sizes: Sizes, where = ""): number[] {
  return shape.map((d) => resolveDim(d, sizes, where));
}

/**
 * Binds one dim. Besides names, a dim may be a linear form over names, such as "2*H" or
 * "H+I-1": what concatenating or slicing along a symbolic axis produces (see `addDims`).
 */
export function resolveDim(d: Dim, sizes: Sizes, where = ""): number {
  if (typeof d === "number") return d;
  const lin = Object.hasOwn(sizes, d) ? null : parseDim(d);
  const names = lin ? Object.keys(lin.terms) : [d];
  let v = lin ? lin.c : 0;
  for (const name of names) {
    const s = Object.hasOwn(sizes, name) ? sizes[name] : undefined;
    if (s === undefined) {
      const known = Object.keys(sizes).join(", ") || "none";
      const inner = name === d ? "" : ` (in "${d}")`;
      throw new Error(
        `unknown dim "${name}"${inner}${where ? ` in ${where}` : ""}: sizes given: ${known}`,
      );
    }
    if (!Number.isInteger(s) || s < 0)
      throw new Error(`size of dim "${name}" must be a non-negative integer, got ${s}`);
    v += (lin ? lin.terms[name]! : 1) * s;
  }
  if (v < 0)
    throw new Error(`dim "${d}" is ${v} for the sizes given${where ? ` in ${where}` : ""}`);
  return v;
}

/** A dim as Σ coefficient·name + constant. */
interface LinearDim {
  readonly terms: Readonly<Record<string, number>>;
  readonly c: number;
}

const TERM = /^(?:(\d+)\*)?([\p{L}_][\p{L}\p{N}_']*)$|^(\d+)$/u;

/** Parses "2*H+I-1"; null when the text is not a linear form. */
export function parseDim(d: Dim): LinearDim | null {
  if (typeof d === "number") return { terms: {}, c: d };
  const terms: Record<string, number> = {};
  let c = 0;
  const parts = d.replace(/\s+/g, "").split(/(?=[+-])/);
  for (const part of parts) {
    const sign = part.startsWith("-") ? -1 : 1;
    const m = TERM.exec(part.replace(/^[+-]/, ""));
    if (!m) return null;
    if (m[3] !== undefined) c += sign * Number(m[3]);
    else terms[m[2]!] = (terms[m[2]!] ?? 0) + sign * (m[1] !== undefined ? Number(m[1]) : 1);
  }
  return { terms, c };
}

function formatDim(l: LinearDim): Dim {
  const names = Object.keys(l.terms)
    .filter((n) => l.terms[n] !== 0)
    .sort();
  if (names.length === 0) return l.c;
  let s = "";
  for (const n of names) {
    const k = l.terms[n]!;
    const mag = Math.abs(k) === 1 ? n : `${Math.abs(k)}*${n}`;
    s += k < 0 ? `-${mag}` : s ? `+${mag}` : mag;
  }
  if (l.c !== 0) s += l.c < 0 ? `${l.c}` : `+${l.c}`;
  return s;
}

function combine(a: Dim, b: Dim, sign: 1 | -1): Dim {
  const la = parseDim(a);
  const lb = parseDim(b);
  if (!la || !lb) throw new Error(`dims ${String(a)} and ${String(b)} are not linear forms`);
  const terms: Record<string, number> = { ...la.terms };
  for (const [n, k] of Object.entries(lb.terms)) terms[n] = (terms[n] ?? 0) + sign * k;
  return formatDim({ terms, c: la.c + sign * lb.c });
}

/** a + b as a canonical dim: `addDims("H", "H")` is "2*H", `addDims("I", 3)` is "I+3". */
export function addDims(a: Dim, b: Dim): Dim {
  return combine(a, b, 1);
}

/** a − b as a canonical dim: `subDims("2*H", "H")` is "H"; numbers when the names cancel. */
export function subDims(a: Dim, b: Dim): Dim {
  return combine(a, b, -1);
}

/** Is `d` a valid dim: a non-negative integer, a name, or a linear form over names? */
export function isDim(d: unknown): d is Dim {
  if (typeof d === "number") return Number.isInteger(d) && d >= 0;
  return typeof d === "string" && parseDim(d) !== null;
}

/**
 * A reshape's sizes once its dims are bound: undefined when both sides have as many values, else
 * the one-line error naming both shapes as written and as bound ([K] = [10] to [H,H] = [3,3]).
 */
export function reshapeMismatch(
  from: Shape,
  to: Shape,
  fromSizes: readonly number[],
  toSizes: readonly number[],
): string | undefined {
  const [n, m] = [sizeOf(fromSizes), sizeOf(toSizes)];
  if (n === m) return undefined;
  const bound = (s: Shape, r: readonly number[]) =>
    s.some((d) => typeof d === "string") ? ` = ${formatShape(r)}` : "";
  return `cannot reshape ${formatShape(from)}${bound(from, fromSizes)} (${n} values) to ${formatShape(to)}${bound(to, toSizes)} (${m} values): the sizes must agree`;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a concrete shape. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k]!;
  }
  return s;
}

/** For each flat index of `outShape`, the flat index of the broadcast input of `inShape`. */
export function broadcastIndex(
  inShape: readonly number[],
  outShape: readonly number[],
): Int32Array {
  const n = outShape.reduce((a, b) => a * b, 1);
  const idx = new Int32Array(n);
  const r = outShape.length;
  const inStr = strides(inShape);
  // stride 0 on axes that are missing or stretched from 1
  const s = outShape.map((d, k) => {
    const j = k - (r - inShape.length);
    return j < 0 || (inShape[j] === 1 && d !== 1) ? 0 : inStr[j]!;
  });
  const counter = new Array<number>(r).fill(0);
  let off = 0;
  for (let k = 0; k < n; k++) {
    idx[k] = off;
    for (let a = r - 1; a >= 0; a--) {
      counter[a]!++;
      off += s[a]!;
      if (counter[a]! < outShape[a]!) break;
      off -= s[a]! * outShape[a]!;
      counter[a] = 0;
    }
  }
  return idx;
}
