/**
 * A small, strict flag parser: every flag a command accepts is declared with its kind, so an
 * unknown flag, a missing value or a malformed number is a `UsageError` naming the flag.
 */
import { UsageError } from "./errors.js";

export type FlagKind = "string" | "int" | "number" | "boolean" | "list" | "dims";

export interface FlagSpec {
  readonly kind: FlagKind;
  /** One-letter alias, e.g. "o" for --out. */
  readonly short?: string;
  readonly help: string;
  /** Shown in help; for ints and numbers, also the value when the flag is absent. */
  readonly default?: string | number | boolean;
  /** For strings: the accepted values. */
  readonly choices?: readonly string[];
  /** For ints and numbers: the smallest accepted value. */
  readonly min?: number;
  /** For ints and numbers: the largest accepted value (sizes that would exhaust memory). */
  readonly max?: number;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;
export type FlagValue = string | number | boolean | string[];

export interface Parsed {
  readonly flags: Readonly<Record<string, FlagValue | undefined>>;
  readonly positional: readonly string[];
}

/** Parses `argv` (after the command name) against `specs`; `--help` is always accepted. */
export function parseArgs(command: string, argv: readonly string[], specs: FlagSpecs): Parsed {
  const flags: Record<string, FlagValue | undefined> = {};
  const positional: string[] = [];
  const byShort = new Map(
    Object.entries(specs).flatMap(([k, s]) => (s.short ? [[s.short, k] as const] : [])),
  );
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "--help" || arg === "-h") {
      flags["help"] = true;
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) inline = arg.slice(eq + 1);
    } else if (arg.startsWith("-") && arg.length > 1 && !/^-\d/.test(arg)) {
      name = byShort.get(arg.slice(1));
      if (name === undefined)
        throw new UsageError(`gated ${command}: unknown flag ${arg} (see gated ${command} --help)`);
    } else {
      positional.push(arg);
      continue;
    }
    const spec = specs[name];
    if (!spec)
      throw new UsageError(
        `gated ${command}: unknown flag --${name} (see gated ${command} --help)`,
      );
    if (spec.kind === "boolean") {
      if (inline !== undefined && inline !== "true" && inline !== "false") {
        throw new UsageError(`gated ${command}: --${name} takes no value`);
      }
      flags[name] = inline !== "false";
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined || (inline === undefined && raw.startsWith("--"))) {
      throw new UsageError(`gated ${command}: --${name} needs a value`);
    }
    const v = convert(command, name, spec, raw);
    // --dim G=4 --dim M=8: repeated dims accumulate
    const prev = flags[name];
    flags[name] =
      spec.kind === "dims" && Array.isArray(prev) && Array.isArray(v) ? [...prev, ...v] : v;
  }
  return { flags, positional };
}

function convert(command: string, name: string, spec: FlagSpec, raw: string): FlagValue {
  const where = `gated ${command}: --${name}`;
  switch (spec.kind) {
    case "int":
    case "number": {
      const v = Number(raw);
      if (
        raw.trim() === "" ||
        !Number.isFinite(v) ||
        (spec.kind === "int" && !Number.isInteger(v))
      ) {
        throw new UsageError(
          `${where} expects ${spec.kind === "int" ? "an integer" : "a number"}, got "${raw}"`,
        );
      }
      if (spec.min !== undefined && v < spec.min)
        throw new UsageError(`${where} must be at least ${spec.min}, got ${raw}`);
      if (spec.max !== undefined && v > spec.max)
        throw new UsageError(`${where} is at most ${spec.max}, got ${raw}`);
      return v;
    }
    case "list": {
      const items = raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      if (items.length === 0)
        throw new UsageError(`${where} expects a comma-separated list, got "${raw}"`);
      return items;
    }
    case "dims": {
      const items = raw.split(",").map((s) => s.trim());
      for (const it of items) {
        const m = /^([\p{L}_][\p{L}\p{N}_]*)=(\d+)$/u.exec(it);
        if (!m || Number(m[2]) < 1 || Number(m[2]) > MAX_DIM)
          throw new UsageError(
            `${where} expects NAME=N with N a whole number in 1..${MAX_DIM} (e.g. --${name} G=4), got "${it}"`,
          );
      }
      return items;
    }
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(`${where} must be one of ${spec.choices.join(", ")}, got "${raw}"`);
      }
      return raw;
    case "boolean":
      return true;
  }
}

/** Largest size a `--dim NAME=N` may give. */
export const MAX_DIM = 4096;

/** `--dim NAME=N` values as sizes by name (a name given twice is an error). */
export function getDims(p: Parsed, command: string, name = "dim"): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of getList(p, name) ?? []) {
    const [k, v] = it.split("=") as [string, string];
    if (Object.hasOwn(out, k))
      throw new UsageError(`gated ${command}: --${name} ${k} is given twice`);
    out[k] = Number(v);
  }
  return out;
}

/** Typed accessors with defaults from the spec. */
export function getInt(p: Parsed, specs: FlagSpecs, name: string): number {
  const v = p.flags[name] ?? specs[name]?.default;
  if (typeof v !== "number") throw new Error(`flag --${name} has no default`);
  return v;
}
export function getNum(p: Parsed, specs: FlagSpecs, name: string): number {
  return getInt(p, specs, name);
}
export function getStr(p: Parsed, name: string, specs?: FlagSpecs): string | undefined {
  const v = p.flags[name] ?? specs?.[name]?.default;
  return typeof v === "string" ? v : undefined;
}
export function getBool(p: Parsed, name: string): boolean {
  return p.flags[name] === true;
}
export function getList(p: Parsed, name: string): string[] | undefined {
  const v = p.flags[name];
  return Array.isArray(v) ? v : undefined;
}

/** The `--help` text of a command. */
export function helpText(usage: string, summary: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `${s.short ? `-${s.short}, ` : "    "}--${name}${s.kind === "boolean" ? "" : ` ${valueName(s)}`}`;
    const def = s.default !== undefined && s.default !== false ? ` (default ${s.default})` : "";
    return `  ${left.padEnd(28)} ${s.help}${def}`;
  });
  return `usage: ${usage}\n\n${summary}\n\nflags:\n${rows.join("\n")}\n      --help                   show this help\n`;
}

function valueName(s: FlagSpec): string {
  if (s.choices) return s.choices.join("|");
  return s.kind === "int"
    ? "N"
    : s.kind === "number"
      ? "X"
      : s.kind === "list"
        ? "A,B,…"
        : s.kind === "dims"
          ? "NAME=N"
          : "VALUE";
}
