/**
 * `--resume` trusts nothing in a checkpoint file: every tensor and metadata field is checked
 * against what this run's configuration would write (the fresh session's snapshot), so a step of
 * "1e9" or "abc", a short optimizer buffer, an extra or missing tensor, a non-finite value or a
 * malformed history is a one-line `UsageError` naming the file and the field, before training.
 */
import type { Checkpoint } from "./checkpoint.js";
import { UsageError } from "./errors.js";
import type { EvalPoint } from "./experiment.js";

/** What the run continues from. */
export interface ResumePoint {
  readonly step: number;
  readonly history: EvalPoint[];
  readonly seconds: number;
  readonly lossSum: number;
  readonly lossCount: number;
}

const isCount = (s: string | undefined): boolean =>
  s !== undefined && /^(0|[1-9]\d{0,14})$/.test(s);

/**
 * Checks `ck` against `fresh` (the snapshot a new session of this configuration writes) and the
 * step budget; returns the point to continue from.
 */
export function checkResume(
  file: string,
  ck: Checkpoint,
  fresh: {
    tensors: Readonly<Record<string, ArrayLike<number>>>;
    metadata: Readonly<Record<string, string>>;
  },
  totalSteps: number,
): ResumePoint {
  const bad = (what: string): never => {
    throw new UsageError(`${file}: not a checkpoint of this run: ${what}; delete it to start over`);
  };
  for (const name of Object.keys(fresh.tensors)) {
    if (!Object.hasOwn(ck.tensors, name)) bad(`tensor ${name} is missing`);
    // a fresh optimizer has empty buffers: they grow to the parameters' size at the first step
    const want = name.startsWith("optimizer.")
      ? (fresh.tensors["params"]?.length ?? 0)
      : fresh.tensors[name]!.length;
    const got = ck.tensors[name]!.length;
    if (got !== want) bad(`tensor ${name} has ${got} values, this run has ${want}`);
    const t = ck.tensors[name]!;
    for (let i = 0; i < t.length; i++)
      if (!Number.isFinite(t[i]!)) bad(`tensor ${name} holds ${t[i]} at index ${i}`);
  }
  for (const name of Object.keys(ck.tensors))
    if (!Object.hasOwn(fresh.tensors, name)) bad(`unexpected tensor ${JSON.stringify(name)}`);
  const m = ck.metadata;
  const stepText = m["step"];
  if (!isCount(stepText)) bad(`step is ${JSON.stringify(stepText)}, expected a whole number`);
  const step = Number(stepText);
  if (step > totalSteps) bad(`it is at step ${step}, past this run's ${totalSteps} steps`);
  checkTrainState(m["gated.train"], fresh.metadata["gated.train"], step, bad);
  const history = checkHistory(m["history"], step, bad);
  const num = (k: string, integer = false): number => {
    const raw = m[k] ?? "0";
    const v = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v)))
      bad(
        `${k} is ${JSON.stringify(raw)}, expected a non-negative ${integer ? "integer" : "number"}`,
      );
    return v;
  };
  const lossCount = num("lossCount", true);
  if (lossCount > step) bad(`lossCount ${lossCount} exceeds step ${step}`);
  return { step, history, seconds: num("seconds"), lossSum: num("lossSum"), lossCount };
}

/** The trainer's metadata: same fields and optimizer as a fresh run's, counts in range. */
function checkTrainState(
  raw: string | undefined,
  freshRaw: string | undefined,
  step: number,
  bad: (what: string) => never,
): void {
  if (raw === undefined) bad(`no "gated.train" metadata`);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(raw!) as Record<string, unknown>;
  } catch {
    return bad(`"gated.train" metadata is not JSON`);
  }
  if (meta === null || typeof meta !== "object" || Array.isArray(meta))
    bad(`"gated.train" metadata is not an object`);
  const fresh = JSON.parse(freshRaw ?? "{}") as Record<string, unknown>;
  for (const k of Object.keys(fresh))
    if (!Object.hasOwn(meta, k)) bad(`"gated.train" has no field ${k}`);
  for (const k of Object.keys(meta))
    if (!Object.hasOwn(fresh, k)) bad(`"gated.train" has an unexpected field ${k}`);
  const int = (k: string, v: unknown, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > max)
      bad(`"gated.train" ${k} is ${JSON.stringify(v)}, expected an integer in 0..${max}`);
  };
  if (meta["format"] !== fresh["format"])
    bad(`"gated.train" format is ${JSON.stringify(meta["format"])}`);
  int("step", meta["step"], step);
  if (meta["step"] !== step) bad(`"gated.train" step ${meta["step"]} differs from step ${step}`);
  int("epoch", meta["epoch"], step);
  int("batch", meta["batch"]);
  int("rng", meta["rng"], 2 ** 32 - 1);
  const running = meta["running"];
  const freshRunning = fresh["running"] as unknown[];
  if (
    !Array.isArray(running) ||
    running.length !== freshRunning.length ||
    !running.every((x) => Number.isFinite(x))
  )
    bad(`"gated.train" running is not ${freshRunning.length} finite numbers`);
  const opt = meta["optimizer"] as Record<string, unknown> | null;
  const freshOpt = fresh["optimizer"] as { kind: string };
  if (opt === null || typeof opt !== "object" || opt["kind"] !== freshOpt.kind)
    bad(`"gated.train" optimizer is not ${freshOpt.kind}`);
  int("optimizer.t", opt!["t"], step);
}

/** The evaluation history: points with finite numbers, steps increasing, none past `step`. */
function checkHistory(
  raw: string | undefined,
  step: number,
  bad: (what: string) => never,
): EvalPoint[] {
  let h: unknown;
  try {
    h = JSON.parse(raw ?? "[]");
  } catch {
    return bad("history is not JSON");
  }
  if (!Array.isArray(h)) return bad("history is not a list");
  let last = -1;
  h.forEach((p: unknown, i) => {
    const o = p as Record<string, unknown> | null;
    const ok =
      o !== null &&
      typeof o === "object" &&
      Number.isSafeInteger(o["step"]) &&
      ["trainLoss", "loss", "metric"].every((k) => typeof o[k] === "number" || o[k] === null);
    if (!ok) bad(`history entry ${i} is not {step, trainLoss, loss, metric}`);
    const s = o!["step"] as number;
    if (s <= last || s > step) bad(`history entry ${i} is at step ${s}, out of order`);
    last = s;
  });
  return h as EvalPoint[];
}
