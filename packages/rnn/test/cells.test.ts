// The catalogue: every cell builds with its documented states and parameters, forget-gate bias
// initialisation, option and name errors, and cross-checks between cells that must agree.

import { mulberry32, referenceKernel } from "@gated/codegen";
import { exp, sigmoid, tanh } from "@gated/ops";
import {
  CATALOGUE,
  CATALOGUE_NAMES,
  type Cell,
  defineCell,
  getCell,
  greffLstm,
  initValues,
  leaky,
} from "@gated/rnn";
import { describe, expect, test } from "vitest";

/** The documented states and parameters (name[shape], in layout order) of every cell. */
const DOC: Record<string, [string, string]> = {
  elman: ["h[H]", "U_h[H,I] W_h[H,H] b_h[H]"],
  elman_relu: ["h[H]", "U_h[H,I] W_h[H,H] b_h[H]"],
  rnn_tanh: ["h[H]", "U_h[H,I] bi_h[H] W_h[H,H] bh_h[H]"],
  rnn_relu: ["h[H]", "U_h[H,I] bi_h[H] W_h[H,H] bh_h[H]"],
  leaky: ["h[H]", "U_h[H,I] W_h[H,H] b_h[H]"],
  leaky_learned: ["h[H]", "a_h[H] U_h[H,I] W_h[H,H] b_h[H]"],
  ind_rnn: ["h[H]", "U_h[H,I] w_h[H] b_h[H]"],
  lstm: [
    "h[H] c[H]",
    "U_i[H,I] bi_i[H] W_i[H,H] bh_i[H] U_f[H,I] bi_f[H] W_f[H,H] bh_f[H] U_g[H,I] bi_g[H] W_g[H,H] bh_g[H] U_o[H,I] bi_o[H] W_o[H,H] bh_o[H]",
  ],
  book_lstm: [
    "h[H] c[H]",
    "U_f[H,I] W_f[H,H] b_f[H] U_i[H,I] W_i[H,H] b_i[H] U_o[H,I] W_o[H,H] b_o[H] U_c[H,I] W_c[H,H] b_c[H]",
  ],
  book_lstm_tanh: [
    "h[H] c[H]",
    "U_f[H,I] W_f[H,H] b_f[H] U_i[H,I] W_i[H,H] b_i[H] U_o[H,I] W_o[H,H] b_o[H] U_c[H,I] W_c[H,H] b_c[H]",
  ],
  peephole_lstm: [
    "h[H] c[H]",
    "U_i[H,I] W_i[H,H] b_i[H] U_f[H,I] W_f[H,H] b_f[H] U_c[H,I] W_c[H,H] b_c[H] U_o[H,I] W_o[H,H] b_o[H] p_i[H] p_f[H] p_o[H]",
  ],
  lstm_nig: [
    "h[H] c[H]",
    "U_f[H,I] W_f[H,H] b_f[H] U_c[H,I] W_c[H,H] b_c[H] U_o[H,I] W_o[H,H] b_o[H] p_f[H] p_o[H]",
  ],
  lstm_nfg: [
    "h[H] c[H]",
    "U_i[H,I] W_i[H,H] b_i[H] U_c[H,I] W_c[H,H] b_c[H] U_o[H,I] W_o[H,H] b_o[H] p_i[H] p_o[H]",
  ],
  lstm_nog: [
    "h[H] c[H]",
    "U_i[H,I] W_i[H,H] b_i[H] U_f[H,I] W_f[H,H] b_f[H] U_c[H,I] W_c[H,H] b_c[H] p_i[H] p_f[H]",
  ],
  lstm_niaf: [
    "h[H] c[H]",
    "U_i[H,I] W_i[H,H] b_i[H] U_f[H,I] W_f[H,H] b_f[H] U_c[H,I] W_c[H,H] b_c[H] U_o[H,I] W_o[H,H] b_o[H] p_i[H] p_f[H] p_o[H]",
  ],
  lstm_noaf: [
    "h[H] c[H]",
    "U_i[H,I] W_i[H,H] b_i[H] U_f[H,I] W_f[H,H] b_f[H] U_c[H,I] W_c[H,H] b_c[H] U_o[H,I] W_o[H,H] b_o[H] p_i[H] p_f[H] p_o[H]",
  ],
  lstm_np: [
    "h[H] c[H]",
    "U_i[H,I] W_i[H,H] b_i[H] U_f[H,I] W_f[H,H] b_f[H] U_c[H,I] W_c[H,H] b_c[H] U_o[H,I] W_o[H,H] b_o[H]",
  ],
  lstm_cifg: [
    "h[H] c[H]",
    "U_i[H,I] W_i[H,H] b_i[H] U_c[H,I] W_c[H,H] b_c[H] U_o[H,I] W_o[H,H] b_o[H] p_i[H] p_o[H]",
  ],
  lstm_fgr: [
    "h[H] c[H] i[H] f[H] o[H]",
    "U_i[H,I] W_i[H,H] b_i[H] U_f[H,I] W_f[H,H] b_f[H] U_c[H,I] W_c[H,H] b_c[H] U_o[H,I] W_o[H,H] b_o[H] p_i[H] R_ii[H,H] R_fi[H,H] R_oi[H,H] p_f[H] R_if[H,H] R_ff[H,H] R_of[H,H] p_o[H] R_io[H,H] R_fo[H,H] R_oo[H,H]",
  ],
  ln_lstm: [
    "h[H] c[H]",
    "U_i[H,I] W_i[H,H] s_i[H] b_i[H] U_f[H,I] W_f[H,H] s_f[H] b_f[H] U_g[H,I] W_g[H,H] s_g[H] b_g[H] U_o[H,I] W_o[H,H] s_o[H] b_o[H] s_c[H] b_c[H]",
  ],
  slstm: [
    "h[H] c[H] n[H] m[H]",
    "U_z[H,I] W_z[H,H] b_z[H] U_i[H,I] W_i[H,H] b_i[H] U_f[H,I] W_f[H,H] b_f[H] U_o[H,I] W_o[H,H] b_o[H]",
  ],
  min_lstm: ["h[H]", "U_f[H,I] b_f[H] U_i[H,I] b_i[H] U_h[H,I] b_h[H]"],
  grouped_gate_lstm: [
    "h[H] c[H]",
    "U_i[H,I] W_i[H,H] b_i[H] U_f[G,I] W_f[G,H] b_f[G] U_g[H,I] W_g[H,H] b_g[H] U_o[H,I] W_o[H,H] b_o[H] E_f[H,G]",
  ],
  global_gate_lstm: [
    "h[H] c[H]",
    "U_i[H,I] W_i[H,H] b_i[H] U_Gi[1,I] W_Gi[1,H] b_Gi[1] U_f[H,I] W_f[H,H] b_f[H] U_Gf[1,I] W_Gf[1,H] b_Gf[1] U_g[H,I] W_g[H,H] b_g[H] U_o[H,I] W_o[H,H] b_o[H] U_Go[1,I] W_Go[1,H] b_Go[1]",
  ],
  gru: [
    "h[H]",
    "U_r[H,I] bi_r[H] W_r[H,H] bh_r[H] U_z[H,I] bi_z[H] W_z[H,H] bh_z[H] U_n[H,I] bi_n[H] W_n[H,H] bh_n[H]",
  ],
  cho_gru: ["h[H]", "U_r[H,I] W_r[H,H] b_r[H] U_z[H,I] W_z[H,H] b_z[H] U_h[H,I] W_h[H,H] b_h[H]"],
  grouped_gate_gru: [
    "h[H]",
    "U_r[G,I] W_r[G,H] b_r[G] U_z[H,I] W_z[H,H] b_z[H] E_r[H,G] U_h[H,I] W_h[H,H] b_h[H]",
  ],
  book_gru: ["h[H]", "U_r[H,I] W_r[H,H] b_r[H] U_z[H,I] W_z[H,H] b_z[H] U_h[H,I] W_h[H,H] b_h[H]"],
  mgu: ["h[H]", "U_f[H,I] W_f[H,H] b_f[H] U_h[H,I] W_h[H,H] b_h[H]"],
  min_gru: ["h[H]", "U_z[H,I] b_z[H] U_h[H,I] b_h[H]"],
  mut1: ["h[H]", "U_z[H,H] b_z[H] U_r[H,H] W_r[H,H] b_r[H] W_h[H,H] b_h[H]"],
  mut2: ["h[H]", "U_z[H,H] W_z[H,H] b_z[H] W_r[H,H] b_r[H] W_h[H,H] U_h[H,H] b_h[H]"],
  mut3: ["h[H]", "U_z[H,I] W_z[H,H] b_z[H] U_r[H,I] W_r[H,H] b_r[H] U_h[H,I] W_h[H,H] b_h[H]"],
};

