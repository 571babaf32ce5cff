// The reference kernel against PyTorch's own nn.LSTM (float64 fixture): the interpreter route
// that every compiled kernel is later compared with.
import { readFileSync } from "node:fs";
import { referenceKernel } from "@gated/codegen";
import { sigmoid, tanh } from "@gated/ops";
import { defineCell } from "@gated/rnn";
import { describe, expect, test } from "vitest";

type T = { shape: number[]; data: unknown };
const flat = (t: T): number[] => (t.data as unknown[]).flat(Infinity as 1) as number[];

describe("reference kernel vs torch.nn.LSTM", () => {
  test("lstm_i5_h7_t9_b3: outputs and all gradients within float64 tolerance", () => {
    const f = JSON.parse(
      readFileSync(new URL("./fixtures/torch/lstm_i5_h7_t9_b3.json", import.meta.url), "utf8"),
    );
    const { B, I, H } = f.dims as Record<string, number>;
    const gates = ["i", "f", "g", "o"];
    const cell = defineCell({
      name: "torch_lstm",
      state: { h: "H", c: "H" },
      step: ({ x, h, c }, { affine, param }) => {
        const a = (k: string) => affine(k, x, h).add(param(`bb_${k}`, ["H"], { role: "bias" }));
        const i = sigmoid(a("i")),
          fg = sigmoid(a("f")),
          g = tanh(a("g")),
          o = sigmoid(a("o"));
        const c2 = fg.mul(c).add(i.mul(g));
        return { h: o.mul(tanh(c2)), c: c2 };
      },
    });
    const k = referenceKernel(cell, { inputSize: I!, hiddenSize: H! });
    const p = k.params();
    const rows = (t: T, k0: number, n: number) => flat(t).slice(k0 * n, (k0 + 1) * n);
    gates.forEach((g, k0) => {
      p.get(`U_${g}`).set(rows(f.params.weight_ih_l0, k0, H! * I!));
      p.get(`W_${g}`).set(rows(f.params.weight_hh_l0, k0, H! * H!));
      p.get(`b_${g}`).set(rows(f.params.bias_ih_l0, k0, H!));
      p.get(`bb_${g}`).set(rows(f.params.bias_hh_l0, k0, H!));
    });
    const run = k.forward(p, flat(f.inputs.x), {
      batch: B!,
      initial: { h: flat(f.inputs.h0), c: flat(f.inputs.c0) },
    });
    const close = (a: ArrayLike<number>, b: number[], abs: number, rel: number) => {
      expect(a.length).toBe(b.length);
      for (let j = 0; j < b.length; j++)
        expect(Math.abs(a[j]! - b[j]!)).toBeLessThanOrEqual(abs + rel * Math.abs(b[j]!));
    };
    close(run.output, flat(f.outputs.output), 1e-12, 1e-10);
    close(run.final.h!, flat(f.outputs.h_n), 1e-12, 1e-10);
    close(run.final.c!, flat(f.outputs.c_n), 1e-12, 1e-10);
    const g = k.backward(run, {
      output: flat(f.readout.R),
      final: { h: flat(f.readout.Rh), c: flat(f.readout.Rc) },
    });
    close(g.input, flat(f.grads.x), 1e-10, 1e-8);
    close(g.initial.h!, flat(f.grads.h0), 1e-10, 1e-8);
    close(g.initial.c!, flat(f.grads.c0), 1e-10, 1e-8);
    gates.forEach((gn, k0) => {
      close(g.params.get(`U_${gn}`), rows(f.grads.params.weight_ih_l0, k0, H! * I!), 1e-10, 1e-8);
      close(g.params.get(`W_${gn}`), rows(f.grads.params.weight_hh_l0, k0, H! * H!), 1e-10, 1e-8);
      close(g.params.get(`b_${gn}`), rows(f.grads.params.bias_ih_l0, k0, H!), 1e-10, 1e-8);
      close(g.params.get(`bb_${gn}`), rows(f.grads.params.bias_hh_l0, k0, H!), 1e-10, 1e-8);
    });
  });

  test("masked steps change neither state nor gradients", () => {
    const cell = defineCell({
      name: "elman",
      state: { h: "H" },
      step: ({ x, h }, { affine }) => ({ h: tanh(affine("h", x, h)) }),
    });
    const k = referenceKernel(cell, { inputSize: 2, hiddenSize: 3 });
    const p = k.initParams({ seed: 3 });
    const x = Array.from({ length: 4 * 2 * 2 }, (_, j) => Math.sin(j));
    const full = k.forward(p, x.slice(0, 2 * 2 * 2), { batch: 2 });
    const masked = k.forward(p, x, { batch: 2, lengths: [2, 2] });
    expect([...masked.final.h!]).toEqual([...full.final.h!]);
    expect([...masked.output.slice(2 * 2 * 3)].every((v) => v === 0)).toBe(true);
    const gm = k.backward(masked, { final: { h: [1, 1, 1, 1, 1, 1] } });
    const gf = k.backward(full, { final: { h: [1, 1, 1, 1, 1, 1] } });
    expect([...gm.params.data]).toEqual([...gf.params.data]);
    expect([...gm.input.slice(2 * 2 * 2)].every((v) => v === 0)).toBe(true);
  });
});
