/**
 * Round trip: for random cell texts, parse(print(parse(text))) has the very same next-state
 * nodes (interning makes the comparison exact) and parameters, and printing is idempotent.
 * The same tree written with redundant parentheses, comments and continued lines parses to the
 * same graph. Every catalogue cell round-trips too.
 */

import { fc, test as ftest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { CATALOGUE, type Cell, checkCellText, parseCell, printCell } from "../src/index.js";

const RUNS = Number(process.env["FC_RUNS"] ?? 150);

type E =
  | { k: "name"; name: string }
  | { k: "num"; v: number; shaped: boolean }
  | { k: "bin"; op: "+" | "-" | "*" | "/"; a: E; b: E }
  | { k: "neg"; a: E }
  | { k: "mv"; m: string; v: E }
  | { k: "fn"; f: string; a: E };

const FNS = ["sigmoid", "tanh", "exp", "relu", "softplus", "abs", "square", "σ"];
const PREC = { "+": 10, "-": 10, "*": 20, "/": 20 } as const;

/** A vector [H] expression over the names in scope. */
function vec(scope: readonly string[], depth: number): fc.Arbitrary<E> {
  const leaves: fc.Arbitrary<E>[] = [
    fc.constantFrom(...scope).map((name): E => ({ k: "name", name })),
    fc.integer({ min: 0, max: 2 }).map((i): E => ({ k: "name", name: `b_${i}` })),
    fc
      .integer({ min: 0, max: 2 })
      .map((i): E => ({ k: "mv", m: `U_${i}`, v: { k: "name", name: "x" } })),
  ];
  if (depth <= 0) return fc.oneof(...leaves);
  const sub = vec(scope, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(...leaves) },
    {
      weight: 2,
      arbitrary: fc
        .record({ op: fc.constantFrom("+", "-", "*", "/"), a: sub, b: sub })
        .map((r): E => ({ k: "bin", ...r })),
    },
    { weight: 1, arbitrary: sub.map((a): E => ({ k: "neg", a })) },
    {
      weight: 2,
      arbitrary: fc
        .record({ i: fc.integer({ min: 0, max: 2 }), v: sub })
        .map((r): E => ({ k: "mv", m: `W_${r.i}`, v: r.v })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ f: fc.constantFrom(...FNS), a: sub })
        .map((r): E => ({ k: "fn", ...r })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          v: fc.constantFrom(1, 2, 0.5, -0.5, 1e-3),
          shaped: fc.boolean(),
          op: fc.constantFrom("+", "-", "*"),
          left: fc.boolean(),
          a: sub,
        })
        .map((r): E => {
          const c: E = { k: "num", v: r.v, shaped: r.shaped };
          return { k: "bin", op: r.op, a: r.left ? c : r.a, b: r.left ? r.a : c };
        }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ i: fc.integer({ min: 0, max: 2 }), s: fc.constantFrom(...scope) }).map(
        (r): E => ({
          k: "bin",
          op: "*",
          a: { k: "name", name: `p_${r.i}` },
          b: { k: "name", name: r.s },
        }),
      ),
    },
  );
}

/** Renders with minimal parentheses, or (noise) with redundant ones and continued lines. */
function render(e: E, noise?: () => number): { s: string; p: number } {
  const wrap = (r: { s: string; p: number }, ok: boolean) =>
    ok && !(noise && noise() < 0.25) ? r.s : `(${r.s})`;
  switch (e.k) {
    case "name":
      return { s: e.name, p: 100 };
    case "num":
      return { s: `${e.v}${e.shaped ? "[H]" : ""}`, p: e.v < 0 ? 30 : 100 };
    case "neg": {
      const a = render(e.a, noise);
      return { s: `-${wrap(a, a.p > 30)}`, p: 30 };
    }
    case "mv": {
      const v = render(e.v, noise);
      return { s: `${e.m} ${wrap(v, v.p >= 40)}`, p: 40 };
    }
    case "fn":
      return { s: `${e.f}(${render(e.a, noise).s})`, p: 100 };
    case "bin": {
      const p = PREC[e.op];
      const a = render(e.a, noise);
      const b = render(e.b, noise);
      const br = noise && noise() < 0.2 ? " # continued\n      " : " ";
      return { s: `${wrap(a, a.p >= p)} ${e.op}${br}${wrap(b, b.p > p)}`, p };
    }
  }
}

