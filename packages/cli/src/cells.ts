/**
 * Resolving a CELL argument: a catalogue name, or a file in the equation syntax. The main job's
 * MGU variant is embedded here as equation text, the way a researcher would write it.
 */

import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { type Cell, cellWarnings, getCell } from "@gated/rnn";
import { catalogueCell, catalogueNames, parseCellText } from "./deps.js";
import { UsageError } from "./errors.js";

export interface CellEntry {
  /** The argument it was resolved from (worker threads resolve it again). */
  readonly spec: string;
  /** Name used in tables and file names (the catalogue name, or the cell's own name). */
  readonly name: string;
  readonly cell: Cell;
  /** Equation text when the cell came from the equation syntax. */
  readonly source?: string;
  /** Where it came from, for reports. */
  readonly origin: string;
  /** Identifies the definition (for checkpoint compatibility). */
  readonly fingerprint: string;
  /** Likely mistakes in its equation text, `FILE:line:col: …` (see @gated/rnn's cellWarnings). */
  readonly warnings: readonly string[];
}

/** Prints each cell's warnings on stderr; with `strict`, the first one is a usage error. */
export function reportWarnings(
  command: string,
  cells: readonly CellEntry[],
  strict: boolean,
): void {
  const all = cells.flatMap((c) => c.warnings);
  if (strict && all.length > 0) throw new UsageError(`gated ${command}: ${all[0]} (--strict)`);
  for (const w of all) process.stderr.write(`gated ${command}: warning: ${w}\n`);
}

const warningsOf = (cell: Cell, file: string): string[] =>
  cellWarnings(cell).map((w) => `${file}:${w.message}`);

/** Minimal gated unit (Zhou et al. 2016), written in the equation syntax. */
export const MGU_SOURCE = `cell mgu(x[I]; h[H]) {
  f  = sigmoid(U_f x + W_f h + b_f)
  n  = tanh(U_n x + W_n (f * h) + b_n)
  h' = (1 - f) * h + f * n
}`;

const EMBEDDED: Readonly<Record<string, string>> = { "mgu-eq": MGU_SOURCE };

/** Catalogue cells with other options, as `gated study jozefowicz` compares them. */
const OPTIONED: Readonly<
  Record<string, { readonly name: string; readonly opts: Record<string, unknown> }>
> = {
  "lstm-fb0": { name: "lstm", opts: { forgetBias: 0 } },
};

function looksLikeFile(spec: string): boolean {
  return /[/\\]/.test(spec) || /\.(cell|txt|eq)$/i.test(spec);
}

function hash(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 16);
}

/** A catalogue name, `mgu-eq` (the embedded equation-syntax MGU), or a path to a cell file. */
export function resolveCell(spec: string): CellEntry {
  const optioned = Object.hasOwn(OPTIONED, spec) ? OPTIONED[spec]! : undefined;
  if (optioned) {
    return {
      spec,
      name: spec,
      cell: getCell(optioned.name, optioned.opts),
      origin: `catalogue (${optioned.name}, ${JSON.stringify(optioned.opts)})`,
      fingerprint: `catalogue:${spec}`,
      warnings: [],
    };
  }
  const embedded = Object.hasOwn(EMBEDDED, spec) ? EMBEDDED[spec] : undefined;
  if (embedded !== undefined) {
    return {
      spec,
      name: spec,
      cell: parseCellText(embedded, spec),
      source: embedded,
      origin: "equation syntax (embedded)",
      fingerprint: hash(embedded),
      warnings: [],
    };
  }
  if (!looksLikeFile(spec)) {
    const c = catalogueCell(spec);
    if (c)
      return {
        spec,
        name: spec,
        cell: c,
        ...(c.source !== undefined ? { source: c.source } : {}),
        origin: "catalogue",
        fingerprint: `catalogue:${spec}`,
        warnings: [],
      };
    let isFile = false;
    try {
      isFile = statSync(spec).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) {
      const names = catalogueNames();
      const near = names.filter((n) => n.includes(spec) || spec.includes(n)).slice(0, 5);
      const hint = near.length
        ? ` (did you mean ${near.join(", ")}?)`
        : names.length
          ? " (see gated show --list)"
          : "";
      throw new UsageError(`unknown cell "${spec}": not a catalogue name nor a cell file${hint}`);
    }
  }
  let text: string;
  try {
    text = readFileSync(spec, "utf8");
  } catch (e) {
    throw new UsageError(
      `cannot read cell file ${spec}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  let cell: Cell;
  try {
    cell = parseCellText(text, spec);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${spec}: ${(e as Error).message.split("\n")[0]}`);
  }
  return {
    spec,
    name: cell.name,
    cell,
    source: text,
    origin: spec,
    fingerprint: hash(text),
    warnings: warningsOf(cell, spec),
  };
}
