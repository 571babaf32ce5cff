import { square } from "@gated/ops";
import { describe } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("square", () => {
  elementwiseSuite(square, { ref: (a) => a * a });
});
