/**
 * The one place where the CLI binds to pieces of the other packages that land at different
 * times. A piece that is not in this build is a function that fails with one clear line, so a
 * command never fakes its output.
 */

import {
  type CompiledKernel,
  compileCell,
  emitModule,
  emitTypes,
  type Kernel,
  type KernelOptions,
  minifyModule,
  type Recurrence,
} from "@gated/codegen";
import { printDot } from "@gated/graph";
import {
  CATALOGUE_NAMES,
  type Cell,
  getCell,
  parseCell,
  printCell,
  cellLatex as rnnCellLatex,
  cellGradientLatex as rnnGradientLatex,
} from "@gated/rnn";
import { oneLine, UsageError } from "./errors.js";

function missing(what: string): never {
  throw new UsageError(`gated: ${what} is not available in this build yet`);
}

/** Compiled kernels when codegen provides them, else the reference interpreter. */
export function kernelFor(cell: Cell, opts: KernelOptions): { kernel: Kernel; compiled: boolean } {
  const { factory, compiled } = kernelFactory();
  return { kernel: factory(cell, opts), compiled };
}

export function kernelFactory(): {
  factory: (rec: Recurrence, opts: KernelOptions) => Kernel;
  compiled: boolean;
} {
  return { factory: compileCell, compiled: true };
}

/** What runs the cells, for reports. */
export function kernelBackend(): string {
  return "compiled JavaScript kernels (compileCell)";
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
  try {
    return parseCell(text);
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** Cell equations as LaTeX (forward) and the derived gradient equations. */
export function cellLatex(cell: Cell): string {
  return rnnCellLatex(cell);
}

/** The gradient equations of one BPTT step. */
export function cellGradientLatex(cell: Cell): string {
  return rnnGradientLatex(cell);
}

/** The cell back in the equation syntax. */
export function printCellText(cell: Cell): string {
  return printCell(cell);
}

/** The step graph in Graphviz DOT. */
export function cellDot(cell: Cell): string {
  // an output of its own (`output y = …`) is a root beside the next states
  const roots = cell.state.map((s) => s.next);
  return printDot(roots.includes(cell.output) ? roots : [...roots, cell.output], {
    name: cell.name,
    names: cell.locals,
  });
}

/** A standalone ES module and its .d.ts for a compiled kernel. */
export async function emitKernelModule(
  kernel: Kernel,
  opts: { minify: boolean; threads?: boolean },
): Promise<{ js: string; dts: string }> {
  const k = kernel as CompiledKernel;
  if (!("schedule" in k)) return missing("module emission for this kernel (not compiled)");
  const emit = { threads: opts.threads === true };
  const js = emitModule(k, emit);
  return { js: opts.minify ? await minified(js) : js, dts: emitTypes(k, emit) };
}

/** `--minify` without esbuild installed is one line on stderr (exit 1), not a stack trace. */
async function minified(js: string): Promise<string> {
  try {
    return await minifyModule(js);
  } catch (e) {
    const msg = oneLine(e);
    if (msg.includes("needs esbuild")) throw new UsageError(`--minify: ${msg}`, 1);
    throw e;
  }
}
