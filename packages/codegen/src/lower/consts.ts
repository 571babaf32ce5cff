/** Constant tables shared by both sweeps: folded constants and index tables, deduplicated. */
import type { BufferDecl, Loc } from "../schedule/schedule.js";

export class ConstPool {
  readonly decls: BufferDecl[] = [];
  private readonly byKey = new Map<string, string>();
  constructor(
    private readonly fresh: (hint: string) => string,
    /** The element type of folded values (index tables are i32). */
    private readonly compute: "f32" | "f64",
  ) {}
  /** A static location holding `data` (a fresh name, or the one already holding equal data). */
  add(data: ArrayLike<number>, int: boolean, doc: string): Loc {
    const values = Array.from(data);
    const key = `${int ? "i" : "f"}:${values.join(",")}`;
    let name = this.byKey.get(key);
    if (!name) {
      name = this.fresh(int ? "IDX" : "K");
      this.byKey.set(key, name);
      this.decls.push({
        name,
        role: "const",
        type: int ? "i32" : this.compute,
        rows: "one",
        width: values.length,
        doc,
        data: values,
        int,
      });
    }
    return { buf: name, scope: "static", ld: 0, col: 0, shift: 0 };
  }
}
