/**
 * The "no fusion, no hoisting" baseline: runs a recurrence op by op, the way an eager framework
 * would. Per time step it walks the step graph's topological order and executes every node as
 * its own batched loop over [B, …] typed arrays (one loop, one output buffer per node); backward
 * walks the step's VJP graph (the same one the reference kernel uses) likewise, reading the
 * forward values it needs from a per-step tape.
 *
 * What it deliberately does NOT do: merge the gates' products, hoist `U·x_t` out of the time
 * loop, fuse elementwise ops, or defer parameter gradients (each step accumulates its own
 * Σ_b g_b ⊗ v_b into the parameter gradients). What it shares with the compiled kernels: the
 * same dense kernel for products (bench/gemm.ts), so the ratio measures fusion and scheduling,
 * not a slower matrix product. Elementwise ops are generated from each op's own scalar formula.
 */

import {
  type Cotangents,
  type DType,
  type FloatArray,
  type Gradients,
  initParamsFor,
  type Kernel,
  type KernelOptions,
  layoutOf,
  type Params,
  paramsFrom,
  type Recurrence,
  type Run,
  scalarJs,
  stepVjp,
} from "@gated/codegen";
import { type Node, resolveShape, S as Sc, type Sizes, sizeOf, topo } from "@gated/graph";
import { broadcastIndex } from "@gated/ops";
import { type DenseKernels, denseKernels, instantiate } from "./gemm.js";

type F = FloatArray;

/** One executable node: reads and writes buffers through `slots` (rebound per step). */
type Exec = (slots: F[], B: number) => void;

interface Planned {
  readonly node: Node;
  readonly slot: number;
  /** Values per sample. */
  readonly n: number;
  readonly batched: boolean;
}

interface UnfusedRun extends Run {
  readonly x: F;
  readonly params: Params;
  /** Per step t: the slot values (views) of every taped forward node and state input. */
  readonly steps: F[][];
}

