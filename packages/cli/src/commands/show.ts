/**
 * `gated show CELL`: the cell's definition (equation syntax), its step equations and the derived
 * gradient equations as Unicode math (LaTeX with `--latex`; the report renders it), the step
 * graph in DOT, and the parameter table.
 */
import { type Dim, formatShape, parseDim, resolveDim, type Shape } from "@gated/graph";
import { hasOwnOutput } from "@gated/rnn";
import { type FlagSpecs, getDims, helpText, parseArgs } from "../args.js";
import { cellGradientUnicode, cellUnicode } from "../cellMath.js";
import { reportWarnings, resolveCell } from "../cells.js";
import { catalogueNames, cellDot, cellGradientLatex, cellLatex, printCellText } from "../deps.js";
import { checkDimsUsed, DIM_FLAG, extraDims } from "../dims.js";
import { UsageError } from "../errors.js";

export const SHOW_FLAGS: FlagSpecs = {
  list: { kind: "boolean", help: "list the catalogue" },
  latex: { kind: "boolean", help: "only the equations as LaTeX source (forward and gradient)" },
  dot: { kind: "boolean", help: "only the DOT graph of the step" },
  params: { kind: "boolean", help: "only the parameter table" },
  strict: { kind: "boolean", help: "a warning about the cell's equations is an error" },
  dim: DIM_FLAG,
};

/** A shape with the dims `--dim` sizes replaced by their sizes (`[G, H]` → `[4, H]`). */
function sizedShape(shape: Shape, dims: Readonly<Record<string, number>>): string {
  const one = (d: Dim): Dim => {
    if (typeof d !== "string") return d;
    const names = Object.keys(parseDim(d)?.terms ?? { [d]: 1 });
    return names.every((n) => Object.hasOwn(dims, n)) ? resolveDim(d, dims) : d;
  };
  return formatShape(shape.map(one));
}

function section(title: string, body: string): string {
  return `== ${title} ==\n${body.trimEnd()}\n`;
}

function tryPrint(f: () => string): string {
  try {
    return f();
  } catch (e) {
    return `(unavailable: ${(e as Error).message.split("\n")[0]})`;
  }
}

/** The text `gated show` prints for one cell spec and selection of sections. */
export function showText(
  spec: string,
  only: { latex?: boolean; dot?: boolean; params?: boolean } = {},
  dims: Readonly<Record<string, number>> = {},
): string {
  const entry = resolveCell(spec);
  const c = entry.cell;
  const rows = [
    ["parameter", "shape", "role", "init"],
    ...c.paramInfo.map((p) => [p.name, sizedShape(p.shape, dims), p.role, initText(p.init)]),
  ];
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const table = rows
    .map((r) =>
      r
        .map((x, j) => x.padEnd(widths[j]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
  const states = Object.entries(c.stateSizes)
    .map(([k, v]) => `${k}${sizedShape([v], dims)}`)
    .join(", ");
  // an output of its own (output y = …) is named; a state's output is the usual case
  const own = hasOwnOutput(c);
  const output = own
    ? `, output ${c.locals.get(c.output) ?? "y"}${sizedShape(c.output.shape, dims)}`
    : "";
  const extra = extraDims(c);
  const dimLine = extra.length
    ? `; dims ${extra.map((d) => (Object.hasOwn(dims, d) ? `${d} = ${dims[d]}` : d)).join(", ")}`
    : "";
  const any = only.latex || only.dot || only.params;
  const parts: string[] = [];
  if (!any) {
    parts.push(
      `cell ${c.name} (${entry.origin}): input x[${c.inputDim}], state ${states}${output}${dimLine}\n`,
    );
    parts.push(section("definition", entry.source ?? tryPrint(() => printCellText(c))));
    parts.push(
      section(
        "step equations",
        tryPrint(() => cellUnicode(c)),
      ),
    );
    parts.push(
      section(
        "gradient equations (one BPTT step; ∂v is the loss's gradient w.r.t. v)",
        tryPrint(() => cellGradientUnicode(c)),
      ),
    );
  }
  if (only.latex) {
    parts.push(section("equations (LaTeX)", cellLatex(c)));
    parts.push(section("gradient equations (LaTeX, one BPTT step)", cellGradientLatex(c)));
  }
  if (!any || only.params) parts.push(section("parameters", table));
  if (!any || only.dot) parts.push(section("step graph (DOT)", cellDot(c)));
  return parts.join("\n");
}

function initText(i: { kind: string; value?: number; bound?: number }): string {
  if (i.kind === "constant") return `constant ${i.value}`;
  if (i.kind === "uniform") return i.bound !== undefined ? `uniform ±${i.bound}` : "uniform ±1/√H";
  return i.kind;
}

export async function showCommand(argv: readonly string[]): Promise<number> {
  const p = parseArgs("show", argv, SHOW_FLAGS);
  if (p.flags["help"]) {
    process.stdout.write(
      helpText(
        "gated show CELL [--latex|--dot|--params] [--dim NAME=N …] | gated show --list",
        "Shows a cell: its definition, its step equations and the derived gradient equations (Unicode\nmath; --latex for LaTeX source), its step graph (DOT) and its parameter table. CELL is a catalogue name or an equation-syntax file.\n--dim NAME=N shows the cell's extra dims at that size in the shapes (checked against the cell).",
        SHOW_FLAGS,
      ),
    );
    return 0;
  }
  if (p.flags["list"]) {
    const names = catalogueNames();
    if (names.length === 0)
      throw new UsageError("gated show: the cell catalogue is not available in this build yet");
    process.stdout.write(`${names.join("\n")}\n`);
    return 0;
  }
  if (p.positional.length !== 1)
    throw new UsageError(
      `gated show: expected one CELL (catalogue name or cell file), got ${p.positional.length}`,
    );
  const entry = resolveCell(p.positional[0]!);
  reportWarnings("show", [entry], p.flags["strict"] === true);
  const dims = getDims(p, "show");
  checkDimsUsed("show", [entry.cell], dims);
  process.stdout.write(
    showText(
      p.positional[0]!,
      {
        latex: p.flags["latex"] === true,
        dot: p.flags["dot"] === true,
        params: p.flags["params"] === true,
      },
      dims,
    ),
  );
  return 0;
}
