/** `printSchedule`: the schedule as text, one statement per line, for debugging and docs. */
import { printScalar } from "@gated/graph";
import type { BufferDecl, Dim, Extent, Loc, Operand, Proc, Schedule, Stmt } from "./schedule.js";

function loc(l: Loc): string {
  const at = l.col ? `+${l.col}` : "";
  switch (l.scope) {
    case "static":
      return `${l.buf}[${l.col}…]`;
    case "row":
      return `${l.buf}[b${at}]`;
    case "time":
      return `${l.buf}[${l.shift ? `t+${l.shift}` : "t"}, b${at}]`;
    case "cols":
      return `${l.buf}[:${at}, rows]`;
  }
}

function rowsText(r: BufferDecl["rows"]): string {
  return r === "one" ? "" : r === "B" ? "B × " : r === "TB" ? "T·B × " : "(T+1)·B × ";
}

/** a + b·B + c·T·B, without the zero terms. */
function extentText(e: Extent): string {
  const terms = [e.a ? String(e.a) : "", e.b ? `${e.b}·B` : "", e.c ? `${e.c}·T·B` : ""];
  return terms.filter((t) => t).join(" + ") || "0";
}

const dim = (d: Dim) => (d === "TB" ? "T·B" : String(d));

function operand(o: Operand): string {
  return o.kind === "let"
    ? o.name
    : o.kind === "lit"
      ? String(o.value)
      : loc(o.loc) + (o.index ? `[${o.index}]` : "");
}

function stmt(s: Stmt, pad: string, out: string[]): void {
  switch (s.kind) {
    case "loop":
      out.push(`${pad}for t = ${s.reverse ? "T−1 … 0" : "0 … T−1"}:   # ${s.doc}`);
      for (const b of s.body) stmt(b, `${pad}  `, out);
      return;
    case "map":
      out.push(`${pad}map ${s.rows} × ${s.width}:`);
      for (const l of s.lets)
        out.push(`${pad}  ${l.name} = ${printScalar(l.expr, l.args.map(operand))}`);
      for (const st of s.stores) out.push(`${pad}  ${loc(st.to)} ← ${st.from}`);
      return;
    case "gemm":
      out.push(
        `${pad}gemm ${loc(s.c)} ${s.accumulate ? "+=" : "="} ${loc(s.a)} · ${loc(s.p)}ᵀ  [${dim(s.m)} × ${s.n}, k = ${dim(s.k)}]   # ${s.doc}`,
      );
      return;
    case "transpose":
      out.push(`${pad}transpose ${loc(s.to)} = ${loc(s.from)}ᵀ  [${dim(s.m)} × ${s.n}]`);
      return;
    case "gather":
      out.push(
        `${pad}gather ${s.rows} × ${s.width}: ${loc(s.to)}[${s.toIndex}] = ${loc(s.from)}[${s.index}]   # ${s.doc}`,
      );
      return;
    case "reduce":
      out.push(
        `${pad}reduce ${s.rows} × ${s.width}: ${loc(s.to)} = fold ${s.count} of ${loc(s.from)} by ${printScalar(s.combine, ["acc", "x"])}   # ${s.doc}`,
      );
      return;
    case "scan": {
      const a = typeof s.a === "number" ? String(s.a) : `${loc(s.a)}ᵢ`;
      out.push(
        `${pad}scan ${s.rows} × ${s.width} by ${s.count}${s.reverse ? " reversed" : ""}: ${loc(s.to)}ᵢ = ${a}·y${s.reverse ? "ᵢ₊₁" : "ᵢ₋₁"} + ${loc(s.b)}ᵢ   # ${s.doc}`,
      );
      return;
    }
    case "product":
      out.push(
        `${pad}${s.op} ${s.rows}: ${loc(s.to)} = ${loc(s.a)}, ${loc(s.b)} [${s.m}, ${s.n}, ${s.k}]   # ${s.doc}`,
      );
      return;
    case "colsum":
      out.push(
        `${pad}colsum ${s.rows} × ${s.width}: ${[s.to, ...(s.also ?? [])].map(loc).join(", ")} += Σ_rows ${loc(s.from)}`,
      );
      return;
    case "copy":
      out.push(`${pad}copy ${s.rows} × ${s.width}: ${loc(s.to)} = ${loc(s.from)}`);
      return;
    case "fill":
      out.push(`${pad}fill ${s.rows} × ${s.width}: ${loc(s.to)} = ${s.value}`);
      return;
    case "mask":
      out.push(
        `${pad}mask ${s.mode} (rows with t ≥ len[b]): ${s.pairs.map((p) => `${loc(p.b)} ← ${loc(p.a)}`).join(", ")}`,
      );
      return;
    case "maskRows":
      out.push(`${pad}maskRows ${loc(s.loc)} (zero where t ≥ len[b])`);
      return;
    case "swap":
      out.push(`${pad}swap ${s.pairs.map(([a, b]) => `${a} ↔ ${b}`).join(", ")}`);
  }
}

function proc(p: Proc, out: string[], label = ""): void {
  out.push(`${label}${p.sweep}(${p.args.join(", ")}) -> [${p.results.join(", ")}]`);
  for (const b of p.buffers)
    out.push(
      `  buffer ${b.name} [${rowsText(b.rows)}${b.width}] ${b.type} ${b.role}${b.offset ? ` @${extentText(b.offset)}` : ""}${b.shares ? ` (reuses ${b.shares})` : ""}: ${b.doc}`,
    );
  if (p.memory) out.push(`  memory ${extentText(p.memory)} elements`);
  for (const s of p.body) stmt(s, "  ", out);
}

/** Prints a schedule: layout, constants, then each sweep's buffers and statements (forward, backward, inference). */
export function printSchedule(s: Schedule): string {
  const out: string[] = [
    `schedule ${JSON.stringify(s.name)} (graph ${s.hash}, ${s.dtype}, computes in ${s.compute}, sizes ${JSON.stringify(s.sizes)})`,
  ];
  out.push(
    `layout: ${s.layout.map((l) => `${l.name}[${l.shape.join(",")}]@${l.offset}`).join(" ")}`,
  );
  out.push(`tape: ${s.tape.join(", ") || "(none)"}`);
  for (const c of s.consts) out.push(`const ${c.name} [${c.width}] ${c.doc}`);
  proc(s.forward, out);
  proc(s.backward, out);
  proc(s.infer, out, "inference: ");
  return out.join("\n");
}
