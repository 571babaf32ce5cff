/**
 * The syntax guide (src/syntax/README.md) runs: every ```cell block parses, prints back to the
 * same cell.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { parseCell, printCell } from "../src/index.js";

const guide = readFileSync(
  fileURLToPath(new URL("../src/syntax/README.md", import.meta.url)),
  "utf8",
);
const blocks = [...guide.matchAll(/```cell\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe("the syntax guide's examples", () => {
  test("there are examples", () => expect(blocks.length).toBeGreaterThanOrEqual(3));
  test.each(blocks.map((b) => [b.split("\n").find((l) => l.startsWith("cell"))!, b]))(
    "%s",
    (_name, text) => {
      const c = parseCell(text);
      const back = parseCell(printCell(c));
      expect(back.state.map((s) => s.next)).toEqual(c.state.map((s) => s.next));
      expect(back.output).toBe(c.output);
    },
  );
});
