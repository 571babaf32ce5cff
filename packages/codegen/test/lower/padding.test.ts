/**
 * The padding passes (lower/padding.ts) on hand-written procedures: what they insert, and
 * where. Forward: a maskRows per tape buffer at the end. Backward: a maskRows of every per-row
 * value the backward computed, before the first sum over rows that reads it (a colsum, or the
 * transpose feeding a k = T·B product), once until it is written again; ∂x at the end; the
 * forward's arguments are never written.
 */
import { describe, expect, test } from "vitest";
import { maskPaddedBackward, maskPaddedForward } from "../../src/lower/padding.js";
import type { BufferDecl, Loc, Proc, Stmt } from "../../src/schedule/schedule.js";

const buf = (name: string, role: BufferDecl["role"], rows: BufferDecl["rows"], width: number) =>
  ({ name, role, type: "f64", rows, width, doc: name }) as BufferDecl;
const time = (b: string, col = 0, ld = 4): Loc => ({ buf: b, scope: "time", ld, col, shift: 0 });
const cols = (b: string): Loc => ({ buf: b, scope: "cols", ld: 1, col: 0, shift: 0 });
const stat = (b: string, col = 0): Loc => ({ buf: b, scope: "static", ld: 0, col, shift: 0 });
const masked = (body: readonly Stmt[]) =>
  body.map((s) => (s.kind === "maskRows" ? `mask ${s.loc.buf}` : s.kind));

describe("maskPaddedForward", () => {
  test("every tape buffer's padded rows are zeroed after the sweep; outputs already masked are not", () => {
    const proc: Proc = {
      sweep: "forward",
      buffers: [
        buf("x", "input", "TB", 2),
        buf("log", "tape", "TB", 2),
        buf("out", "output", "TB", 4),
      ],
      args: ["x"],
      results: ["out", "log"],
      body: [
        { kind: "loop", reverse: false, body: [], doc: "" },
        { kind: "maskRows", loc: time("out"), width: 4 },
      ],
    };
    expect(masked(maskPaddedForward(proc).body)).toEqual(["loop", "mask out", "mask log"]);
  });
});

describe("maskPaddedBackward", () => {
  const delta = buf("delta", "temp", "TB", 8);
  const proc: Proc = {
    sweep: "backward",
    buffers: [
      buf("dP", "output", "one", 40),
      buf("h_tape", "tape", "TB", 4),
      delta,
      buf("delta_cols", "temp", "TB", 8),
      buf("h_cols", "temp", "TB", 4),
      buf("d_x", "output", "TB", 2),
    ],
    args: ["h_tape"],
    results: ["dP", "d_x"],
    body: [
      { kind: "loop", reverse: true, body: [], doc: "" },
      // two column blocks of one delta, summed into two biases: one mask
      {
        kind: "colsum",
        rows: "TB",
        from: time("delta", 0, 8),
        to: stat("dP", 0),
        width: 4,
        doc: "",
      },
      {
        kind: "colsum",
        rows: "TB",
        from: time("delta", 4, 8),
        to: stat("dP", 4),
        width: 4,
        doc: "",
      },
      {
        kind: "transpose",
        m: "TB",
        n: 8,
        from: time("delta", 0, 8),
        to: cols("delta_cols"),
        doc: "",
      },
      // the forward's tape is an argument: read, never written
      { kind: "transpose", m: "TB", n: 4, from: time("h_tape"), to: cols("h_cols"), doc: "" },
      {
        kind: "gemm",
        m: 8,
        n: 4,
        k: "TB",
        a: cols("delta_cols"),
        p: cols("h_cols"),
        c: stat("dP", 8),
        accumulate: true,
        doc: "",
      },
    ],
  };

  test("one mask per buffer before its first sum over rows; the tape untouched; ∂x last", () => {
    const out = maskPaddedBackward(proc).body;
    expect(masked(out)).toEqual([
      "loop",
      "mask delta",
      "colsum",
      "colsum",
      "transpose",
      "transpose",
      "gemm",
      "mask d_x",
    ]);
    const m = out[1] as Extract<Stmt, { kind: "maskRows" }>;
    // whole rows: every column of delta
    expect([m.loc.col, m.loc.ld, m.width]).toEqual([0, 8, 8]);
  });

  test("a buffer written again between two sums is masked again", () => {
    const rewrite: Stmt = {
      kind: "fill",
      rows: "TB",
      to: time("delta", 0, 8),
      width: 8,
      value: 1,
      doc: "",
    };
    const body = [...proc.body];
    body.splice(2, 0, rewrite);
    expect(masked(maskPaddedBackward({ ...proc, body }).body).slice(0, 6)).toEqual([
      "loop",
      "mask delta",
      "colsum",
      "fill",
      "mask delta",
      "colsum",
    ]);
  });
});
