/**
 * nn.RNN / nn.LSTM / nn.GRU (and the fixtures' hand-written kinds) as sequence models whose
 * parameters load from and save to PyTorch's names, via a JSON state dict or safetensors.
 *
 *     const tm = torchModel("lstm", { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true });
 *     const params = loadTorchState(tm, readSafetensorsFile("lstm.safetensors").tensors);
 *     writeSafetensorsFile("out.safetensors", saveTorchState(tm, params, "F32"));
 */
import type { Params } from "@gated/codegen";
import { getCell } from "../catalogue.js";
import { type KernelFactory, type SequenceModel, sequenceModel } from "../layers/sequenceModel.js";
import type { SafeTensor } from "./safetensors.js";
import type { DictTensor, StateDict } from "./stateDict.js";
import { bindTorch, exportTorch, loadTorch, type TorchBinding } from "./torchBinding.js";
import { kindInfo, type ModelDims, type TorchKind, torchShapes } from "./torchKinds.js";

export interface TorchModel {
  readonly kind: TorchKind;
  readonly model: SequenceModel;
  readonly binding: TorchBinding;
}

/** The kind's catalogue cell as a sequence model, bound to PyTorch's parameter names. */
export function torchModel(
  kind: TorchKind,
  dims: ModelDims,
  opts: { kernel?: KernelFactory; dtype?: "float32" | "float64" } = {},
): TorchModel {
  const info = kindInfo(kind);
  const model = sequenceModel({
    cell: getCell(info.cell),
    inputSize: dims.inputSize,
    hiddenSize: dims.hiddenSize,
    numLayers: dims.numLayers ?? 1,
    bidirectional: dims.bidirectional ?? false,
    ...(opts.kernel ? { kernel: opts.kernel } : {}),
    ...(opts.dtype ? { dtype: opts.dtype } : {}),
  });
  return { kind, model, binding: bindTorch(model, torchShapes(kind, dims), info.gates) };
}

/** Converts safetensors entries (F64/F32/F16/BF16) to a state dict of float64 values. */
function asDict(tensors: ReadonlyMap<string, DictTensor | SafeTensor>): StateDict {
  const out: StateDict = new Map();
  for (const [name, t] of tensors) {
    const dt = (t as SafeTensor).dtype;
    if (dt !== undefined && !["F64", "F32", "F16", "BF16"].includes(dt))
      throw new Error(`tensor ${name}: dtype ${dt} is not a float type`);
    out.set(name, { shape: t.shape, data: Float64Array.from(t.data as ArrayLike<number>) });
  }
  return out;
}

/** Model parameters from tensors under PyTorch's names; missing, extra or misshapen tensors are errors. */
export function loadTorchState(
  tm: TorchModel,
  tensors: ReadonlyMap<string, DictTensor | SafeTensor>,
): Params {
  try {
    return loadTorch(tm.model, tm.binding, asDict(tensors));
  } catch (e) {
    throw new Error(
      `${tm.kind} (${tm.model.numLayers} layer(s), D=${tm.model.D}): ${(e as Error).message}`,
    );
  }
}

/** Tensors under PyTorch's names (F64 or F32), ready for `writeSafetensors` or a JSON state dict. */
export function saveTorchState(
  tm: TorchModel,
  params: Params,
  dtype: "F64" | "F32" = "F64",
): Map<string, SafeTensor> {
  const out = new Map<string, SafeTensor>();
  for (const [name, t] of exportTorch(tm.binding, params)) {
    out.set(name, {
      dtype,
      shape: t.shape,
      data: dtype === "F64" ? t.data : Float32Array.from(t.data),
    });
  }
  return out;
}
