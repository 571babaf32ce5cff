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
  return shape.map((d) => {
    if (typeof d === "number") return d;
    const v = sizes[d];
    if (v === undefined) {
      const known = Object.keys(sizes).join(", ") || "none";
      throw new Error(`unknown dim "${d}"${where ? ` in ${where}` : ""}: sizes given: ${known}`);
    }
    if (!Number.isInteger(v) || v < 0) throw new Error(`size of dim "${d}" must be a non-negative integer, got ${v}`);
    return v;
  });
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
