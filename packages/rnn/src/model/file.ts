/**
 * A trained model as one safetensors file: the parameters as named tensors (`embedding`,
 * `rnn.<param>_l<layer>[_reverse]`, `head.<param>`) in the model's dtype, and the whole
 * configuration as JSON in the metadata entry `gated.model` (the cell in the equation syntax,
 * sizes, layers, direction, pooling, head, loss, dtype, the task's labels and vocabulary).
 *
 * Reading checks everything before a model is built: the format version, every configuration
 * field (unknown fields are refused, so nothing in the file is silently ignored), the cell's
 * equations, and then that the tensors are exactly the model's parameters — none missing, none
 * extra, each with the right shape and dtype. Each failure is one line naming what is wrong.
 */
import type { DType, ParamSlot } from "@gated/codegen";
import type { Cell } from "../defineCell.js";
import { readSafetensors, type TensorInput, writeSafetensors } from "../interop/safetensors.js";
import { parseCell } from "../syntax/parseCell.js";
import { printCell } from "../syntax/printCell.js";
import type { TextNormalize } from "../tasks/task.js";
import type { Pooling } from "../train/heads.js";
import type { ModelTask } from "./predict.js";

/** The format written and the only one read. */
export const MODEL_FORMAT = "gated-model/1";
/** The metadata entry holding the configuration. */
export const MODEL_METADATA = "gated.model";

const LOSSES = ["mse", "cross-entropy", "binary-cross-entropy"] as const;
const NORMALIZE: readonly TextNormalize[] = ["lower", "fold-ascii", "none"];

/** Everything needed to rebuild a model (its parameters aside). */
export interface ModelConfig {
  readonly format: typeof MODEL_FORMAT;
  /** The cell: its name and its equations (`printCell`, which parses back to the same graph). */
  readonly cell: { readonly name: string; readonly text: string };
  readonly hidden: number;
  readonly layers: number;
  readonly bidirectional: boolean;
  readonly input:
    | { readonly kind: "tokens"; readonly vocab: number; readonly dim: number }
    | { readonly kind: "dense"; readonly size: number };
  readonly pool: Pooling;
  readonly outputs: number;
  readonly loss: (typeof LOSSES)[number];
  readonly dtype: DType;
  readonly sizes?: Readonly<Record<string, number>>;
  readonly task?: ModelTask;
  /** Who wrote the file, e.g. "gated 0.2.0" (informational; `format` is what is checked). */
  readonly writer?: string;
}

/** What a model gives the writer. */
export interface ModelParts {
  readonly config: ModelConfig;
  /** Slots by file name (with their offsets in `params`). */
  readonly slots: readonly (ParamSlot & { readonly file: string })[];
  readonly params: ArrayLike<number>;
}

/** The configuration of a model spec; errors name what cannot be written. */
export function configOf(spec: {
  readonly cell: unknown;
  readonly hidden: number;
  readonly layers?: number;
  readonly bidirectional?: boolean;
  readonly embedding?: { readonly vocab: number; readonly dim: number };
  readonly inputSize?: number;
  readonly pool: Pooling;
  readonly outputs: number;
  readonly lossName: string;
  readonly dtype: DType;
  readonly sizes?: Readonly<Record<string, unknown>>;
  readonly task?: ModelTask;
  readonly writer?: string;
}): ModelConfig {
  const cell = spec.cell as Partial<Cell>;
  if (!cell.paramInfo || !cell.state)
    throw new Error(
      "model file: the cell is not a gated Cell (defineCell, parseCell or the catalogue), so its equations cannot be written",
    );
  const loss = spec.lossName === "ce" ? "cross-entropy" : spec.lossName;
  if (!(LOSSES as readonly string[]).includes(loss))
    throw new Error(
      `model file: loss "${spec.lossName}" has no name a file can hold (${LOSSES.join(", ")})`,
    );
  const sizes = spec.sizes
    ? Object.fromEntries(
        Object.entries(spec.sizes).map(([k, v]) => {
          if (typeof v !== "number")
            throw new Error(`model file: size ${k} is ${JSON.stringify(v)}, not a number`);
          return [k, v];
        }),
      )
    : undefined;
  return {
    format: MODEL_FORMAT,
    cell: { name: cell.name!, text: printCell(cell as Cell) },
    hidden: spec.hidden,
    layers: spec.layers ?? 1,
    bidirectional: spec.bidirectional ?? false,
    input: spec.embedding
      ? { kind: "tokens", vocab: spec.embedding.vocab, dim: spec.embedding.dim }
      : { kind: "dense", size: spec.inputSize! },
    pool: spec.pool,
    outputs: spec.outputs,
    loss: loss as ModelConfig["loss"],
    dtype: spec.dtype,
    ...(sizes && Object.keys(sizes).length ? { sizes } : {}),
    ...(spec.task ? { task: spec.task } : {}),
    ...(spec.writer !== undefined ? { writer: spec.writer } : {}),
  };
}

