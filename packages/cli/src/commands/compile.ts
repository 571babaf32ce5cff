/**
 * `gated compile CELL -o out.mjs`: compiles a cell for fixed sizes and a dtype and writes the
 * standalone ES module (no imports) and its `.d.ts` beside it.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type FlagSpecs, getBool, getDims, getInt, getStr, helpText, parseArgs } from "../args.js";
import { reportWarnings, resolveCell } from "../cells.js";
import { writeFileAtomic } from "../checkpoint.js";
import { emitKernelModule, kernelFor } from "../deps.js";
import { cellSizes, checkDimsUsed, DIM_FLAG } from "../dims.js";
import { UsageError } from "../errors.js";
import { checkOutputFiles } from "../outputs.js";

export const COMPILE_FLAGS: FlagSpecs = {
  out: {
    kind: "string",
    short: "o",
    help: "output module path (.mjs or .js); the .d.ts goes beside it",
  },
  dtype: { kind: "string", choices: ["float32", "float64"], help: "precision", default: "float32" },
  input: { kind: "int", min: 1, max: 65_536, help: "input size I", default: 8 },
  hidden: { kind: "int", min: 1, max: 65_536, help: "hidden size H", default: 16 },
  minify: { kind: "boolean", help: "minify the module with esbuild" },
  threads: {
    kind: "boolean",
    help: "also export threads(n): forward/backward over n workers (the module must stay a file)",
  },
  dim: DIM_FLAG,
  strict: { kind: "boolean", help: "a warning about the cell's equations is an error" },
};

export interface CompileResult {
  readonly module: string;
  /** The declaration files written (`.d.ts`, and `.d.mts` for a `.mjs` module, which TypeScript looks for). */
  readonly types: readonly string[];
  readonly bytes: number;
}

/** Compiles `spec` and writes the module and its types; returns the paths written. */
export async function compileToFile(
  spec: string,
  out: string,
  opts: {
    dtype: "float32" | "float64";
    input: number;
    hidden: number;
    minify: boolean;
    /** Export `threads(n)` too (emitModule's `threads` option). */
    threads?: boolean;
    dims?: Readonly<Record<string, number>>;
  },
): Promise<CompileResult> {
  const entry = resolveCell(spec);
  checkDimsUsed("compile", [entry.cell], opts.dims ?? {});
  const { kernel } = kernelFor(entry.cell, {
    inputSize: opts.input,
    hiddenSize: opts.hidden,
    dtype: opts.dtype,
    sizes: cellSizes("compile", entry.cell, opts.dims ?? {}, opts.hidden, opts.input),
  });
  const { js, dts } = await emitKernelModule(kernel, {
    minify: opts.minify,
    threads: opts.threads === true,
  });
  const base = out.replace(/\.(mjs|js)$/i, "");
  const types = [`${base}.d.ts`, ...(/\.mjs$/i.test(out) ? [`${base}.d.mts`] : [])];
  mkdirSync(dirname(out) || ".", { recursive: true });
  writeFileAtomic(out, js);
  for (const t of types) writeFileAtomic(t, dts);
  return { module: out, types, bytes: Buffer.byteLength(js) };
}

export async function compileCommand(argv: readonly string[]): Promise<number> {
  const p = parseArgs("compile", argv, COMPILE_FLAGS);
  if (p.flags["help"]) {
    process.stdout.write(
      helpText(
        "gated compile CELL -o out.mjs [--dtype float32|float64] [--input N --hidden N] [--minify] [--threads]",
        "Compiles a cell (catalogue name or equation-syntax file) to a standalone ES module with no\nimports, exporting the parameter layout, forward, backward and a streaming step API, plus its .d.ts.",
        COMPILE_FLAGS,
      ),
    );
    return 0;
  }
  if (p.positional.length !== 1)
    throw new UsageError(
      `gated compile: expected one CELL (catalogue name or cell file), got ${p.positional.length}`,
    );
  const out = getStr(p, "out");
  if (out === undefined) throw new UsageError("gated compile: -o/--out FILE is required");
  if (!/\.(mjs|js)$/i.test(out))
    throw new UsageError(`gated compile: --out must end in .mjs or .js, got "${out}"`);
  const spec = p.positional[0]!;
  reportWarnings("compile", [resolveCell(spec)], getBool(p, "strict"));
  const base = out.replace(/\.(mjs|js)$/i, "");
  const outputs = [out, `${base}.d.ts`, ...(/\.mjs$/i.test(out) ? [`${base}.d.mts`] : [])];
  checkOutputFiles(
    "compile",
    outputs.map((path) => ({ flag: "-o", path })),
    existsSync(spec) ? [{ what: "the cell file", path: spec }] : [],
  );
  const r = await compileToFile(spec, out, {
    dtype: getStr(p, "dtype", COMPILE_FLAGS) as "float32" | "float64",
    input: getInt(p, COMPILE_FLAGS, "input"),
    hidden: getInt(p, COMPILE_FLAGS, "hidden"),
    minify: getBool(p, "minify"),
    threads: getBool(p, "threads"),
    dims: getDims(p, "compile"),
  });
  process.stdout.write(`wrote ${r.module} (${r.bytes} bytes) and ${r.types.join(", ")}\n`);
  return 0;
}