/** Forget-gate biases that `forgetBias` initialises, per cell (cells absent here have none). */
const FORGET: Record<string, string[]> = {
  lstm: ["bi_f"],
  book_lstm: ["b_f"],
  book_lstm_tanh: ["b_f"],
  peephole_lstm: ["b_f"],
  lstm_nig: ["b_f"],
  lstm_nog: ["b_f"],
  lstm_niaf: ["b_f"],
  lstm_noaf: ["b_f"],
  lstm_np: ["b_f"],
  lstm_fgr: ["b_f"],
  ln_lstm: ["b_f"],
  slstm: ["b_f"],
  min_lstm: ["b_f"],
  grouped_gate_lstm: ["b_f"],
  global_gate_lstm: ["b_f", "b_Gf"],
};

const sizes = { H: 5, I: 3, G: 2 };
const shapeOf = (c: Cell, name: string) =>
  c.paramInfo
    .find((p) => p.name === name)!
    .shape.map((d) => (typeof d === "number" ? d : sizes[d as keyof typeof sizes]));
const initOf = (c: Cell, name: string, seed = 1) =>
  Array.from(c.initParam!(name, shapeOf(c, name), mulberry32(seed), sizes));

describe("catalogue", () => {
  test("documents every cell, and every cell builds under its own name", () => {
    expect(Object.keys(DOC).sort()).toEqual([...CATALOGUE_NAMES].sort());
    for (const name of CATALOGUE_NAMES) {
      const c = getCell(name);
      expect(c.name).toBe(name);
      const states = Object.entries(c.stateSizes)
        .map(([s, d]) => `${s}[${d}]`)
        .join(" ");
      const params = c.paramInfo.map((p) => `${p.name}[${p.shape.join(",")}]`).join(" ");
      expect([states, params], name).toEqual(DOC[name]);
      expect(c.output).toBe(c.state.find((s) => s.name === "h")!.next);
    }
  });

  test("getCell: unknown names list the catalogue; options pass through; names can be overridden", () => {
    expect(() => getCell("lstmm")).toThrow(
      /unknown cell "lstmm"; the catalogue has: .*lstm, .*gru/,
    );
    expect(() => getCell("toString")).toThrow(/unknown cell "toString"/);
    expect(getCell("lstm", { name: "my_lstm" }).name).toBe("my_lstm");
    expect(CATALOGUE.book_lstm({ name: "b" }).name).toBe("b");
    // the fixed option of an entry wins: lstm_cifg stays CIFG
    expect(
      CATALOGUE.lstm_cifg({ variant: "NP" } as never).paramInfo.some((p) => p.name === "b_f"),
    ).toBe(false);
  });

  test("forget-gate bias: 1 by default, any value by option, plain init with null", () => {
    for (const [name, biases] of Object.entries(FORGET)) {
      for (const b of biases) {
        expect(initOf(getCell(name), b), `${name} ${b}`).toEqual(
          new Array(shapeOf(getCell(name), b)[0]).fill(1),
        );
        expect(initOf(getCell(name, { forgetBias: 2.5 }), b), `${name} ${b}`).toEqual(
          new Array(shapeOf(getCell(name), b)[0]).fill(2.5),
        );
        // null: the cell's own default (U(±1/√H); the LN shift of ln_lstm starts at 0)
        const plain = initOf(getCell(name, { forgetBias: null }), b);
        if (name === "ln_lstm") expect(plain).toEqual([0, 0, 0, 0, 0]);
        else
          expect(
            plain.every((v) => v !== 1 && Math.abs(v) <= 1 / Math.sqrt(5)),
            `${name} ${b} with forgetBias null`,
          ).toBe(true);
      }
    }
    // PyTorch's two biases: the sum is exactly forgetBias
    expect(initOf(getCell("lstm"), "bh_f")).toEqual([0, 0, 0, 0, 0]);
    expect(() => getCell("lstm", { forgetBias: Number.NaN })).toThrow(
      /forgetBias must be a finite number/,
    );
    // cells without a forget gate leave every bias at the default init
    for (const name of CATALOGUE_NAMES.filter((n) => !(n in FORGET))) {
      const c = getCell(name);
      expect(
        c.paramInfo.filter(
          (p) => p.role === "bias" && p.init.kind === "constant" && p.name.includes("f"),
        ),
        name,
      ).toEqual([]);
    }
  });

  test("other initialisations: grouped assignment, LN gains and shifts, learned leak", () => {
    const g = getCell("grouped_gate_lstm");
    expect(g.paramInfo.find((p) => p.name === "E_f")!.role).toBe("fixed");
    // H = 5 units in G = 2 groups: units 0-2 in group 0, 3-4 in group 1
    expect(initOf(g, "E_f")).toEqual([1, 0, 1, 0, 1, 0, 0, 1, 0, 1]);
    expect(Array.from(initValues({ kind: "groups" }, [4, 4], Math.random, {}))).toEqual([
      1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1,
    ]);
    const ln = getCell("ln_lstm");
    expect(initOf(ln, "s_c")).toEqual([1, 1, 1, 1, 1]);
    expect(initOf(ln, "b_g")).toEqual([0, 0, 0, 0, 0]);
    const lk = leaky({ learned: true, alpha: 0.8 });
    for (const a of initOf(lk, "a_h")) expect(1 / (1 + Math.exp(-a))).toBeCloseTo(0.8, 14);
  });

  test("option errors name the cell and the option", () => {
    expect(() => leaky({ alpha: 1 })).toThrow(/leaky: alpha must be in \[0, 1\), got 1/);
    expect(() => leaky({ learned: true, alpha: 0 })).toThrow(
      /leaky \(learned\): alpha must be in \(0, 1\)/,
    );
    expect(() => greffLstm({ variant: "XYZ" as never })).toThrow(
      /unknown variant "XYZ" \(variants: vanilla, NIG/,
    );
    expect(() => getCell("ln_lstm", { epsilon: 0 })).toThrow(
      /lnLstm: epsilon must be a positive number/,
    );
    expect(() => getCell("slstm", { forget: "relu" })).toThrow(/sLstm: unknown forget gate "relu"/);
    expect(() => getCell("global_gate_lstm", { gates: ["g"] })).toThrow(
      /globalGateLstm: unknown gate "g"/,
    );
    expect(() => getCell("ind_rnn", { activation: "gelu" })).toThrow(
      /indRnn: unknown activation "gelu"/,
    );
  });
});

/** Runs two cells on the same named parameters, inputs and initial states; returns both runs. */
function runBoth(
  a: Cell,
  b: Cell,
  opts: {
    H?: number;
    I?: number;
    T?: number;
    B?: number;
    zero?: string[];
    initial?: Record<string, number[]>;
  } = {},
) {
  const { H = 3, I = 2, T = 4, B = 2 } = opts;
  const ka = referenceKernel(a, { inputSize: I, hiddenSize: H });
  const kb = referenceKernel(b, { inputSize: I, hiddenSize: H });
  const random = mulberry32(7);
  const pa = ka.params(
    Float64Array.from({ length: ka.params().data.length }, () => random() - 0.5),
  );
  for (const z of opts.zero ?? []) pa.get(z).fill(0);
  const pb = kb.params();
  for (const s of kb.layout) pb.get(s.name).set(pa.get(s.name));
  const x = Float64Array.from({ length: T * B * I }, () => 2 * random() - 1);
  const initial = opts.initial ?? {
    h: Array.from({ length: B * H }, () => random() - 0.5),
    c: Array.from({ length: B * H }, () => random() - 0.5),
  };
  const pick = (k: typeof ka) =>
    Object.fromEntries(Object.entries(initial).filter(([s]) => s in k.stateSizes));
  return [
    ka.forward(pa, x, { batch: B, initial: pick(ka) }),
    kb.forward(pb, x, { batch: B, initial: pick(kb) }),
  ] as const;
}

const expectClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-13) => {
  expect(a.length).toBe(b.length);
  for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThanOrEqual(tol);
};

