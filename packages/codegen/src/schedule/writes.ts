/** What a schedule statement writes, for the passes and backends that track buffers. */
import type { Stmt } from "./schedule.js";

/** The buffers a statement writes (a loop: those its body writes). */
export function writes(s: Stmt): string[] {
  switch (s.kind) {
    case "loop":
      return s.body.flatMap(writes);
    case "map":
      return s.stores.map((x) => x.to.buf);
    case "gemm":
      return [s.c.buf];
    case "colsum":
      return [s.to.buf, ...(s.also ?? []).map((l) => l.buf)];
    case "mask":
      return [...s.pairs.flatMap((x) => [x.a.buf, x.b.buf]), ...s.zero.map((z) => z.loc.buf)];
    case "maskRows":
      return [s.loc.buf];
    case "swap":
      return s.pairs.flat();
    default:
      return [s.to.buf];
  }
}
