import { describe } from "vitest";
import { square } from "@gated/ops";
import { elementwiseSuite } from "./check.js";

describe("square", () => {
  elementwiseSuite(square, { ref: (a) => a * a });
});
