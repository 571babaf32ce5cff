/**
 * `planMemory`: after buffer reuse, every buffer of a procedure gets an offset in one linear
 * memory, as plain data of the form a + b·B + c·T·B elements (`Extent`), so a backend with one
 * memory (WebAssembly) places everything without knowing the lowering. Buffers that share
 * storage take their host's offset. Every coefficient is rounded up to 16 bytes, so each
 * offset is 16-byte aligned whatever B and T are.
 */
import type { BufferDecl, ElemType, Extent, Proc } from "../schedule/schedule.js";

const BYTES: Record<ElemType, number> = { f32: 4, f64: 8, i32: 4 };

/** The elements a buffer takes: its width times its row count. */
export function extentOf(b: Pick<BufferDecl, "rows" | "width">): Extent {
  const w = b.width;
  switch (b.rows) {
    case "one":
      return { a: w, b: 0, c: 0 };
    case "B":
      return { a: 0, b: w, c: 0 };
    case "TB":
      return { a: 0, b: 0, c: w };
    case "T1B":
      return { a: 0, b: w, c: w };
  }
}

/** The extent's value for a call's B and T. */
export function extentValue(e: Extent, B: number, T: number): number {
  return e.a + e.b * B + e.c * T * B;
}

const up = (n: number, q: number) => Math.ceil(n / q) * q;

/** Assigns every buffer its offset and the procedure its memory size (in elements). */
export function planMemory(proc: Proc): Proc {
  const types = new Set(proc.buffers.map((b) => b.type));
  if (types.size > 1)
    throw new Error(`planMemory: one element type per procedure, got ${[...types].join(", ")}`);
  const q = 16 / BYTES[proc.buffers[0]?.type ?? "f64"];
  let at: Extent = { a: 0, b: 0, c: 0 };
  const offsets = new Map<string, Extent>();
  for (const b of proc.buffers) {
    if (b.shares) continue;
    offsets.set(b.name, at);
    const e = extentOf(b);
    at = { a: at.a + up(e.a, q), b: at.b + up(e.b, q), c: at.c + up(e.c, q) };
  }
  return {
    ...proc,
    buffers: proc.buffers.map((b) => ({ ...b, offset: offsets.get(b.shares ?? b.name)! })),
    memory: at,
  };
}
