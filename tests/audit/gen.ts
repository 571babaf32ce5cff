/** Random graphs for the audit: own generator and seeded RNG, public API only. */
import {
  abs,
  broadcastTo,
  concat,
  constant,
  div,
  exp,
  greater,
  input,
  log,
  log1p,
  logsigmoid,
  logsumexp,
  matmul,
  matvec,
  maximum,
  mean,
  minimum,
  mul,
  mulberry32,
  type Node,
  outer,
  param,
  pow,
  reciprocal,
  reduceMax,
  relu,
  reshape,
  sigmoid as sigmoidOp,
  slice,
  softmax,
  softplus,
  sqrt,
  square,
  sub,
  sum,
  tanh as tanhOp,
  transpose,
  where,
} from "gated";

export const SIZES = { H: 3, K: 2 };

/** The project's public seeded PRNG (mulberry32). */
export const rng = (seed: number): (() => number) => mulberry32(seed);

export type Kind = "s" | "v" | "m"; // scalar [], vector [H], matrix [H, K]
export const SHAPES: Record<Kind, (string | number)[]> = { s: [], v: ["H"], m: ["H", "K"] };
export const kindOf = (n: Node): Kind | undefined => {
  const s = n.shape.join(",");
  return s === "" ? "s" : s === "H" ? "v" : s === "H,K" ? "m" : undefined;
};

/** Strictly positive, smooth, away from 0: domain guard for log/sqrt/div/reciprocal/pow. */
export const pos = (x: Node): Node => softplus(x).add(0.2);
/**
 * The ops whose derivative is written on their output (tanh′ = 1 − t², σ′ = s(1 − s)): a
 * graph can be built with others of the same forward (see compileGraph.audit's error scale).
 */
export interface SaturatingOps {
  readonly tanh: (x: Node) => Node;
  readonly sigmoid: (x: Node) => Node;
}

export interface Graph {
  out: Node;
  leaves: Node[];
  pool: Node[];
}

/**
 * Builds a random graph; `smooth` leaves out ops with kinks (abs, relu, max/min, where,
 * reduceMax). The same `r` state and `smooth` build the same graph whatever `ops` are.
 */
export function randomGraph(
  r: () => number,
  smooth: boolean,
  { tanh, sigmoid }: SaturatingOps = { tanh: tanhOp, sigmoid: sigmoidOp },
): Graph {
  // a value in (-1, 1) strictly, for log1p near its edge (−1 < x)
  const unit = (x: Node): Node => tanh(x).mul(0.9);
  const a = param("a", ["H"]),
    b = param("b", ["H"]),
    s = param("s", []),
    M = param("M", ["H", "K"]);
  const x = input("x", ["K"]);
  const leaves = [a, b, s, M, x];
  const pool: Node[] = [a, b, s, M, x, constant(0.7), constant(-1.3, ["H"])];
  const pick = (k?: Kind): Node => {
    const cands = k
      ? pool.filter((n) => kindOf(n) === k)
      : pool.filter((n) => kindOf(n) !== undefined);
    // bias towards recent nodes (deep chains) but keep reusing old ones (shared subexpressions)
    const i =
      r() < 0.6
        ? cands.length - 1 - Math.floor(r() * Math.min(3, cands.length))
        : Math.floor(r() * cands.length);
    return cands[Math.max(0, i)]!;
  };
  const unaries: ((n: Node) => Node)[] = [
    (n) => exp(tanh(n)),
    (n) => log(pos(n)),
    (n) => log1p(unit(n)),
    (n) => sqrt(pos(n)),
    (n) => square(n),
    (n) => reciprocal(pos(n)),
    (n) => pow(pos(n), 1.5),
    (n) => pow(n, 3),
    (n) => pow(pos(n), -0.5),
    (n) => tanh(n),
    (n) => sigmoid(n),
    (n) => logsigmoid(n),
    (n) => softplus(n),
    (n) => n.neg(),
    (n) => n.mul(n),
    (n) => sigmoid(n).mul(tanh(n)),
  ];
  const kinky: ((n: Node) => Node)[] = [
    (n) => abs(n),
    (n) => relu(n),
    (n) => maximum(n, pick(kindOf(n))),
    (n) => minimum(n, 0.1),
    (n) => where(greater(n, 0.05), n.mul(2), sigmoid(n)),
  ];
  const binaries: ((p: Node, q: Node) => Node)[] = [
    (p, q) => p.add(q),
    (p, q) => sub(p, q),
    (p, q) => mul(p, q),
    (p, q) => div(p, pos(q)),
  ];
  const steps = 4 + Math.floor(r() * 10);
  for (let i = 0; i < steps; i++) {
    const c = r();
    let n: Node;
    if (c < 0.35) {
      const fs = smooth || r() < 0.7 ? unaries : kinky;
      n = fs[Math.floor(r() * fs.length)]!(pick());
    } else if (c < 0.7) {
      // broadcasting: scalar against vector/matrix, vector against vector, same leaf twice
      const p = pick();
      const kq = r() < 0.4 ? "s" : kindOf(p)!;
      n = binaries[Math.floor(r() * binaries.length)]!(p, pick(kq));
    } else if (c < 0.78) {
      n = matvec(pick("m"), r() < 0.5 ? x : tanh(x));
    } else if (c < 0.83) {
      n = matvec(transpose(pick("m")), pick("v"));
      n = broadcastTo(sum(n), ["H"]).add(pick("v"));
    } else if (c < 0.87) {
      n = outer(pick("v"), x).add(pick("m"));
    } else if (c < 0.9) {
      n = r() < 0.5 ? sum(pick("m"), 1) : mean(pick("m"), 1);
    } else if (c < 0.93) {
      const v = pick("v");
      n = concat([slice(v, 0, 1, 3), slice(v, 0, 0, 1)], 0);
    } else if (c < 0.95) {
      n = r() < 0.5 || smooth ? logsumexp(pick("v")) : reduceMax(pick("v"));
    } else if (c < 0.97) {
      n = softmax(pick("v"));
    } else {
      n = reshape(matmul(reshape(pick("v"), ["H", 1]), reshape(x, [1, "K"])), ["H", "K"]);
    }
    pool.push(n);
  }
  // readout: weighted sum of the last few nodes (so several outputs share subexpressions)
  let out = constant(0);
  const last = pool.slice(-3);
  last.forEach((n, i) => {
    out = out.add(sum(tanh(n).mul(0.5 + i)));
  });
  return { out, leaves, pool };
}

export function valuesFor(r: () => number, leaves: Node[]): Record<string, Float64Array> {
  const b: Record<string, Float64Array> = {};
  for (const l of leaves) {
    const n = l.shape.reduce<number>(
      (p, d) => p * (typeof d === "number" ? d : SIZES[d as "H" | "K"]),
      1,
    );
    b[l.label!] = Float64Array.from({ length: n }, () => 2 * r() - 1);
  }
  return b;
}
/** Central difference with Richardson extrapolation (error O(h⁴)). */
export function fd(f: (e: number) => number, h: number): number {
  const d1 = (f(h) - f(-h)) / (2 * h);
  const d2 = (f(h / 2) - f(-h / 2)) / h;
  return (4 * d2 - d1) / 3;
}
