/**
 * The one place where the CLI binds to pieces of the other packages that land at different
 * times. A piece that is not in this build is a function that fails with one clear line, so a
 * command never fakes its output.
 */
import { printDot, printLatexEquations, latexName, type Node } from "@gated/graph";
import { referenceKernel, stepVjp, type Kernel, type KernelOptions, type Recurrence } from "@gated/codegen";
import { CATALOGUE_NAMES, getCell, type Cell } from "@gated/rnn";
import { UsageError } from "./errors.js";

function missing(what: string): never {
  throw new UsageError(`gated: ${what} is not available in this build yet`);
}

/** Compiled kernels when codegen provides them, else the reference interpreter. */
export function kernelFor(cell: Cell, opts: KernelOptions): { kernel: Kernel; compiled: boolean } {
  const { factory, compiled } = kernelFactory();
  return { kernel: factory(cell, opts), compiled };
}

export function kernelFactory(): { factory: (rec: Recurrence, opts: KernelOptions) => Kernel; compiled: boolean } {
  return { factory: referenceKernel, compiled: false };
}

/** What runs the cells, for reports. */
export function kernelBackend(): string {
  return "reference interpreter (compiled kernels not in this build)";
}

/** Catalogue lookup by name. */
export function catalogueCell(name: string): Cell | undefined {
  return (CATALOGUE_NAMES as readonly string[]).includes(name) ? getCell(name) : undefined;
}

export function catalogueNames(): readonly string[] {
  return CATALOGUE_NAMES;
}

/** The equation-syntax parser. */
export function parseCellText(text: string, file: string): Cell {
  void text;
  void file;
  return missing("the equation-syntax parser (parseCell)");
}

/** Cell equations as LaTeX (forward) and the derived gradient equations. */
export function cellLatex(cell: Cell): string {
  const named: { name: string; node: Node }[] = [];
  const nexts = new Set(cell.state.map((s) => s.next));
  for (const [node, name] of cell.locals) if (!nexts.has(node)) named.push({ name, node });
  for (const s of cell.state) named.push({ name: `${latexName(s.name, "input")}^{(t)}`, node: s.next });
  return printLatexEquations(named, { name: (n) => stepName(cell, n) });
}

/** x^{(t)} for the input, h^{(t-1)} for a previous state. */
function stepName(cell: Cell, n: Node): string | undefined {
  if (n === cell.x) return "x^{(t)}";
  return cell.state.some((s) => s.node === n) ? `${latexName(n.label!, "input")}^{(t-1)}` : undefined;
}

/** Gradients of one step: ∂L/∂(param, x, previous state) from the cotangents of the next state. */
export function cellGradientLatex(cell: Cell): string {
  const dv = stepVjp(cell);
  const wrt = [cell.x, ...cell.state.map((s) => s.node), ...cell.params];
  const named = wrt.map((n, i) => ({ name: `\\frac{\\partial L}{\\partial ${latexName(n.label!, n.op.name === "param" ? "param" : "input")}}`, node: dv.grads[i]! }));
  const seedNames = new Map<Node, string>(dv.seeds.map((s, k) => [s, k < cell.state.length ? `\\bar{${latexName(cell.state[k]!.name, "input")}}^{(t)}` : "\\bar{y}^{(t)}"]));
  return printLatexEquations(named, { name: (n) => seedNames.get(n) ?? stepName(cell, n) });
}

/** The cell back in the equation syntax. */
export function printCellText(cell: Cell): string {
  void cell;
  return missing("the equation-syntax printer (printCell)");
}

/** The step graph in Graphviz DOT. */
export function cellDot(cell: Cell): string {
  return printDot(cell.state.map((s) => s.next), { name: cell.name, names: cell.locals });
}

/** A standalone ES module and its .d.ts for a compiled kernel. */
export function emitKernelModule(kernel: Kernel, opts: { minify: boolean }): { js: string; dts: string } {
  void kernel;
  void opts;
  return missing("module emission (emitModule)");
}
