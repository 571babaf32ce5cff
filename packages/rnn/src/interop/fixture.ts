/**
 * Oracle fixtures (format `gated-rnn-oracle-fixture/1`, see tests/fixtures/torch/README.md):
 * parse one, build the model it describes (or bind a given cell to it), run forward and BPTT
 * with its loss L = Σ output·R + Σ h_n·Rh [+ Σ c_n·Rc], and compare every tensor.
 *
 * An optional `inputs.lengths` [B] (the generated packed-sequence cases) gives per-sequence
 * lengths, as torch's pack_padded_sequence: padded steps output 0 and change no state.
 *
 * States: the fixture's h0/h_n bind to the cell's state `h` (else its output state), c0/c_n to
 * `c` (else the one remaining state); a cell's other states start at zero and are not compared.
 */
import type { Recurrence } from "@gated/codegen";
import { getCell } from "../catalogue.js";
import { BindingError, FileFormatError } from "../errors.js";
import { type KernelFactory, type SequenceModel, sequenceModel } from "../layers/sequenceModel.js";
import { type DictTensor, parseTensor, type StateDict } from "./stateDict.js";
import { bindTorch, exportTorch, loadTorch, type TorchBinding } from "./torchBinding.js";
import { kindInfo } from "./torchKinds.js";

export const FIXTURE_FORMAT = "gated-rnn-oracle-fixture/1";

export interface Fixture {
  readonly case: string;
  readonly kind: string;
  readonly dims: {
    readonly T: number;
    readonly B: number;
    readonly I: number;
    readonly H: number;
    readonly numLayers: number;
    readonly D: number;
  };
  readonly gateOrder: readonly string[];
  readonly params: StateDict;
  readonly inputs: Readonly<Record<string, DictTensor>>;
  readonly outputs: Readonly<Record<string, DictTensor>>;
  readonly readout: Readonly<Record<string, DictTensor>>;
  readonly loss?: number;
  readonly grads: {
    readonly params: StateDict;
    readonly rest: Readonly<Record<string, DictTensor>>;
  };
}

const obj = (v: unknown, where: string): Record<string, unknown> => {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new FileFormatError("fixture", `${where} must be an object`);
  return v as Record<string, unknown>;
};

const tensors = (v: unknown, where: string, skip: string[] = []) => {
  const o = obj(v, where);
  return Object.fromEntries(
    Object.entries(o)
      .filter(([k]) => !skip.includes(k))
      .map(([k, t]) => [k, parseTensor(t, `fixture: ${where}.${k}`)]),
  );
};

/** Validates and converts a parsed fixture JSON. */
export function parseFixture(json: unknown): Fixture {
  const f = obj(json, "the file");
  if (f["format"] !== FIXTURE_FORMAT)
    throw new FileFormatError(
      "fixture",
      `format is ${JSON.stringify(f["format"])}, expected "${FIXTURE_FORMAT}"`,
    );
  const d = obj(f["dims"], "dims");
  const dim = (k: string) => {
    const v = d[k];
    if (!Number.isInteger(v) || (v as number) < 0)
      throw new FileFormatError(
        "fixture",
        `dims.${k} must be a non-negative integer, got ${JSON.stringify(v)}`,
      );
    return v as number;
  };
  const dims = {
    T: dim("T"),
    B: dim("B"),
    I: dim("I"),
    H: dim("H"),
    numLayers: dim("num_layers"),
    D: dim("D"),
  };
  if (dims.D !== 1 && dims.D !== 2)
    throw new FileFormatError("fixture", `dims.D must be 1 or 2, got ${dims.D}`);
  const names = f["param_names"];
  const params: StateDict = new Map(Object.entries(tensors(f["params"], "params")));
  const order = Array.isArray(names) ? (names as string[]) : [...params.keys()];
  const ordered: StateDict = new Map(
    order.map((n) => {
      const t = params.get(n);
      if (!t) throw new FileFormatError("fixture", `param_names lists ${n}, which params lacks`);
      return [n, t];
    }),
  );
  for (const n of params.keys())
    if (!ordered.has(n))
      throw new FileFormatError("fixture", `params has ${n}, which param_names lacks`);
  const g = obj(f["grads"], "grads");
  const lossObj = f["loss"] === undefined ? undefined : obj(f["loss"], "loss");
  const loss = lossObj?.["value"];
  if (lossObj && (typeof loss !== "number" || !Number.isFinite(loss)))
    throw new FileFormatError(
      "fixture",
      `loss.value must be a finite number, got ${JSON.stringify(loss) ?? "nothing"}`,
    );
  const fx: Fixture = {
    case: String(f["case"] ?? "?"),
    kind: String(f["kind"]),
    dims,
    gateOrder: Array.isArray(f["gate_order"]) ? (f["gate_order"] as string[]) : [],
    params: ordered,
    inputs: tensors(f["inputs"], "inputs"),
    outputs: tensors(f["outputs"], "outputs"),
    readout: tensors(f["readout"], "readout"),
    ...(typeof loss === "number" ? { loss } : {}),
    grads: {
      params: new Map(Object.entries(tensors(g["params"], "grads.params"))),
      rest: tensors(g, "grads", ["params"]),
    },
  };
  checkShapes(fx);
  return fx;
}

