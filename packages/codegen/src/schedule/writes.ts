/** What a schedule statement writes or names, for the passes and backends that track buffers. */
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

/** Every buffer a statement names: what it reads, writes or swaps (a loop: its body's). */
export function touched(s: Stmt): string[] {
  switch (s.kind) {
    case "loop":
      return s.body.flatMap(touched);
    case "map":
      return [
        ...s.lets.flatMap((l) => l.args.flatMap((o) => (o.kind === "load" ? [o.loc.buf] : []))),
        ...s.stores.map((x) => x.to.buf),
      ];
    case "gemm":
      return [s.a.buf, s.p.buf, s.c.buf];
    case "transpose":
    case "gather":
    case "reduce":
    case "copy":
      return [s.from.buf, s.to.buf];
    case "scan":
      return [...(typeof s.a === "number" ? [] : [s.a.buf]), s.b.buf, s.to.buf];
    case "product":
      return [s.a.buf, s.b.buf, s.to.buf];
    case "colsum":
      return [s.from.buf, s.to.buf, ...(s.also ?? []).map((l) => l.buf)];
    case "fill":
      return [s.to.buf];
    case "mask":
      return [...s.pairs.flatMap((p) => [p.a.buf, p.b.buf]), ...s.zero.map((z) => z.loc.buf)];
    case "maskRows":
      return [s.loc.buf];
    case "swap":
      return s.pairs.flat();
  }
}
