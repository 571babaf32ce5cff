/** Test cells for the codegen suites, built directly with graph + ops (no @gated/rnn). */

import type { Recurrence } from "@gated/codegen";
import { input, type Node, param } from "@gated/graph";
import { matvec, sigmoid, tanh } from "@gated/ops";

function affine(ps: Node[], name: string, x: Node, h: Node, out = "H"): Node {
  const U = param(`U_${name}`, [out, x.shape[0]!]);
  const W = param(`W_${name}`, [out, h.shape[0]!]);
  const b = param(`b_${name}`, [out]);
  ps.push(U, W, b);
  return matvec(U, x).add(matvec(W, h)).add(b);
}

/** PyTorch LSTM (gates i, f, g, o). */
export function lstm(name = "lstm"): Recurrence {
  const x = input("x", ["I"]);
  const h = input("h", ["H"]);
  const c = input("c", ["H"]);
  const ps: Node[] = [];
  const i = sigmoid(affine(ps, "i", x, h));
  const f = sigmoid(affine(ps, "f", x, h));
  const g = tanh(affine(ps, "g", x, h));
  const o = sigmoid(affine(ps, "o", x, h));
  const c2 = f.mul(c).add(i.mul(g));
  const h2 = o.mul(tanh(c2));
  const locals = new Map<Node, string>([
    [i, "i"],
    [f, "f"],
    [g, "g"],
    [o, "o"],
    [c2, "c_next"],
    [h2, "h_next"],
  ]);
  return Object.assign(
    {
      name,
      x,
      state: [
        { name: "h", node: h, next: h2 },
        { name: "c", node: c, next: c2 },
      ],
      output: h2,
      params: ps,
    },
    { locals },
  );
}

/** GRU in PyTorch's form: the reset gate multiplies (W_n h + b_hn), after the product. */
export function gru(name = "gru"): Recurrence {
  const x = input("x", ["I"]);
  const h = input("h", ["H"]);
  const ps: Node[] = [];
  const p = (n: string, shape: (string | number)[]) => {
    const q = param(n, shape);
    ps.push(q);
    return q;
  };
  const r = sigmoid(
    matvec(p("U_r", ["H", "I"]), x)
      .add(p("b_ir", ["H"]))
      .add(matvec(p("W_r", ["H", "H"]), h))
      .add(p("b_hr", ["H"])),
  );
  const z = sigmoid(
    matvec(p("U_z", ["H", "I"]), x)
      .add(p("b_iz", ["H"]))
      .add(matvec(p("W_z", ["H", "H"]), h))
      .add(p("b_hz", ["H"])),
  );
  const n = tanh(
    matvec(p("U_n", ["H", "I"]), x)
      .add(p("b_in", ["H"]))
      .add(r.mul(matvec(p("W_n", ["H", "H"]), h).add(p("b_hn", ["H"])))),
  );
  const h2 = z.neg().add(1).mul(n).add(z.mul(h));
  return { name, x, state: [{ name: "h", node: h, next: h2 }], output: h2, params: ps };
}

/** Elman RNN: h' = tanh(U x + W h + b). */
export function elman(name = "elman"): Recurrence {
  const x = input("x", ["I"]);
  const h = input("h", ["H"]);
  const ps: Node[] = [];
  const h2 = tanh(affine(ps, "h", x, h));
  return { name, x, state: [{ name: "h", node: h, next: h2 }], output: h2, params: ps };
}