/** Every tensor whose shape the dims fix must have that shape (torch layout: time-major). */
function checkShapes(fx: Fixture): void {
  const { T, B, I, H, numLayers, D } = fx.dims;
  const io = { x: [T, B, I], out: [T, B, D * H], state: [numLayers * D, B, H] };
  const want: [string, Readonly<Record<string, DictTensor>>, string, number[], string][] = [
    ["inputs", fx.inputs, "x", io.x, "[T, B, I]"],
    ["inputs", fx.inputs, "lengths", [B], "[B]"],
    ["outputs", fx.outputs, "output", io.out, "[T, B, D·H]"],
    ["readout", fx.readout, "R", io.out, "[T, B, D·H]"],
    ["grads", fx.grads.rest, "x", io.x, "[T, B, I]"],
  ];
  for (const s of ["h", "c"]) {
    const st = "[num_layers·D, B, H]";
    want.push(["inputs", fx.inputs, `${s}0`, io.state, st]);
    want.push(["outputs", fx.outputs, `${s}_n`, io.state, st]);
    want.push(["readout", fx.readout, `R${s}`, io.state, st]);
    want.push(["grads", fx.grads.rest, `${s}0`, io.state, st]);
  }
  for (const [group, o, k, shape, what] of want) {
    const t = o[k];
    if (!t) continue;
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new FileFormatError(
        "fixture",
        `${group}.${k} has shape [${t.shape.join(", ")}], but dims give ${what} = [${shape.join(", ")}]`,
      );
  }
}

export interface FixtureModel {
  readonly model: SequenceModel;
  readonly binding: TorchBinding;
  /** Fixture state name ("h", "c") → the model's state name. */
  readonly states: Readonly<Record<string, string>>;
}

/** The model a fixture describes (its kind's catalogue cell, or `cell`), with its binding. */
export function fixtureModel(
  fx: Fixture,
  opts: { cell?: Recurrence; kernel?: KernelFactory } = {},
): FixtureModel {
  const gates = fx.gateOrder.length > 0 ? fx.gateOrder : opts.cell ? [] : kindInfo(fx.kind).gates;
  const cell = opts.cell ?? getCell(kindInfo(fx.kind).cell);
  const model = sequenceModel({
    cell,
    inputSize: fx.dims.I,
    hiddenSize: fx.dims.H,
    numLayers: fx.dims.numLayers,
    bidirectional: fx.dims.D === 2,
    ...(opts.kernel ? { kernel: opts.kernel } : {}),
  });
  if (model.outputSize !== fx.dims.D * fx.dims.H) {
    throw new BindingError(
      cell.name,
      `cell ${cell.name}: output width ${model.cellOutputSize} per direction, the fixture's is H = ${fx.dims.H}`,
    );
  }
  const names = Object.keys(model.stateSizes);
  const outState = cell.state.find((s) => s.next === cell.output)?.name ?? names[0]!;
  const h = names.includes("h") ? "h" : outState;
  const states: Record<string, string> = { h };
  if ("c0" in fx.inputs) {
    const rest = names.filter((n) => n !== h);
    const c = names.includes("c") ? "c" : rest.length === 1 ? rest[0] : undefined;
    if (c === undefined)
      throw new BindingError(
        cell.name,
        `cell ${cell.name}: the fixture has a cell state c0, but the cell's states are ${names.join(", ")} (name one "c")`,
      );
    states["c"] = c;
  }
  const shapes = new Map([...fx.params].map(([n, t]) => [n, t.shape] as const));
  return { model, binding: bindTorch(model, shapes, gates), states };
}

