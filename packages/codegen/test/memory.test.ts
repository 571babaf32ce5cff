import { describe, expect, test } from "vitest";
import { extentValue, planMemory } from "../src/lower/memory.js";
import type { BufferDecl, Proc } from "../src/schedule/schedule.js";

const buf = (
  name: string,
  rows: BufferDecl["rows"],
  width: number,
  type: BufferDecl["type"] = "f64",
  shares?: string,
): BufferDecl => ({
  name,
  role: "temp",
  type,
  rows,
  width,
  doc: name,
  ...(shares ? { shares } : {}),
});

const proc = (buffers: BufferDecl[]): Proc => ({
  sweep: "forward",
  buffers,
  args: [],
  results: [],
  body: [],
});

describe("planMemory", () => {
  test("offsets a + b·B + c·T·B in declaration order, each coefficient on 16 bytes", () => {
    const p = planMemory(
      proc([buf("P", "one", 3), buf("h", "B", 5), buf("x", "TB", 2), buf("hist", "T1B", 4)]),
    );
    expect(p.buffers).toMatchObject([
      { name: "P", offset: { a: 0, b: 0, c: 0 } },
      { name: "h", offset: { a: 4, b: 0, c: 0 } },
      { name: "x", offset: { a: 4, b: 6, c: 0 } },
      { name: "hist", offset: { a: 4, b: 6, c: 2 } },
    ]);
    expect(p.memory).toEqual({ a: 4, b: 10, c: 6 });
  });

  test("f32 buffers align to 4 elements; shared buffers take their host's offset", () => {
    const p = planMemory(
      proc([buf("a", "B", 3, "f32"), buf("b", "B", 2, "f32"), buf("c", "B", 2, "f32", "a")]),
    );
    expect(p.buffers.map((b) => b.offset)).toEqual([
      { a: 0, b: 0, c: 0 },
      { a: 0, b: 4, c: 0 },
      { a: 0, b: 0, c: 0 },
    ]);
    expect(p.memory).toEqual({ a: 0, b: 8, c: 0 });
  });

  test("buffers never overlap for any B and T", () => {
    const bufs = [buf("P", "one", 7), buf("h", "B", 3), buf("x", "TB", 5), buf("s", "T1B", 1)];
    const p = planMemory(proc(bufs));
    for (const [B, T] of [
      [1, 1],
      [3, 7],
      [64, 50],
    ] as const) {
      const spans = p.buffers.map((b, i) => {
        const at = extentValue(b.offset!, B, T);
        const rows = { one: 1, B, TB: T * B, T1B: (T + 1) * B }[bufs[i]!.rows];
        return [at, at + rows * b.width] as const;
      });
      for (let i = 1; i < spans.length; i++)
        expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
      expect(spans.at(-1)![1]).toBeLessThanOrEqual(extentValue(p.memory!, B, T));
      for (const [at] of spans) expect((at * 8) % 16).toBe(0);
    }
  });

  test("one element type per procedure", () => {
    expect(() => planMemory(proc([buf("a", "B", 1, "f64"), buf("b", "B", 1, "f32")]))).toThrow(
      "planMemory: one element type per procedure, got f64, f32",
    );
  });
});
