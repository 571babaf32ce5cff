// Catalogue cells against the PyTorch float64 fixtures (tests/fixtures/torch): parameters bound
// by the mapping each cell file documents, run forward and backward by the reference kernel,
// every output and gradient compared at the fixtures' float64 tolerances.
import { existsSync, readFileSync } from "node:fs";
import { referenceKernel } from "@gated/codegen";
import { getCell } from "@gated/rnn";
import { describe, expect, test } from "vitest";

const DIR = new URL("../../../tests/fixtures/torch/", import.meta.url);
type Tensor = { shape: number[]; data: unknown };
const flat = (t: Tensor): number[] => (t.data as unknown[]).flat(Infinity as 1) as number[];

/** Catalogue name and fixture-name → cell-name parameter mapping for each fixture kind. */
const TORCH_GATES: Record<string, [string, string[]]> = {
  lstm: ["lstm", ["i", "f", "g", "o"]],
  gru: ["gru", ["r", "z", "n"]],
  rnn_tanh: ["rnn_tanh", ["h"]],
};
const HAND: Record<string, string> = {
  book_lstm: "book_lstm",
  peephole_lstm: "peephole_lstm",
  cho_gru: "cho_gru",
  mgu: "mgu",
};

/** (cell parameter, fixture tensor name, offset, length) for every cell parameter. */
function mapping(
  kind: string,
  names: readonly string[],
  H: number,
  I: number,
): [string, string, number, number][] {
  const torch = TORCH_GATES[kind];
  if (torch) {
    return torch[1].flatMap(
      (g, k) =>
        [
          [`U_${g}`, "weight_ih_l0", k * H * I, H * I],
          [`W_${g}`, "weight_hh_l0", k * H * H, H * H],
          [`bi_${g}`, "bias_ih_l0", k * H, H],
          [`bh_${g}`, "bias_hh_l0", k * H, H],
        ] as [string, string, number, number][],
    );
  }
  // hand-written cells: Wx_k -> U_k, Wh_k -> W_k, b_k and p_k unchanged
  return names.map((n) => [n, n.replace(/^U_/, "Wx_").replace(/^W_/, "Wh_"), 0, -1]);
}

const MANIFEST = new URL("manifest.json", DIR);
const files: string[] = existsSync(MANIFEST)
  ? JSON.parse(readFileSync(MANIFEST, "utf8")).cases.map((c: { file: string }) => c.file)
  : [];

describe.skipIf(files.length === 0)("catalogue cells vs PyTorch fixtures", () => {
  test.each(files)("%s", (file) => {
    const f = JSON.parse(readFileSync(new URL(file, DIR), "utf8"));
    const { B, I, H, num_layers: L, D } = f.dims as Record<string, number>;
    expect(L === 1 && D === 1, "single-layer unidirectional cases only").toBe(true);
    const name = TORCH_GATES[f.kind]?.[0] ?? HAND[f.kind];
    if (!name) throw new Error(`no catalogue cell for fixture kind ${f.kind}`);
    const cell = getCell(name);
    const k = referenceKernel(cell, { inputSize: I!, hiddenSize: H! });
    const p = k.params();
    const map = mapping(
      f.kind,
      k.layout.map((s) => s.name),
      H!,
      I!,
    );
    expect(map.map((m) => m[0]).sort()).toEqual(k.layout.map((s) => s.name).sort());
    for (const [ours, theirs, off, len] of map) {
      const src = flat(f.params[theirs]);
      p.get(ours).set(len < 0 ? src : src.slice(off, off + len));
    }
    const hasC = "c0" in f.inputs;
    const initial: Record<string, number[]> = {
      h: flat(f.inputs.h0),
      ...(hasC ? { c: flat(f.inputs.c0) } : {}),
    };
    const run = k.forward(p, flat(f.inputs.x), { batch: B!, initial });
    const close = (what: string, a: ArrayLike<number>, b: number[], abs: number, rel: number) => {
      expect(a.length, what).toBe(b.length);
      let worst = 0;
      for (let j = 0; j < b.length; j++)
        worst = Math.max(worst, Math.abs(a[j]! - b[j]!) - (abs + rel * Math.abs(b[j]!)));
      expect(worst, `${file} ${what}: worst excess over tolerance`).toBeLessThanOrEqual(0);
    };
    close("output", run.output, flat(f.outputs.output), 1e-12, 1e-10);
    close("h_n", run.final["h"]!, flat(f.outputs.h_n), 1e-12, 1e-10);
    if (hasC) close("c_n", run.final["c"]!, flat(f.outputs.c_n), 1e-12, 1e-10);
    const g = k.backward(run, {
      output: flat(f.readout.R),
      final: { h: flat(f.readout.Rh), ...(hasC ? { c: flat(f.readout.Rc) } : {}) },
    });
    close("dL/dx", g.input, flat(f.grads.x), 1e-10, 1e-8);
    close("dL/dh0", g.initial["h"]!, flat(f.grads.h0), 1e-10, 1e-8);
    if (hasC) close("dL/dc0", g.initial["c"]!, flat(f.grads.c0), 1e-10, 1e-8);
    for (const [ours, theirs, off, len] of map) {
      const src = flat(f.grads.params[theirs]);
      close(
        `dL/d${ours}`,
        g.params.get(ours),
        len < 0 ? src : src.slice(off, off + len),
        1e-10,
        1e-8,
      );
    }
  });
});
