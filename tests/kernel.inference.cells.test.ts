/**
 * The inference sweep on the equation syntax's newer features, which the catalogue (see
 * kernel.inference.test.ts) does not use: scan/cumsum/cumprod statements, a per-step output of
 * its own (`output y = …`) and a projected input (`project x = P x`). On both backends, float32
 * and float64, masked: `forward(…, { tape: false })` gives the taped forward's outputs and final
 * states bit for bit, and `step()` calls give the unmasked inference outputs.
 */
import { compileCell, type DType } from "@gated/codegen";
import { parseCell } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { BACKENDS, rand } from "./codegenCompare.js";
import { OUTPUT_CELLS } from "./interop/cases.js";
import { SCAN_CELLS } from "./scanCells.js";

const PROJECTED = `cell projected(x[I]; h[H]) {
  param W_y[O, H]
  project x = P x
  g  = sigmoid(W_g h + U_g x + b_g)
  h' = tanh(cumsum(g) * h + scan(g, U x; reverse=true)) + (1 - g) * -x
  output y = W_y h' + b_y
}`;

const CELLS = [...Object.values(SCAN_CELLS), ...OUTPUT_CELLS, PROJECTED];
const CASES = CELLS.flatMap((text) =>
  BACKENDS.flatMap((backend) =>
    (["float32", "float64"] as DType[]).map(
      (dtype) => [parseCell(text).name, text, backend, dtype] as const,
    ),
  ),
);

describe("inference sweep = taped forward on scan, output y and project cells", () => {
  test.each(CASES)("%s · %s · %s", (_name, text, backend, dtype) => {
    const I = 3,
      T = 6,
      B = 3;
    const k = compileCell(parseCell(text), {
      inputSize: I,
      hiddenSize: 4,
      sizes: { O: 2 },
      dtype,
      backend,
    });
    const p = k.initParams({ seed: 5 });
    const x = rand(T * B * I, 6);
    const masked = { batch: B, lengths: [6, 2, 0] };
    const taped = k.forward(p, x, masked);
    const inf = k.forward(p, x, { ...masked, tape: false });
    expect(Array.from(inf.output)).toEqual(Array.from(taped.output));
    for (const s of Object.keys(k.stateSizes))
      expect(Array.from(inf.final[s]!), s).toEqual(Array.from(taped.final[s]!));
    const full = k.forward(p, x, { batch: B, tape: false });
    const st = k.initialState(p, { batch: B });
    const steps: number[] = [];
    for (let t = 0; t < T; t++) steps.push(...k.step(st, x.subarray(t * B * I, (t + 1) * B * I)));
    expect(steps).toEqual(Array.from(full.output));
  });
});