/** The safetensors bytes of a model. */
export function writeModelFile(m: ModelParts): Uint8Array {
  const dtype = m.config.dtype === "float32" ? "F32" : "F64";
  const tensors = new Map<string, TensorInput>();
  for (const s of m.slots)
    tensors.set(s.file, {
      dtype,
      shape: s.shape.map(Number),
      data: Array.prototype.slice.call(m.params, s.offset, s.offset + s.size) as number[],
    });
  return writeSafetensors(tensors, { [MODEL_METADATA]: JSON.stringify(m.config) });
}

/** A read file: the checked configuration and the raw tensors (checked later against a model). */
export interface ModelFile {
  readonly config: ModelConfig;
  readonly cell: Cell;
  readonly tensors: ReadonlyMap<
    string,
    { dtype: string; shape: readonly number[]; data: ArrayLike<number> }
  >;
}

const fail = (msg: string): never => {
  throw new Error(`model file: ${msg}`);
};

/** Parses and checks the file's metadata and cell (tensors are checked by `fillParams`). */
export function readModelFile(bytes: Uint8Array): ModelFile {
  const file = readSafetensors(bytes);
  for (const k of Object.keys(file.metadata))
    if (k !== MODEL_METADATA)
      fail(`unexpected metadata entry "${k}" (a model file holds only "${MODEL_METADATA}")`);
  const raw = file.metadata[MODEL_METADATA];
  if (raw === undefined)
    fail(
      `no "${MODEL_METADATA}" metadata: not a gated model (a training checkpoint is not a model)`,
    );
  let json: unknown;
  try {
    json = JSON.parse(raw!);
  } catch (e) {
    return fail(`"${MODEL_METADATA}" is not valid JSON (${(e as Error).message})`);
  }
  const config = checkConfig(json);
  let cell: Cell;
  try {
    cell = parseCell(config.cell.text);
  } catch (e) {
    return fail(`cell.text does not parse: ${(e as Error).message.split("\n")[0]}`);
  }
  const tensors = new Map(
    [...file.entries()].map(([k, t]) => [
      k,
      { dtype: t.dtype, shape: t.shape, data: t.data as ArrayLike<number> },
    ]),
  );
  return { config, cell, tensors };
}

/** Copies the file's tensors into `params`, checking they are exactly the model's slots. */
export function fillParams(
  f: ModelFile,
  slots: readonly (ParamSlot & { readonly file: string })[],
  params: { set(a: ArrayLike<number>, offset: number): void },
): void {
  const dtype = f.config.dtype === "float32" ? "F32" : "F64";
  const names = new Set(slots.map((s) => s.file));
  for (const k of f.tensors.keys())
    if (!names.has(k))
      fail(`unexpected tensor "${k}" (the model's tensors: ${[...names].join(", ")})`);
  for (const s of slots) {
    const t = f.tensors.get(s.file);
    if (!t) return fail(`missing tensor "${s.file}" (shape [${s.shape.join(", ")}])`);
    const shape = s.shape.map(Number);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      fail(
        `tensor "${s.file}" has shape [${t.shape.join(", ")}], the model needs [${shape.join(", ")}]`,
      );
    if (t.dtype !== dtype)
      fail(`tensor "${s.file}" is ${t.dtype}, the model's dtype ${f.config.dtype} needs ${dtype}`);
    params.set(t.data, s.offset);
  }
}

type Obj = Record<string, unknown>;

function fields(o: unknown, where: string, required: string[], optional: string[] = []): Obj {
  if (o === null || typeof o !== "object" || Array.isArray(o)) fail(`${where} must be an object`);
  const r = o as Obj;
  for (const k of Object.keys(r))
    if (!required.includes(k) && !optional.includes(k)) fail(`unknown field ${where}.${k}`);
  for (const k of required) if (!(k in r)) fail(`missing field ${where}.${k}`);
  return r;
}

