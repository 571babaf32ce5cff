/**
 * A training state as JSON-safe data (float64 values survive JSON exactly: JS prints the
 * shortest decimal that reads back to the same double), or as named float64 tensors plus a
 * string metadata map — the shape a safetensors writer takes (`__metadata__`).
 */
import type { OptimizerState } from "./optimizers.js";
import type { History, TrainState } from "./trainer.js";

export interface TrainStateJSON {
  readonly format: "gated-train-state/1";
  readonly step: number;
  readonly epoch: number;
  readonly batch: number;
  readonly rng: number;
  readonly running: readonly number[];
  readonly params: number[];
  readonly optimizer: { kind: string; t: number; buffers: Record<string, number[]> };
  readonly history: History;
}

export function stateToJSON(s: TrainState): TrainStateJSON {
  return {
    format: "gated-train-state/1",
    step: s.step,
    epoch: s.epoch,
    batch: s.batch,
    rng: s.rng,
    running: [...s.running],
    params: Array.from(s.params),
    optimizer: {
      kind: s.optimizer.kind,
      t: s.optimizer.t,
      buffers: Object.fromEntries(
        Object.entries(s.optimizer.buffers).map(([k, v]) => [k, Array.from(v)]),
      ),
    },
    history: s.history,
  };
}

export function stateFromJSON(j: TrainStateJSON): TrainState {
  if (j?.format !== "gated-train-state/1")
    throw new Error(
      `not a training state (format ${JSON.stringify(j?.format)}, expected "gated-train-state/1")`,
    );
  const optimizer: OptimizerState = {
    kind: j.optimizer.kind,
    t: j.optimizer.t,
    buffers: Object.fromEntries(
      Object.entries(j.optimizer.buffers).map(([k, v]) => [k, Float64Array.from(v)]),
    ),
  };
  return {
    step: j.step,
    epoch: j.epoch,
    batch: j.batch,
    rng: j.rng,
    running: [...j.running],
    params: Float64Array.from(j.params),
    optimizer,
    history: structuredClone(j.history),
  };
}

/** Tensors `params`, `optimizer.<buffer>` and a metadata map holding the rest as JSON. */
export function stateToTensors(s: TrainState): {
  tensors: Record<string, Float64Array>;
  metadata: Record<string, string>;
} {
  const tensors: Record<string, Float64Array> = { params: s.params };
  for (const [k, v] of Object.entries(s.optimizer.buffers)) tensors[`optimizer.${k}`] = v;
  const { params: _p, optimizer, ...rest } = stateToJSON(s);
  return {
    tensors,
    metadata: {
      "gated.train": JSON.stringify({
        ...rest,
        optimizer: { kind: optimizer.kind, t: optimizer.t },
      }),
    },
  };
}

export function stateFromTensors(
  tensors: Readonly<Record<string, ArrayLike<number>>>,
  metadata: Readonly<Record<string, string>>,
): TrainState {
  const raw = metadata["gated.train"];
  if (raw === undefined)
    throw new Error('checkpoint has no "gated.train" metadata: not a training checkpoint');
  const meta = JSON.parse(raw) as Omit<TrainStateJSON, "params" | "optimizer"> & {
    optimizer: { kind: string; t: number };
  };
  const params = tensors["params"];
  if (!params) throw new Error('checkpoint has no "params" tensor');
  const buffers: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(tensors))
    if (k.startsWith("optimizer.")) buffers[k.slice(10)] = Array.from(v);
  return stateFromJSON({
    ...meta,
    params: Array.from(params),
    optimizer: { ...meta.optimizer, buffers },
  });
}