export interface ParityRow {
  readonly tensor: string;
  readonly kind: "forward" | "gradient";
  readonly size: number;
  readonly maxAbs: number;
  /** max |a − b| / |b| over entries with b ≠ 0. */
  readonly maxRel: number;
  /** max |a − b| / (atol + rtol·|b|): ≤ 1 passes. */
  readonly ratio: number;
  readonly ok: boolean;
}

export interface ParityReport {
  readonly case: string;
  readonly rows: readonly ParityRow[];
  readonly ok: boolean;
}

export const FORWARD_TOL = { atol: 1e-12, rtol: 1e-10 } as const;
export const GRADIENT_TOL = { atol: 1e-10, rtol: 1e-8 } as const;

function compare(
  tensor: string,
  kind: ParityRow["kind"],
  a: ArrayLike<number>,
  ref: DictTensor | undefined,
): ParityRow {
  if (!ref) throw new Error(`fixture has no reference for ${tensor}`);
  const b = ref.data;
  if (a.length !== b.length)
    throw new Error(`${tensor}: computed ${a.length} values, the fixture has ${b.length}`);
  const { atol, rtol } = kind === "forward" ? FORWARD_TOL : GRADIENT_TOL;
  let maxAbs = 0,
    maxRel = 0,
    ratio = 0;
  for (let i = 0; i < b.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    const r = e / (atol + rtol * Math.abs(b[i]!));
    // NaN compares false everywhere: force it to fail
    if (!(r <= ratio)) ratio = Number.isNaN(r) ? Infinity : r;
    if (!(e <= maxAbs)) maxAbs = Number.isNaN(e) ? Infinity : e;
    if (b[i] !== 0 && e / Math.abs(b[i]!) > maxRel) maxRel = e / Math.abs(b[i]!);
  }
  return { tensor, kind, size: b.length, maxAbs, maxRel, ratio, ok: ratio <= 1 };
}

/** Runs a fixture's case and compares outputs, loss and every gradient with the oracle. */
export function checkFixture(
  fx: Fixture,
  opts: { cell?: Recurrence; kernel?: KernelFactory } = {},
): ParityReport {
  const { model, binding, states } = fixtureModel(fx, opts);
  const params = loadTorch(model, binding, fx.params);
  const need = (o: Readonly<Record<string, DictTensor>>, k: string, where: string) => {
    const t = o[k];
    if (!t) throw new FileFormatError("fixture", `${where}.${k} is missing`);
    return t.data;
  };
  const initial: Record<string, Float64Array> = {};
  for (const [s, m] of Object.entries(states)) initial[m] = need(fx.inputs, `${s}0`, "inputs");
  // optional per-sequence lengths (packed sequences): padded steps output 0 and keep the state
  const lengths = fx.inputs["lengths"]?.data;
  const run = model.forward(params, need(fx.inputs, "x", "inputs"), {
    batch: fx.dims.B,
    initial,
    ...(lengths ? { lengths } : {}),
  });
  const R = need(fx.readout, "R", "readout");
  const final: Record<string, Float64Array> = {};
  for (const [s, m] of Object.entries(states)) final[m] = need(fx.readout, `R${s}`, "readout");
  const rows: ParityRow[] = [compare("output", "forward", run.output, fx.outputs["output"])];
  for (const [s, m] of Object.entries(states))
    rows.push(compare(`${s}_n`, "forward", run.final[m]!, fx.outputs[`${s}_n`]));
  if (fx.loss !== undefined) {
    let L = 0;
    for (let i = 0; i < R.length; i++) L += run.output[i]! * R[i]!;
    for (const m of Object.values(states))
      for (let i = 0; i < final[m]!.length; i++) L += run.final[m]![i]! * final[m]![i]!;
    rows.push(compare("loss", "forward", [L], { shape: [], data: Float64Array.of(fx.loss) }));
  }
  const g = model.backward(run, { output: R, final });
  const grads = exportTorch(binding, g.params, { gradients: true });
  for (const [name, t] of grads)
    rows.push(compare(`d ${name}`, "gradient", t.data, fx.grads.params.get(name)));
  rows.push(compare("d x", "gradient", g.input, fx.grads.rest["x"]));
  for (const [s, m] of Object.entries(states))
    rows.push(compare(`d ${s}0`, "gradient", g.initial[m]!, fx.grads.rest[`${s}0`]));
  return { case: fx.case, rows, ok: rows.every((r) => r.ok) };
}
