/** Random edits of a text, for fuzzing a parser with near-valid input (fast-check). */
import { fc } from "@fast-check/vitest";

/** Delete `len` characters, insert `piece`, or repeat `len` characters three times, at `at`. */
export type Edit = {
  at: number;
  kind: "delete" | "insert" | "duplicate";
  len: number;
  piece: string;
};

/** One edit anywhere in a text (`at` is taken modulo its length + 1), inserting one of `pieces`. */
export function editOf(pieces: readonly string[]): fc.Arbitrary<Edit> {
  return fc.record({
    at: fc.nat(),
    kind: fc.constantFrom("delete" as const, "insert" as const, "duplicate" as const),
    len: fc.integer({ min: 1, max: 12 }),
    piece: fc.constantFrom(...pieces),
  });
}

/** `text` with `edits` applied in order. */
export function mutate(text: string, edits: readonly Edit[]): string {
  let t = text;
  for (const e of edits) {
    const at = e.at % (t.length + 1);
    if (e.kind === "delete") t = t.slice(0, at) + t.slice(at + e.len);
    else if (e.kind === "insert") t = t.slice(0, at) + e.piece + t.slice(at);
    else t = t.slice(0, at) + t.slice(at, at + e.len).repeat(3) + t.slice(at);
  }
  return t;
}