describe("cells that must agree", () => {
  test("Greff NP (no peepholes) is the book LSTM with a tanh cell input", () => {
    const [a, b] = runBoth(getCell("lstm_np"), getCell("book_lstm_tanh"));
    expectClose(a.output, b.output);
    expectClose(a.final["c"]!, b.final["c"]!);
  });

  test("the peephole LSTM with zero peepholes is Greff NP", () => {
    const [a, b] = runBoth(getCell("peephole_lstm"), getCell("lstm_np"), {
      zero: ["p_i", "p_f", "p_o"],
    });
    expectClose(a.output, b.output, 0);
  });

  test("the grouped-gate LSTM with G = H and E_f = I is the standard LSTM", () => {
    const std = defineCell({
      name: "std_lstm",
      state: { h: "H", c: "H" },
      step: ({ x, h, c }, { affine }) => {
        const i = sigmoid(affine("i", x, h)),
          f = sigmoid(affine("f", x, h)),
          g = tanh(affine("g", x, h)),
          o = sigmoid(affine("o", x, h));
        const c2 = f.mul(c).add(i.mul(g));
        return { h: o.mul(tanh(c2)), c: c2 };
      },
    });
    const grouped = getCell("grouped_gate_lstm");
    const k = referenceKernel(grouped, { inputSize: 2, hiddenSize: 3, sizes: { G: 3 } });
    const p = k.initParams({ seed: 4 });
    expect(Array.from(p.get("E_f"))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const ks = referenceKernel(std, { inputSize: 2, hiddenSize: 3 });
    const ps = ks.params();
    for (const s of ks.layout) ps.get(s.name).set(p.get(s.name));
    const x = Array.from({ length: 3 * 2 }, (_, j) => Math.sin(j + 1));
    expectClose(
      k.forward(p, x, { batch: 1 }).output,
      ks.forward(ps, x, { batch: 1 }).output,
      1e-15,
    );
  });

  test("sLSTM: the stabiliser changes no output (against the unstabilised equations)", () => {
    const raw = defineCell({
      name: "slstm_raw",
      state: { h: "H", c: "H", n: "H" },
      step: ({ x, h, c, n }, { affine }) => {
        const z = tanh(affine("z", x, h)),
          i = exp(affine("i", x, h)),
          f = sigmoid(affine("f", x, h)),
          o = sigmoid(affine("o", x, h));
        const c2 = f.mul(c).add(i.mul(z));
        const n2 = f.mul(n).add(i);
        return { h: o.mul(c2.div(n2)), c: c2, n: n2 };
      },
    });
    const B = 2,
      H = 3;
    const initial = {
      h: [0.1, -0.2, 0.3, 0, 0.5, -0.4],
      c: [0.2, 0.1, -0.3, 0.4, 0, 0.1],
      n: [1, 0.5, 2, 1, 1.5, 0.7],
      m: new Array(B * H).fill(0),
    };
    const [a, b] = runBoth(getCell("slstm"), raw, { H, B, T: 6, initial });
    expectClose(a.output, b.output, 1e-12);
  });

  test("CIFG couples the gates: its forget gate is the node 1 − i", () => {
    const c = getCell("lstm_cifg");
    const f = [...c.locals].find(([, n]) => n === "f")![0];
    const i = [...c.locals].find(([, n]) => n === "i")![0];
    expect(f).toBe(i.neg().add(1));
  });
});
