/** reuseBuffers: a procedure → the same, temporaries with disjoint live ranges sharing buffers. */
import { describe, expect, test } from "vitest";
import { reuseBuffers } from "../../src/lower/reuse.js";
import type { BufferDecl, Loc, Proc, Stmt } from "../../src/schedule/schedule.js";

const temp = (name: string, width = 3): BufferDecl => ({
  name,
  role: "temp",
  type: "f64",
  rows: "TB",
  width,
  doc: name,
});
const at = (buf: string): Loc => ({ buf, scope: "time", ld: 3, col: 0, shift: 0 });
const copy = (from: string, to: string): Stmt => ({
  kind: "copy",
  rows: "TB",
  from: at(from),
  to: at(to),
  width: 3,
  doc: "",
});
const proc = (buffers: BufferDecl[], body: Stmt[]): Proc => ({
  sweep: "backward",
  buffers,
  body,
  args: ["x"],
  results: ["y"],
});
const shares = (p: Proc) =>
  Object.fromEntries(p.buffers.flatMap((b) => (b.shares ? [[b.name, b.shares]] : [])));

describe("reuseBuffers", () => {
  test("a temporary first used after another's last use takes its buffer", () => {
    const p = proc([temp("a"), temp("b")], [copy("x", "a"), copy("a", "y"), copy("x", "b")]);
    expect(shares(reuseBuffers(p))).toEqual({ b: "a" });
  });

  test("every place a statement names a buffer counts, a column sum's further destinations too", () => {
    const colsum: Stmt = {
      kind: "colsum",
      rows: "TB",
      from: at("x"),
      to: { ...at("y"), scope: "static" },
      also: [{ ...at("a"), scope: "static" }],
      width: 3,
      doc: "",
    };
    // a is still read by the column sum (an `also` destination) when b is first written
    const p = proc([temp("a"), temp("b")], [copy("x", "a"), copy("x", "b"), colsum]);
    expect(shares(reuseBuffers(p))).toEqual({});
  });

  test("inside the time loop, the loop is one statement", () => {
    const loop: Stmt = { kind: "loop", reverse: true, doc: "", body: [copy("a", "y")] };
    const p = proc([temp("a"), temp("b")], [copy("x", "a"), copy("x", "b"), loop]);
    expect(shares(reuseBuffers(p))).toEqual({});
  });
});
