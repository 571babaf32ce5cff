import { getCell, INIT_SCHEMES, sequenceModel } from "@gated/rnn";
import { describe, expect, test } from "vitest";

describe("fixed parameters under every init scheme", () => {
  test.each(INIT_SCHEMES)("grouped_gate_lstm keeps its 0/1 group assignment under %s", (scheme) => {
    const cell = getCell("grouped_gate_lstm");
    const m = sequenceModel({ cell, inputSize: 3, hiddenSize: 4, sizes: { G: 2 } });
    const p = m.initParams({ seed: 5, scheme });
    const e = m.block(p, 0, 0).get("E_f");
    // [H, G] = [4, 2]: rows 0,1 in group 0 and rows 2,3 in group 1
    expect([...e]).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
  });
});