/** Builds the op-by-op executor of a recurrence. Masked sequences (`lengths`) are not supported. */
export function unfusedKernel(rec: Recurrence, opts: KernelOptions): Kernel {
  const dtype: DType = opts.dtype ?? "float64";
  const Arr = dtype === "float32" ? Float32Array : Float64Array;
  const sizes: Sizes = { ...opts.sizes, I: opts.inputSize, H: opts.hiddenSize };
  const dk = instantiate(denseKernels);
  const layout = layoutOf(rec.params, sizes);
  const shapeOf = (n: Node) => resolveShape(n.shape, sizes, `unfused ${rec.name}`);
  const I = sizeOf(shapeOf(rec.x));
  const O = sizeOf(shapeOf(rec.output));
  const S = rec.state.map((s) => sizeOf(shapeOf(s.node)));

  // ---- slots: one per node that has a value (leaves included)
  const slotOf = new Map<Node, number>();
  const info: Planned[] = [];
  const batchedLeaves = new Set<Node>([rec.x, ...rec.state.map((s) => s.node)]);
  function plan(n: Node, extraBatched?: ReadonlySet<Node>): Planned {
    const k = slotOf.get(n);
    if (k !== undefined) return info[k]!;
    const batched =
      n.op.kind === "leaf"
        ? batchedLeaves.has(n) || (extraBatched?.has(n) ?? false)
        : n.inputs.some((x) => plan(x, extraBatched).batched);
    const p = { node: n, slot: info.length, n: sizeOf(shapeOf(n)), batched };
    slotOf.set(n, p.slot);
    info.push(p);
    return p;
  }

  // ---- forward program
  const fwdOuts = [...rec.state.map((s) => s.next), rec.output];
  const fwdOrder = topo(fwdOuts);
  for (const n of fwdOrder) plan(n);
  const fwdNodes = new Set(fwdOrder);
  const fwdExec = fwdOrder.filter((n) => n.op.kind !== "leaf").map((n) => compile(n));

  // ---- backward program
  const dv = stepVjp(rec);
  for (const s of dv.seeds) batchedLeaves.add(s);
  const nS = rec.state.length;
  const gradX = dv.grads[0]!;
  const gradS = dv.grads.slice(1, 1 + nS);
  const gradP = dv.grads.slice(1 + nS);
  /** A parameter gradient as a sum of terms; outer(u, v) terms become Σ_b u_b ⊗ v_b products. */
  const terms = gradP.map((g) => flattenAdd(g));
  const bwdRoots = [
    gradX,
    ...gradS,
    ...terms.flat().flatMap((t) => (isBatchedOuter(t) ? t.inputs : [t])),
  ];
  const bwdOrder = topo(bwdRoots);
  for (const n of bwdOrder) plan(n);
  const bwdExec = bwdOrder
    .filter((n) => n.op.kind !== "leaf" && !fwdNodes.has(n))
    .map((n) => compile(n));
  /** Forward nodes the backward reads: these get one buffer per step (the tape). */
  const taped = bwdOrder.filter((n) => fwdNodes.has(n) && n.op.kind !== "leaf" && n !== rec.x);
  const tapedSet = new Set(taped);

  function isBatchedOuter(t: Node): boolean {
    return t.op.kind === "outer" && t.inputs.every((x) => plan(x).batched);
  }
  function flattenAdd(g: Node): Node[] {
    if (g.op.name === "add" && g.inputs.every((x) => sizeOf(shapeOf(x)) === sizeOf(shapeOf(g)))) {
      return g.inputs.flatMap((x) => flattenAdd(x));
    }
    return [g];
  }

  const nSlots = () => info.length;
  const constSlots: [number, F][] = [];
  for (const p of info) {
    if (p.node.op.name === "constant")
      constSlots.push([p.slot, new Arr(p.n).fill(p.node.attrs["value"] as number)]);
  }

  function compile(n: Node): Exec {
    const o = plan(n);
    const ins = n.inputs.map((x) => plan(x));
    const shapes = n.inputs.map(shapeOf);
    const oShape = shapeOf(n);
    switch (n.op.kind) {
      case "elementwise":
        return elementwise(n, o, ins, shapes, oShape);
      case "matvec": {
        const [A, v] = ins as [Planned, Planned];
        const [M, N] = shapes[0] as [number, number];
        if (!A.batched)
          return (sl, B) =>
            dk.gemmNT(
              v.batched ? B : 1,
              M,
              N,
              sl[v.slot]!,
              0,
              N,
              sl[A.slot]!,
              0,
              N,
              sl[o.slot]!,
              0,
              M,
              false,
            );
        return (sl, B) => {
          for (let b = 0; b < B; b++) {
            dk.gemmNT(
              1,
              M,
              N,
              sl[v.slot]!,
              v.batched ? b * N : 0,
              N,
              sl[A.slot]!,
              b * M * N,
              N,
              sl[o.slot]!,
              b * M,
              M,
              false,
            );
          }
        };
      }
      case "matmul": {
        const [A, Bm] = ins as [Planned, Planned];
        const [M, K] = shapes[0] as [number, number];
        const N = (shapes[1] as number[])[1]!;
        const bt = new Arr(K * N);
        return (sl, B) => {
          for (let b = 0; b < (o.batched ? B : 1); b++) {
            dk.transpose(K, N, sl[Bm.slot]!, Bm.batched ? b * K * N : 0, N, bt);
            dk.gemmNT(
              M,
              N,
              K,
              sl[A.slot]!,
              A.batched ? b * M * K : 0,
              K,
              bt,
              0,
              K,
              sl[o.slot]!,
              b * M * N,
              N,
              false,
            );
          }
        };
      }
      case "outer": {
        const [x, y] = ins as [Planned, Planned];
        const M = x.n,
          N = y.n;
        return (sl, B) => {
          const X = sl[x.slot]!,
            Y = sl[y.slot]!,
            out = sl[o.slot]!;
          for (let b = 0; b < (o.batched ? B : 1); b++) {
            const xo = x.batched ? b * M : 0,
              yo = y.batched ? b * N : 0,
              oo = b * M * N;
            for (let i = 0; i < M; i++) {
              const xi = X[xo + i]!;
              for (let j = 0; j < N; j++) out[oo + i * N + j] = xi * Y[yo + j]!;
            }
          }
        };
      }
      case "transpose": {
        const [M, N] = shapes[0] as [number, number];
        const a = ins[0]!;
        return (sl, B) => {
          const src = sl[a.slot]!,
            out = sl[o.slot]!;
          for (let b = 0; b < (o.batched ? B : 1); b++)
            dk.transpose(M, N, src, b * M * N, N, out.subarray(b * M * N, (b + 1) * M * N));
        };
      }
      case "reshape": {
        const a = ins[0]!;
        return (sl) => {
          sl[o.slot] = sl[a.slot]!;
        };
      }
      case "broadcast": {
        const a = ins[0]!;
        const idx = broadcastIndex(shapes[0]!, oShape);
        return (sl, B) => {
          const src = sl[a.slot]!,
            out = sl[o.slot]!;
          for (let b = 0; b < (o.batched ? B : 1); b++) {
            const so = a.batched ? b * a.n : 0,
              oo = b * o.n;
            for (let k = 0; k < o.n; k++) out[oo + k] = src[so + idx[k]!]!;
          }
        };
      }
      case "reduce":
        return reduce(n, o, ins[0]!, shapes[0]!);
      default:
        throw new Error(
          `unfused ${rec.name}: op ${n.op.name} (${n.op.kind}) is not supported by the op-by-op baseline`,
        );
    }
  }

  function elementwise(
    n: Node,
    o: Planned,
    ins: Planned[],
    shapes: number[][],
    oShape: number[],
  ): Exec {
    const idx: (Int32Array | null)[] = ins.map((p, i) =>
      p.n === o.n || p.n === 1 ? null : broadcastIndex(shapes[i]!, oShape),
    );
    const loads = ins.map((p, i) => {
      const base = p.batched ? `b * ${p.n}` : "0";
      const at = p.n === 1 ? `${base}` : idx[i] ? `${base} + x${i}[k]` : `${base} + k`;
      return `const v${i} = in${i}[${at}];`;
    });
    const expr = scalarJs(
      n.op.scalar!(
        ins.map((_, i) => Sc.arg(i)),
        n.attrs,
      ),
      ins.map((_, i) => `v${i}`),
    );
    const params = ins.map((_, i) => `in${i}`).join(", ");
    const src = `return function ${n.op.name}_kernel(out, ${params}, B) {
  for (let b = 0; b < B; b++) {
    const ob = b * ${o.n};
    for (let k = 0; k < ${o.n}; k++) {
      ${loads.join("\n      ")}
      out[ob + k] = ${expr};
    }
  }
};`;
    // our own generated text: op formulas rendered by the JS backend's table, numbers, fixed identifiers
    const kernel = new Function(...ins.map((_, i) => `x${i}`), src)(...idx) as (
      ...a: unknown[]
    ) => void;
    const slots = ins.map((p) => p.slot);
    if (slots.length === 1) return (sl, B) => kernel(sl[o.slot], sl[slots[0]!], o.batched ? B : 1);
    if (slots.length === 2)
      return (sl, B) => kernel(sl[o.slot], sl[slots[0]!], sl[slots[1]!], o.batched ? B : 1);
    return (sl, B) => kernel(sl[o.slot], ...slots.map((s) => sl[s]), o.batched ? B : 1);
  }

  function reduce(n: Node, o: Planned, a: Planned, shape: number[]): Exec {
    const facet = n.op.reduce!;
    const axis = n.attrs["axis"];
    const len = axis === "all" ? a.n : shape[axis as number]!;
    const inner = axis === "all" ? 1 : shape.slice((axis as number) + 1).reduce((p, d) => p * d, 1);
    const outer = a.n / (len * inner);
    const combine = scalarJs(facet.combine, ["acc", "v"]);
    const fin = facet.finish ? scalarJs(facet.finish, ["acc", "len"]) : "acc";
    const src = `return function reduce_kernel(out, src, B) {
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < ${outer}; p++) for (let i = 0; i < ${inner}; i++) {
      let acc = ${facet.init};
      for (let j = 0; j < len; j++) { const v = src[b * ${a.n} + (p * len + j) * ${inner} + i]; acc = ${combine}; }
      out[b * ${o.n} + p * ${inner} + i] = ${fin};
    }
  }
};`;
    const kernel = new Function("len", src)(len) as (out: F, src: F, B: number) => void;
    return (sl, B) => kernel(sl[o.slot]!, sl[a.slot]!, o.batched ? B : 1);
  }

  function freshSlots(params: Params): F[] {
    const sl = new Array<F>(nSlots());
    for (const p of info) {
      if (p.node.op.kind === "leaf") continue;
      sl[p.slot] = new Arr(p.n); // resized below for batched nodes
    }
    for (const [k, v] of constSlots) sl[k] = v;
    for (const s of layout)
      sl[slotOf.get(rec.params.find((q) => q.label === s.name)!)!] = params.get(s.name);
    return sl;
  }

  function sized(sl: F[], B: number): void {
    for (const p of info) {
      if (p.node.op.kind === "leaf" || !p.batched) continue;
      if (sl[p.slot]!.length !== B * p.n) sl[p.slot] = new Arr(B * p.n);
    }
  }

  const kernel: Kernel = {
    name: `${rec.name} (unfused)`,
    dtype,
    sizes,
    inputSize: I,
    outputSize: O,
    stateSizes: Object.fromEntries(rec.state.map((s, k) => [s.name, S[k]!])),
    layout,
    initParams: ({ seed = 0 } = {}) => initParamsFor(rec, layout, sizes, dtype, seed),
    params: (data) => paramsFrom(layout, dtype, data),
    forward(params, xs, { batch: B, initial = {}, lengths }): Run {
      if (lengths !== undefined)
        throw new Error("unfused baseline: lengths (masking) is not supported");
      const T = xs.length / (B * I);
      const x = xs instanceof Arr ? (xs as F) : Arr.from(xs);
      const sl = freshSlots(params);
      sized(sl, B);
      const out = new Arr(T * B * O);
      let cur: F[] = rec.state.map((s, k) => {
        const v = new Arr(B * S[k]!);
        if (initial[s.name]) v.set(initial[s.name]!);
        return v;
      });
      const steps: F[][] = [];
      const stateSlots = rec.state.map((s) => slotOf.get(s.node)!);
      const nextSlots = rec.state.map((s) => slotOf.get(s.next)!);
      const outSlot = slotOf.get(rec.output)!;
      const tapedSlots = taped.map((n) => slotOf.get(n)!);
      for (let t = 0; t < T; t++) {
        sl[slotOf.get(rec.x)!] = x.subarray(t * B * I, (t + 1) * B * I);
        stateSlots.forEach((k, q) => (sl[k] = cur[q]!));
        // the tape: taped nodes write into per-step buffers
        for (const k of tapedSlots) sl[k] = new Arr(B * info[k]!.n);
        for (const e of fwdExec) e(sl, B);
        const rec_: F[] = [];
        for (const k of tapedSlots) rec_[k] = sl[k]!;
        stateSlots.forEach((k) => (rec_[k] = sl[k]!));
        steps.push(rec_);
        out.set(sl[outSlot]!, t * B * O);
        // next states: copies (a node's buffer is reused next step unless taped)
        cur = nextSlots.map((k) => (tapedSet.has(info[k]!.node) ? sl[k]! : Arr.from(sl[k]!)));
      }
      const run: UnfusedRun = {
        T,
        B,
        output: out,
        final: Object.fromEntries(rec.state.map((s, q) => [s.name, cur[q]!])),
        x,
        params,
        steps,
      };
      return run;
    },
    backward(run0, cot: Cotangents): Gradients {
      const run = run0 as UnfusedRun;
      const { T, B } = run;
      const sl = freshSlots(run.params);
      sized(sl, B);
      const gParams = paramsFrom(layout, dtype);
      const gx = new Arr(T * B * I);
      let dState: F[] = rec.state.map((s, k) => {
        const v = new Arr(B * S[k]!);
        const c = cot.final?.[s.name];
        if (c) v.set(c);
        return v;
      });
      const dOut = cot.output
        ? cot.output instanceof Arr
          ? (cot.output as F)
          : Arr.from(cot.output)
        : new Arr(T * B * O);
      const seedSlots = dv.seeds.map((s) => slotOf.get(s)!);
      const gradSSlots = gradS.map((g) => slotOf.get(g)!);
      const gP = layout.map((s) => gParams.get(s.name));
      let uBuf: F = new Arr(0),
        vBuf: F = new Arr(0);
      for (let t = T - 1; t >= 0; t--) {
        const rec_ = run.steps[t]!;
        rec_.forEach((v, k) => (sl[k] = v));
        sl[slotOf.get(rec.x)!] = run.x.subarray(t * B * I, (t + 1) * B * I);
        seedSlots.forEach(
          (k, q) => (sl[k] = q < nS ? dState[q]! : dOut.subarray(t * B * O, (t + 1) * B * O)),
        );
        for (const e of bwdExec) e(sl, B);
        gx.set(sl[slotOf.get(gradX)!]!, t * B * I);
        dState = gradSSlots.map((k) => Arr.from(sl[k]!));
        // parameter gradients of this step, accumulated now (no deferral)
        terms.forEach((ts, j) => {
          const acc = gP[j]!;
          for (const term of ts) {
            if (isBatchedOuter(term)) {
              const [u, v] = term.inputs.map((x) => plan(x)) as [Planned, Planned];
              if (uBuf.length < u.n * B) uBuf = new Arr(u.n * B);
              if (vBuf.length < v.n * B) vBuf = new Arr(v.n * B);
              dk.transpose(B, u.n, sl[u.slot]!, 0, u.n, uBuf);
              dk.transpose(B, v.n, sl[v.slot]!, 0, v.n, vBuf);
              dk.gemmNT(u.n, v.n, B, uBuf, 0, B, vBuf, 0, B, acc, 0, v.n, true);
            } else {
              const p = plan(term);
              const val = sl[p.slot]!;
              if (p.batched)
                for (let b = 0; b < B; b++)
                  for (let i = 0; i < p.n; i++) acc[i] += val[b * p.n + i]!;
              else if (!(term.op.name === "constant" && term.attrs["value"] === 0))
                for (let i = 0; i < p.n; i++) acc[i] += B * val[i]!;
            }
          }
        });
      }
      return {
        params: gParams,
        input: gx,
        initial: Object.fromEntries(rec.state.map((s, q) => [s.name, dState[q]!])),
      };
    },
  };
  return kernel;
}

export type { DenseKernels };