function posInt(v: unknown, where: string): number {
  if (!(Number.isInteger(v) && (v as number) >= 1))
    fail(`${where} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function str(v: unknown, where: string): string {
  if (typeof v !== "string") fail(`${where} must be a string, got ${JSON.stringify(v)}`);
  return v as string;
}

/** Checks every field of a configuration (unknown fields are errors). */
export function checkConfig(json: unknown): ModelConfig {
  const c = fields(
    json,
    "config",
    [
      "format",
      "cell",
      "hidden",
      "layers",
      "bidirectional",
      "input",
      "pool",
      "outputs",
      "loss",
      "dtype",
    ],
    ["sizes", "task", "writer"],
  );
  if (c["format"] !== MODEL_FORMAT)
    fail(
      `format ${JSON.stringify(c["format"])} is not "${MODEL_FORMAT}" (written by another version of gated?)`,
    );
  const cell = fields(c["cell"], "cell", ["name", "text"]);
  str(cell["name"], "cell.name");
  str(cell["text"], "cell.text");
  posInt(c["hidden"], "hidden");
  posInt(c["layers"], "layers");
  if (typeof c["bidirectional"] !== "boolean")
    fail(`bidirectional must be true or false, got ${JSON.stringify(c["bidirectional"])}`);
  const inp = c["input"] as Obj;
  if (inp?.["kind"] === "tokens") {
    fields(inp, "input", ["kind", "vocab", "dim"]);
    posInt(inp["vocab"], "input.vocab");
    posInt(inp["dim"], "input.dim");
  } else if (inp?.["kind"] === "dense") {
    fields(inp, "input", ["kind", "size"]);
    posInt(inp["size"], "input.size");
  } else fail(`input.kind must be "tokens" or "dense", got ${JSON.stringify(inp?.["kind"])}`);
  const pool = c["pool"];
  if (typeof pool === "object" && pool !== null) {
    posInt(fields(pool, "pool", ["attention"])["attention"], "pool.attention");
  } else if (!["last", "mean", "max", "none"].includes(pool as string))
    fail(`pool must be last, mean, max, none or {attention: N}, got ${JSON.stringify(pool)}`);
  const outputs = posInt(c["outputs"], "outputs");
  if (!(LOSSES as readonly unknown[]).includes(c["loss"]))
    fail(`loss must be one of ${LOSSES.join(", ")}, got ${JSON.stringify(c["loss"])}`);
  if (c["dtype"] !== "float32" && c["dtype"] !== "float64")
    fail(`dtype must be float32 or float64, got ${JSON.stringify(c["dtype"])}`);
  if (c["writer"] !== undefined) str(c["writer"], "writer");
  if (c["sizes"] !== undefined) {
    const s = fields(c["sizes"], "sizes", [], Object.keys(c["sizes"] as Obj));
    for (const [k, v] of Object.entries(s)) posInt(v, `sizes.${k}`);
  }
  if (c["task"] !== undefined) {
    const t = fields(c["task"], "task", [], ["name", "classes", "text"]);
    if (t["name"] !== undefined) str(t["name"], "task.name");
    if (t["classes"] !== undefined) {
      const cl = t["classes"];
      if (!Array.isArray(cl) || !cl.every((x) => typeof x === "string"))
        fail(`task.classes must be an array of strings, got ${JSON.stringify(cl)}`);
      if ((cl as string[]).length !== outputs)
        fail(`task.classes has ${(cl as string[]).length} labels, the head ${outputs} outputs`);
    }
    if (t["text"] !== undefined) {
      const tx = fields(t["text"], "task.text", ["chars", "normalize"]);
      const chars = str(tx["chars"], "task.text.chars");
      if (!NORMALIZE.includes(tx["normalize"] as TextNormalize))
        fail(
          `task.text.normalize must be one of ${NORMALIZE.join(", ")}, got ${JSON.stringify(tx["normalize"])}`,
        );
      if (inp["kind"] !== "tokens") fail("task.text needs token inputs (input.kind tokens)");
      if ([...chars].length !== inp["vocab"])
        fail(`task.text.chars has ${[...chars].length} characters, input.vocab is ${inp["vocab"]}`);
    }
  }
  return json as ModelConfig;
}
