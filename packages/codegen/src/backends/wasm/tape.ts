/**
 * The tape in place: the backward sweep reads the parameters, the input and the tape (state
 * histories, saved values) where the forward sweep left them in the memory, so the runtime can
 * keep a run's tape there instead of copying it out after the forward and back in for backward.
 *
 * Each such buffer of the backward sweep takes the forward sweep's offset of the buffer of the
 * same name; the backward's other buffers are placed after the forward's whole memory (the same
 * 16-byte rounding as `planMemory`), so no backward buffer overlaps a forward one for any T, B.
 * A buffer stays where `planMemory` put it (and is copied in as before) unless both sweeps leave
 * it intact: the forward returns it as is (no buffer borrows its storage, no swap moves it), and
 * the backward never writes it. Where no buffer can be in place the backward is left as it was.
 */
import { extentOf } from "../../lower/memory.js";
import type { Extent, Proc, Stmt } from "../../schedule/schedule.js";
import { writes } from "../../schedule/writes.js";

export interface TapeInPlace {
  /** The backward sweep with its new offsets and memory (the same Proc where nothing moved). */
  readonly backward: Proc;
  /**
   * Which of the backward's P and arguments ([P, ...args]) it reads at the forward's place: for those
   * the runtime may pass null, meaning "as the last forward call at these sizes left it".
   */
  readonly inPlace: readonly boolean[];
}

const BYTES = { f32: 4, f64: 8, i32: 4 } as const;
const up = (n: number, q: number) => Math.ceil(n / q) * q;

/** Every name a swap (a statement, or a loop's) exchanges: its storage moves with the parity of T. */
function swapped(body: readonly Stmt[]): Set<string> {
  const out = new Set<string>();
  const walk = (s: Stmt): void => {
    if (s.kind === "loop") s.body.forEach(walk);
    if (s.kind === "swap") for (const p of s.pairs) for (const n of p) out.add(n);
  };
  body.forEach(walk);
  return out;
}

/** The backward sweep of `bwd` reading what `fwd` leaves in the memory in place, where it can. */
export function tapeInPlace(fwd: Proc, bwd: Proc): TapeInPlace {
  const none = { backward: bwd, inPlace: [] };
  if (!fwd.memory || !bwd.memory) return none;
  const fShared = new Set(fwd.buffers.flatMap((b) => (b.shares ? [b.shares, b.name] : [])));
  const bShared = new Set(bwd.buffers.flatMap((b) => (b.shares ? [b.shares, b.name] : [])));
  const fMoved = swapped(fwd.body);
  const host = (n: string) => bwd.buffers.find((b) => b.name === n)?.shares ?? n;
  const bWritten = new Set(bwd.body.flatMap(writes).map(host));
  const fWritten = new Set(fwd.body.flatMap(writes));
  const left = new Set([...fwd.args, ...fwd.results]);
  const param = (n: string) => n === "P" && bwd.buffers.find((b) => b.name === n)?.role === "param";
  const inPlace = new Set<string>();
  for (const b of bwd.buffers) {
    if (b.shares || !(param(b.name) || (bwd.args.includes(b.name) && left.has(b.name)))) continue;
    const f = fwd.buffers.find((x) => x.name === b.name);
    const ok =
      f !== undefined &&
      !f.shares &&
      f.offset !== undefined &&
      f.rows === b.rows &&
      f.width === b.width &&
      f.type === b.type &&
      !fShared.has(b.name) &&
      !fMoved.has(b.name) &&
      (fwd.results.includes(b.name) || !fWritten.has(b.name)) &&
      !bShared.has(b.name) &&
      !bWritten.has(b.name);
    if (ok) inPlace.add(b.name);
  }
  if (inPlace.size === 0) return none;
  // the others, in order, after the forward's memory
  const q = 16 / BYTES[bwd.buffers[0]?.type ?? "f64"];
  let at: Extent = fwd.memory;
  const offsets = new Map<string, Extent>();
  for (const b of bwd.buffers) {
    if (b.shares) continue;
    if (inPlace.has(b.name)) {
      offsets.set(b.name, fwd.buffers.find((x) => x.name === b.name)!.offset!);
      continue;
    }
    offsets.set(b.name, at);
    const e = extentOf(b);
    at = { a: at.a + up(e.a, q), b: at.b + up(e.b, q), c: at.c + up(e.c, q) };
  }
  const backward: Proc = {
    ...bwd,
    buffers: bwd.buffers.map((b) => ({ ...b, offset: offsets.get(b.shares ?? b.name)! })),
    memory: at,
  };
  return { backward, inPlace: ["P", ...bwd.args].map((n) => inPlace.has(n)) };
}
