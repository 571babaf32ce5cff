import { describe, expect, test } from "vitest";
import { commentText, Namer, numberLiteral, sanitize, stringLiteral } from "../src/names.js";

describe("names reaching emitted source", () => {
  test("sanitize gives identifiers of [A-Za-z0-9_] only", () => {
    for (const raw of ["h'", "__proto__", "é", "🙂", "a b", "*/", "1x", "", "`${x}`", "\u2028"]) {
      expect(sanitize(raw)).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    }
    expect(sanitize("h'")).toBe("h_p");
    expect(sanitize("c_next")).toBe("c_next");
  });
  test("Namer never repeats a name nor gives a reserved word", () => {
    const n = new Namer(["t"]);
    const got = ["t", "t", "class", "__proto__", "Math", "x", "x"].map((h) => n.fresh(h));
    expect(new Set(got).size).toBe(got.length);
    expect(got).not.toContain("t");
    expect(got).not.toContain("class");
    expect(got).not.toContain("__proto__");
    expect(got).not.toContain("Math");
    const child = n.child();
    expect(child.fresh("x")).not.toBe("x");
  });
  test("comments cannot be broken out of", () => {
    const c = commentText("a */ b \n c \r d \u2028 e \u2029 f");
    expect(c).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(c).not.toContain("*/");
  });
  test("string and number literals round-trip", () => {
    for (const s of ['a"b', "\u2028\u2029", "`${x}`", "\\", "$'"])
      expect(new Function(`return ${stringLiteral(s)};`)()).toBe(s);
    for (const v of [0, -0, 1.5, -2, NaN, Infinity, -Infinity, 1e-300, 0.1 + 0.2])
      expect(Object.is(new Function(`return ${numberLiteral(v)};`)(), v)).toBe(true);
  });
});
