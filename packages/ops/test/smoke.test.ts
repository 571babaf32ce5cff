import { countNodes, evaluate, grad, input, param, printText, simplify } from "@gated/graph";
import { matvec, mul, sigmoid, sum, tanh } from "@gated/ops";
import { describe, expect, test } from "vitest";

describe("smoke", () => {
  test("interning, evaluate, grad", () => {
    const x = input("x", ["I"]);
    const h = input("h", ["H"]);
    const a = (n: string) =>
      matvec(param(`U_${n}`, ["H", "I"]), x)
        .add(matvec(param(`W_${n}`, ["H", "H"]), h))
        .add(param(`b_${n}`, ["H"]));
    expect(a("f")).toBe(a("f"));
    const f = sigmoid(a("f"));
    const y = sum(mul(f, tanh(a("g"))));
    const sizes = { H: 2, I: 3 };
    const b: Record<string, number[]> = { x: [1, 2, 3], h: [0.5, -0.5] };
    for (const n of ["f", "g"]) {
      b[`U_${n}`] = [0.1, 0.2, 0.3, -0.1, -0.2, 0.3];
      b[`W_${n}`] = [0.1, 0.2, 0.3, -0.4];
      b[`b_${n}`] = [0.1, -0.2];
    }
    const v = evaluate(y, b, sizes);
    expect(v.length).toBe(1);
    const [gx] = grad(y, [x]);
    const [gs] = simplify([gx!]);
    const ge = evaluate(gs!, b, sizes);
    const eps = 1e-6;
    for (let i = 0; i < 3; i++) {
      const p = { ...b, x: b.x!.map((t, j) => (j === i ? t + eps : t)) };
      const m = { ...b, x: b.x!.map((t, j) => (j === i ? t - eps : t)) };
      const fd = (evaluate(y, p, sizes)[0]! - evaluate(y, m, sizes)[0]!) / (2 * eps);
      expect(ge[i]).toBeCloseTo(fd, 8);
    }
    expect(printText(f)).toContain("σ");
    console.log(printText(gs!), countNodes([gx!]), countNodes([gs!]));
  });
});
