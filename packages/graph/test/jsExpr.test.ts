import { describe, expect, test } from "vitest";
import { js, jsRef, renderJs } from "../src/index.js";

describe("JsExpr", () => {
  const a = jsRef("a");
  const b = jsRef("x_t[i]");
  test("holes that are not plain references are parenthesized", () => {
    expect(renderJs(js`${a} + ${b}`)).toBe("a + x_t[i]");
    expect(renderJs(js`${js`${a} + ${b}`} * ${a}`)).toBe("(a + x_t[i]) * a");
    expect(renderJs(js`-${a}`)).toBe("-a");
  });
  test("number literals render safely", () => {
    expect(renderJs(js`${a} * ${-2}`)).toBe("a * (-2)");
    expect(renderJs(js`${a} + ${-0}`)).toBe("a + (-0)");
    expect(renderJs(js`${NaN} + ${Infinity} + ${-Infinity}`)).toBe("NaN + Infinity + (-Infinity)");
  });
  test("only identifiers and indexed loads are references", () => {
    expect(() => jsRef("a; alert(1)")).toThrow(
      'jsRef: "a; alert(1)" is not a plain identifier or indexed load',
    );
    expect(() => jsRef("`x`")).toThrow();
  });
});
