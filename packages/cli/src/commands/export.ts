/**
 * `gated export CELL --to pytorch|onnx -o FILE --input N --hidden N [--dim NAME=N …]
 * [--weights FILE] [--dtype float32|float64]`: a cell as a PyTorch module (one .py file) or as
 * an ONNX model of the whole sequence. With --weights, the cell's trained parameters go along:
 * into the ONNX initializers, or (PyTorch) beside the module as FILE.safetensors under gated's
 * names, which the module's load_gated_safetensors reads.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  defaultParams,
  exportOnnx,
  exportPytorch,
  modelWithParams,
  writeSafetensors,
} from "@gated/rnn";
import { type FlagSpecs, getBool, getDims, getInt, getStr, helpText, parseArgs } from "../args.js";
import { resolveCell } from "../cells.js";
import { writeFileAtomic } from "../checkpoint.js";
import { cellSizes, checkDimsUsed, DIM_FLAG } from "../dims.js";
import { UsageError } from "../errors.js";
import { cellTensors, readTensors } from "./weights.js";

export const EXPORT_FLAGS: FlagSpecs = {
  to: { kind: "string", choices: ["pytorch", "onnx"], help: "target" },
  out: { kind: "string", short: "o", help: "output file (.py for pytorch, .onnx for onnx)" },
  input: { kind: "int", min: 1, help: "input size I", default: 8 },
  hidden: { kind: "int", min: 1, help: "hidden size H", default: 16 },
  dim: DIM_FLAG,
  weights: {
    kind: "string",
    help: "trained parameters (safetensors or JSON, gated's names; a gated model file's rnn.* too)",
  },
  dtype: {
    kind: "string",
    choices: ["float32", "float64"],
    help: "ONNX precision",
    default: "float32",
  },
  lengths: {
    kind: "boolean",
    help: "ONNX: an input lengths [B] (int64); steps past a sequence's length keep the state, output 0",
  },
  seed: {
    kind: "int",
    min: 0,
    help: "init seed of the ONNX initializers without --weights",
    default: 0,
  },
};

const USAGE =
  "gated export CELL --to pytorch|onnx -o FILE --input N --hidden N [--dim NAME=N …] [--weights FILE] [--dtype float32|float64] [--lengths]";

export async function exportCommand(argv: readonly string[]): Promise<number> {
  const p = parseArgs("export", argv, EXPORT_FLAGS);
  if (p.flags["help"]) {
    process.stdout.write(
      helpText(
        USAGE,
        "Exports a cell (catalogue name or equation-syntax file) to PyTorch (a module with Cell, Layer\nand safetensors helpers; imports only torch and typing) or to ONNX (opset 17, a Scan over the step).\n--dim NAME=N sizes the cell's other dims (repeat it, or NAME=N,NAME=N).",
        EXPORT_FLAGS,
      ),
    );
    return 0;
  }
  if (p.positional.length !== 1)
    throw new UsageError(
      `gated export: expected one CELL (catalogue name or cell file), got ${p.positional.length}`,
    );
  const to = getStr(p, "to");
  if (to === undefined) throw new UsageError("gated export: --to pytorch|onnx is required");
  const out = getStr(p, "out");
  if (out === undefined) throw new UsageError("gated export: -o/--out FILE is required");
  if (to === "pytorch" && !/\.py$/i.test(out))
    throw new UsageError(`gated export: a PyTorch module's file must end in .py, got "${out}"`);
  if (to === "onnx" && !/\.onnx$/i.test(out))
    throw new UsageError(`gated export: an ONNX model's file must end in .onnx, got "${out}"`);
  const entry = resolveCell(p.positional[0]!);
  const given = getDims(p, "export");
  checkDimsUsed("export", [entry.cell], given);
  const hiddenSize = getInt(p, EXPORT_FLAGS, "hidden");
  const dims = {
    inputSize: getInt(p, EXPORT_FLAGS, "input"),
    hiddenSize,
    // --dim, else the cell's own default (dim M = 2*H), else a default by name, else an error
    sizes: cellSizes("export", entry.cell, given, hiddenSize),
  };
  const wfile = getStr(p, "weights");
  let values: Map<string, Float64Array> | undefined;
  try {
    if (wfile !== undefined) {
      const t = cellTensors(readTensors(wfile));
      const data = new Map([...t].map(([k, v]) => [k, v.data]));
      // checks names and sizes against the cell (errors name the parameter)
      modelWithParams(entry.cell, dims, data);
      values = data;
    }
    mkdirSync(dirname(out) || ".", { recursive: true });
    if (to === "pytorch") {
      writeFileAtomic(
        out,
        exportPytorch(entry.cell, { ...dims, generator: `gated export ${entry.spec}` }),
      );
      let note = "";
      if (values) {
        const wout = out.replace(/\.py$/i, ".safetensors");
        const shapes = new Map(
          modelWithParams(entry.cell, dims, values).model.layout.map((s) => [
            s.name.replace(/_l0$/, ""),
            s.shape,
          ]),
        );
        writeFileAtomic(
          wout,
          writeSafetensors(
            new Map(
              [...values].map(([k, v]) => [
                k,
                { dtype: "F64" as const, shape: shapes.get(k)!, data: v },
              ]),
            ),
          ),
        );
        note = ` and ${wout} (load_gated_safetensors(layer, "${wout}"))`;
      }
      process.stdout.write(`wrote ${out}${note}\n`);
      return 0;
    }
    const dtype = getStr(p, "dtype", EXPORT_FLAGS) as "float32" | "float64";
    const bytes = exportOnnx(entry.cell, {
      ...dims,
      dtype,
      lengths: getBool(p, "lengths"),
      params:
        values ?? defaultParams(entry.cell, { ...dims, seed: getInt(p, EXPORT_FLAGS, "seed") }),
    });
    writeFileAtomic(out, bytes);
    process.stdout.write(`wrote ${out} (${bytes.length} bytes, opset 17, ${dtype})\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const m = (e as Error).message;
    throw new UsageError(
      `gated export: ${m}${/unknown dim/.test(m) ? " (size it with --dim NAME=N)" : ""}`,
    );
  }
}
