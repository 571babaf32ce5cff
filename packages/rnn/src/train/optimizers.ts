/**
 * Optimizers over one flat parameter buffer and its gradient (Float64Array or Float32Array),
 * in PyTorch's formulation. State (moments, step count) is plain data: `state()` / `load()`
 * round-trip it exactly, so a resumed run continues bit for bit.
 */
import type { FloatArray } from "@gated/codegen";

export interface OptimizerState {
  readonly kind: string;
  /** Updates taken so far (Adam's bias correction reads it). */
  readonly t: number;
  /** Per-parameter buffers, each as long as the parameters (float64). */
  readonly buffers: Readonly<Record<string, Float64Array>>;
}

export interface Optimizer {
  readonly kind: string;
  /** The base learning rate (a schedule scales it). */
  readonly lr: number;
  /** One update of `params` in place from `grads`, at learning rate `lr` (default: the base). */
  step(params: FloatArray, grads: ArrayLike<number>, lr?: number): void;
  state(): OptimizerState;
  load(state: OptimizerState): void;
}

function buffers(
  names: readonly string[],
  n: number,
  have: Record<string, Float64Array>,
): Record<string, Float64Array> {
  for (const k of names) if (!have[k] || have[k]!.length !== n) have[k] = new Float64Array(n);
  return have;
}

function loadInto(
  kind: string,
  names: readonly string[],
  s: OptimizerState,
  into: Record<string, Float64Array>,
): number {
  if (s.kind !== kind) throw new Error(`optimizer: cannot load ${s.kind} state into ${kind}`);
  for (const k of names) {
    const b = s.buffers[k];
    if (!b) throw new Error(`optimizer ${kind}: state lacks buffer "${k}"`);
    into[k] = Float64Array.from(b);
  }
  return s.t;
}

function copyState(kind: string, t: number, bufs: Record<string, Float64Array>): OptimizerState {
  return {
    kind,
    t,
    buffers: Object.fromEntries(Object.entries(bufs).map(([k, v]) => [k, Float64Array.from(v)])),
  };
}

export interface SgdOptions {
  readonly lr: number;
  readonly momentum?: number;
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient. */
  readonly weightDecay?: number;
}

/** SGD with momentum: v ← μv + g (+ λθ); θ ← θ − lr·(nesterov ? g + μv : v). */
export function sgd({
  lr,
  momentum = 0,
  nesterov = false,
  weightDecay = 0,
}: SgdOptions): Optimizer {
  let t = 0;
  let bufs: Record<string, Float64Array> = {};
  return {
    kind: "sgd",
    lr,
    step(p, g, rate = lr) {
      const { v } = buffers(["v"], p.length, bufs);
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! + weightDecay * p[i]!;
        if (momentum === 0) {
          p[i]! -= rate * gi;
          continue;
        }
        const vi = (v![i] = t === 0 ? gi : momentum * v![i]! + gi);
        p[i]! -= rate * (nesterov ? gi + momentum * vi : vi);
      }
      t++;
    },
    state: () => copyState("sgd", t, buffers(["v"], bufs["v"]?.length ?? 0, bufs)),
    load(s) {
      bufs = {};
      t = loadInto("sgd", ["v"], s, bufs);
    },
  };
}

export interface AdamOptions {
  readonly lr: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay θ ← θ(1 − lr·λ). */
  readonly weightDecay?: number;
}

function adamLike(
  kind: "adam" | "adamw",
  { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay }: AdamOptions,
): Optimizer {
  const wd = weightDecay ?? (kind === "adamw" ? 0.01 : 0);
  let t = 0;
  let bufs: Record<string, Float64Array> = {};
  return {
    kind,
    lr,
    step(p, g, rate = lr) {
      const { m, v } = buffers(["m", "v"], p.length, bufs);
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = Math.sqrt(1 - beta2 ** t);
      // one loop per kind, constants hoisted: the same operations in the same order
      const b1 = 1 - beta1,
        b2 = 1 - beta2,
        decay = 1 - rate * wd;
      const mm = m!,
        vv = v!;
      if (kind === "adam")
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! + wd * p[i]!;
          const mi = (mm[i] = beta1 * mm[i]! + b1 * gi);
          const vi = (vv[i] = beta2 * vv[i]! + b2 * gi * gi);
          p[i]! -= (rate * (mi / c1)) / (Math.sqrt(vi) / c2 + eps);
        }
      else
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]!;
          p[i]! *= decay;
          const mi = (mm[i] = beta1 * mm[i]! + b1 * gi);
          const vi = (vv[i] = beta2 * vv[i]! + b2 * gi * gi);
          p[i]! -= (rate * (mi / c1)) / (Math.sqrt(vi) / c2 + eps);
        }
    },
    state: () => copyState(kind, t, buffers(["m", "v"], bufs["m"]?.length ?? 0, bufs)),
    load(s) {
      bufs = {};
      t = loadInto(kind, ["m", "v"], s, bufs);
    },
  };
}

/** Adam (Kingma & Ba): bias-corrected moments; θ ← θ − lr·m̂/(√v̂ + ε). */
export function adam(opts: AdamOptions): Optimizer {
  return adamLike("adam", opts);
}

/** AdamW (Loshchilov & Hutter): Adam with decoupled weight decay (default λ = 0.01). */
export function adamw(opts: AdamOptions): Optimizer {
  return adamLike("adamw", opts);
}

/** An optimizer by name ("sgd", "adam", "adamw") with common options. */
export function optimizerByName(name: string, opts: AdamOptions & SgdOptions): Optimizer {
  switch (name) {
    case "sgd":
      return sgd(opts);
    case "adam":
      return adam(opts);
    case "adamw":
      return adamw(opts);
    default:
      throw new Error(`unknown optimizer "${name}" (optimizers: sgd, adam, adamw)`);
  }
}

/**
 * Clips the gradient in place to global L2 norm ≤ `maxNorm` (PyTorch's clip_grad_norm_:
 * scale by maxNorm / (norm + 1e-6) when above). Returns the norm before clipping.
 */
export function clipGradNorm(grads: FloatArray, maxNorm: number): number {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i]! * grads[i]!;
  const norm = Math.sqrt(s);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (let i = 0; i < grads.length; i++) grads[i]! *= coef;
  return norm;
}
