/**
 * `gated import FILE --from keras|tfjs|onnx|pytorch|gated -o OUT.safetensors`: foreign LSTM/GRU
 * weights (or parameters trained on an exported module, `--from gated --cell CELL`) become
 * gated's parameters of the matching cell, written as safetensors under gated's names (what
 * `gated export --weights` and the exported modules read). `--check DATA.safetensors` then
 * runs the cell in gated on DATA's `x` [T, B, I] (and `lengths`) and compares with its `output`,
 * and, given `readout.weight`/`readout.bias`, `y` and `loss`, the loss of a linear read-out of
 * the last real step (MSE): exit 1 when they differ by more than --tol.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  getCell,
  type ImportFormat,
  type ImportKind,
  importWeights,
  modelWithParams,
  paramsByName,
  readOnnxRecurrent,
  writeSafetensors,
} from "@gated/rnn";
import { type FlagSpecs, getBool, getDims, getNum, getStr, helpText, parseArgs } from "../args.js";
import { resolveCell } from "../cells.js";
import { writeFileAtomic } from "../checkpoint.js";
import { cellSizes, checkDimsUsed, DIM_FLAG } from "../dims.js";
import { UsageError } from "../errors.js";
import { cellTensors, readBytes, readTensors } from "./weights.js";

export const IMPORT_FLAGS: FlagSpecs = {
  from: {
    kind: "string",
    choices: ["keras", "tfjs", "onnx", "pytorch", "gated"],
    help: "the weights' layout",
  },
  kind: {
    kind: "string",
    choices: ["lstm", "gru"],
    help: "the layer (keras, tfjs, pytorch; onnx reads it off the node)",
  },
  "reset-after": {
    kind: "string",
    choices: ["true", "false"],
    help: "Keras GRU reset_after (default: from the bias shape)",
  },
  "linear-before-reset": {
    kind: "boolean",
    help: "ONNX GRU given as tensors W, R, B: linear_before_reset = 1",
  },
  cell: { kind: "string", help: "--from gated: the cell the parameters belong to" },
  input: { kind: "int", min: 1, help: "--from gated: input size I" },
  hidden: { kind: "int", min: 1, help: "--from gated: hidden size H" },
  dim: DIM_FLAG,
  out: { kind: "string", short: "o", help: "output safetensors file (gated's names)" },
  check: {
    kind: "string",
    help: "safetensors with x [T, B, I] (+ lengths, output, readout.*, y, loss) to check in gated",
  },
  tol: { kind: "number", help: "--check tolerance (relative)", default: 1e-6 },
};

const USAGE =
  "gated import FILE --from keras|tfjs|onnx|pytorch|gated [--kind lstm|gru] [--cell CELL --input N --hidden N] -o OUT.safetensors [--check DATA.safetensors]";

interface Imported {
  readonly cellName: string;
  readonly cell: ReturnType<typeof getCell>;
  readonly dims: { inputSize: number; hiddenSize: number; sizes: Record<string, number> };
  readonly values: Map<string, Float64Array>;
}

function load(
  file: string,
  from: string,
  p: ReturnType<typeof parseArgs>,
  sizes: Record<string, number>,
): Imported {
  if (from === "gated") {
    const spec = getStr(p, "cell");
    const input = p.flags["input"],
      hidden = p.flags["hidden"];
    if (spec === undefined || typeof input !== "number" || typeof hidden !== "number")
      throw new UsageError("gated import --from gated needs --cell CELL --input N --hidden N");
    const entry = resolveCell(spec);
    checkDimsUsed("import", [entry.cell], sizes);
    const t = cellTensors(readTensors(file));
    return {
      cellName: entry.name,
      cell: entry.cell,
      // --dim, else the cell's own default (dim M = 2*H), else a default by name, else an error
      dims: {
        inputSize: input,
        hiddenSize: hidden,
        sizes: cellSizes("import", entry.cell, sizes, hidden),
      },
      values: new Map([...t].map(([k, v]) => [k, v.data])),
    };
  }
  let w: ReturnType<typeof importWeights>;
  if (from === "onnx" && /\.onnx$/i.test(file)) {
    const rec = readOnnxRecurrent(readBytes(file));
    w = importWeights("onnx", rec.kind, rec.tensors, { linearBeforeReset: rec.linearBeforeReset });
  } else {
    const kind = getStr(p, "kind") as ImportKind | undefined;
    if (kind === undefined)
      throw new UsageError(`gated import --from ${from} needs --kind lstm|gru`);
    const ra = getStr(p, "reset-after");
    w = importWeights(from as ImportFormat, kind, readTensors(file), {
      ...(ra !== undefined ? { resetAfter: ra === "true" } : {}),
      linearBeforeReset: getBool(p, "linear-before-reset"),
    });
  }
  return {
    cellName: w.cell,
    cell: getCell(w.cell),
    dims: { inputSize: w.inputSize, hiddenSize: w.hiddenSize, sizes },
    values: w.params,
  };
}

function check(file: string, imp: Imported, tol: number): boolean {
  const t = readTensors(file);
  const x = t.get("x");
  if (!x || x.shape.length !== 3) throw new UsageError(`${file}: needs a tensor x [T, B, I]`);
  const [T, B] = x.shape as [number, number, number];
  const lengths = t.get("lengths");
  const { model, params } = modelWithParams(imp.cell, imp.dims, imp.values);
  const run = model.forward(params, x.data, {
    batch: B,
    ...(lengths ? { lengths: lengths.data } : {}),
  });
  let ok = true;
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
  const ref = t.get("output");
  if (ref) {
    let m = 0;
    for (let i = 0; i < ref.data.length; i++) m = Math.max(m, rel(run.output[i]!, ref.data[i]!));
    if (ref.data.length !== run.output.length) m = Infinity;
    ok &&= m <= tol;
    process.stdout.write(`output: max relative difference from ${file}'s ${m.toExponential(2)}\n`);
  }
  const W = t.get("readout.weight"),
    b = t.get("readout.bias"),
    y = t.get("y");
  if (W && b && y) {
    const n = model.outputSize,
      k = W.shape[0]!;
    let loss = 0;
    for (let s = 0; s < B; s++) {
      const last = Math.max(0, (lengths ? lengths.data[s]! : T) - 1);
      for (let o = 0; o < k; o++) {
        let v = b.data[o]!;
        for (let j = 0; j < n; j++) v += W.data[o * n + j]! * run.output[(last * B + s) * n + j]!;
        loss += (v - y.data[s * k + o]!) ** 2;
      }
    }
    loss /= B * k;
    const theirs = t.get("loss")?.data[0];
    process.stdout.write(
      `loss (MSE of the read-out, in gated): ${loss}${theirs !== undefined ? ` (${file}: ${theirs}, relative difference ${rel(loss, theirs).toExponential(2)})` : ""}\n`,
    );
    if (theirs !== undefined) ok &&= rel(loss, theirs) <= tol;
  }
  return ok;
}

export async function importCommand(argv: readonly string[]): Promise<number> {
  const p = parseArgs("import", argv, IMPORT_FLAGS);
  const sizes = getDims(p, "import");
  if (p.flags["help"]) {
    process.stdout.write(
      helpText(
        USAGE,
        "Imports LSTM/GRU weights laid out by Keras, TF.js (model.json or tensors), ONNX (.onnx with one\nLSTM/GRU node) or PyTorch (weight_ih_l0 …) into gated's lstm, gru or cho_gru, or parameters\ntrained on an exported module (--from gated), and writes them under gated's names.",
        IMPORT_FLAGS,
      ),
    );
    return 0;
  }
  if (p.positional.length !== 1)
    throw new UsageError(`gated import: expected one weights FILE, got ${p.positional.length}`);
  const from = getStr(p, "from");
  if (from === undefined)
    throw new UsageError("gated import: --from keras|tfjs|onnx|pytorch|gated is required");
  const out = getStr(p, "out");
  if (out === undefined)
    throw new UsageError("gated import: -o/--out FILE.safetensors is required");
  try {
    // every --from but gated imports lstm or gru, which use no dim a --dim could size
    if (from !== "gated") checkDimsUsed("import", [], sizes);
    const imp = load(p.positional[0]!, from, p, sizes);
    const { model, params } = modelWithParams(imp.cell, imp.dims, imp.values);
    const named = paramsByName(model, params);
    mkdirSync(dirname(out) || ".", { recursive: true });
    writeFileAtomic(
      out,
      writeSafetensors(
        new Map(
          [...named].map(([k, v]) => [k, { dtype: "F64" as const, shape: v.shape, data: v.data }]),
        ),
        {
          "gated.cell": imp.cellName,
          "gated.input": String(imp.dims.inputSize),
          "gated.hidden": String(imp.dims.hiddenSize),
        },
      ),
    );
    process.stdout.write(
      `wrote ${out}: cell ${imp.cellName} (I = ${imp.dims.inputSize}, H = ${imp.dims.hiddenSize}), parameters ${[...named.keys()].join(", ")}\n`,
    );
    const data = getStr(p, "check");
    if (data !== undefined && !check(data, imp, getNum(p, IMPORT_FLAGS, "tol"))) {
      process.stderr.write(`gated import: ${data}: gated's results differ by more than --tol\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`gated import: ${(e as Error).message}`);
  }
}
