import { sign } from "@gated/ops";
import { describe } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("sign", () => {
  elementwiseSuite(sign, { ref: Math.sign, extremes: [[0], [-0.1], [5]] });
});