interface Spec {
  states: string[];
  lets: { name: string; e: E }[];
}

const specArb: fc.Arbitrary<Spec> = fc
  .record({ nStates: fc.integer({ min: 1, max: 3 }), nLocals: fc.integer({ min: 0, max: 4 }) })
  .chain(({ nStates, nLocals }) => {
    const states = ["h", "c", "m"].slice(0, nStates);
    const names = [
      ...Array.from({ length: nLocals }, (_, k) => `g${k}`),
      ...states.map((s) => `${s}'`),
    ];
    // each equation may use the states and every value defined above it
    const arbs = names.map((_, k) => vec([...states, ...names.slice(0, k)], 3));
    return fc
      .tuple(...arbs)
      .map((es) => ({ states, lets: names.map((name, k) => ({ name, e: es[k]! })) }));
  });

const SHAPES: Readonly<Record<string, string>> = { U: "H, I", W: "H, H", b: "H", p: "H" };

/**
 * The cell's text. Parameters in `declare` get a `param` line; `"auto"` declares all of them
 * only where inference alone cannot decide (a random cell may leave U_0's rows free).
 */
function cellText(
  spec: Spec,
  noise?: () => number,
  declare: "auto" | "all" | "none" = "auto",
): string {
  if (declare === "auto") {
    const bare = cellText(spec, noise, "none");
    try {
      checkCellText(bare);
      return bare;
    } catch (e) {
      if (!(e as Error).message.includes("cannot infer")) throw e;
      return cellText(spec, noise, "all");
    }
  }
  const body = spec.lets.map(({ name, e }) => `${name} = ${render(e, noise).s}`);
  // every local must reach a next state: add the ones no later equation uses to the first
  const used = (name: string, k: number) =>
    body
      .slice(k + 1)
      .some((l) =>
        new RegExp(`(^|[^\\w'])${name}(?![\\w'])`).test(l.split(" = ").slice(1).join(" = ")),
      );
  const extra = spec.lets
    .filter((l, k) => !l.name.endsWith("'") && !used(l.name, k))
    .map((l) => l.name);
  const first = body.findIndex((l) => l.startsWith(`${spec.states[0]}' = `));
  if (extra.length)
    body[first] =
      `${spec.states[0]}' = (${body[first]!.slice(spec.states[0]!.length + 4)}) + ${extra.join(" + ")}`;
  const head = `cell rnd(x[I]; ${spec.states.map((s) => `${s}[H]`).join(", ")})`;
  if (declare === "all") {
    const params = [...new Set(body.join("\n").match(/\b[UWbp]_\d\b/g) ?? [])].sort();
    body.unshift(...params.map((n) => `param ${n}[${SHAPES[n[0]!]}]`));
  }
  return `${head} {\n${body.map((l) => `  ${l}`).join(noise ? "\n\n  # comment\n" : "\n")}\n}`;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function expectSameCell(a: Cell, b: Cell): void {
  expect(a.state.map((s) => s.name)).toEqual(b.state.map((s) => s.name));
  a.state.forEach((s, k) => expect(s.next).toBe(b.state[k]!.next));
  expect(a.output).toBe(b.output);
  expect(a.paramInfo.map((p) => [p.node, p.role, p.init])).toEqual(
    b.paramInfo.map((p) => [p.node, p.role, p.init]),
  );
}

describe("round trip through the equation syntax", () => {
  ftest.prop([specArb], { numRuns: RUNS, seed: 20261127 })(
    "parse(print(cell)) is the same cell; printing is idempotent",
    (spec) => {
      const cell = parseCell(cellText(spec));
      const text = printCell(cell);
      const again = parseCell(text);
      expectSameCell(again, cell);
      expect(printCell(again)).toBe(text);
    },
  );

  ftest.prop([specArb, fc.integer()], { numRuns: RUNS, seed: 7 })(
    "redundant parentheses, comments and continued lines change nothing",
    (spec, seed) => {
      const plain = parseCell(cellText(spec));
      const noisy = parseCell(cellText(spec, lcg(seed)));
      expectSameCell(noisy, plain);
    },
  );

  test.each(Object.keys(CATALOGUE))("catalogue cell %s", (name) => {
    const cell = (CATALOGUE as unknown as Record<string, () => Cell>)[name]!();
    const text = printCell(cell);
    expectSameCell(parseCell(text), cell);
  });
});
