/**
 * A taped run's tape where the forward left it (runtime.ts: the wasm backend's backward reads it
 * in the kernel's memory; another call that needs the memory first evicts it): whatever calls
 * come between a run's forward and its backward — other forwards (other sizes, masked,
 * checkpointed), inference, step(), other runs' backwards, a second backward, changed
 * parameters and inputs, reads of `run.tape` — every run gets bit for bit what a fresh kernel
 * instance gives it for a forward and its backward alone. For every backend and both dtypes
 * (the JS backend keeps its tape in JavaScript arrays: the same checks hold), the emitted
 * module's text (`instantiate` of the kernel source) and kernel threads.
 */
import { fc, test } from "@fast-check/vitest";
import {
  type BackendName,
  type CompiledKernel,
  compileCell,
  type DType,
  extentOf,
  instantiate,
  type ModuleApi,
  type Recurrence,
} from "@gated/codegen";
import { describe, expect } from "vitest";
import { tapeInPlace } from "../packages/codegen/src/backends/wasm/tape.js";
import { gru, lstm } from "./codegenCells.js";
import { BACKENDS, bits, rand } from "./codegenCompare.js";

const [I, H] = [3, 4];

interface Spec {
  readonly T: number;
  readonly B: number;
  readonly seed: number;
  readonly masked: boolean;
  readonly checkpoint?: number | undefined;
}
type AnyRun = {
  output: ArrayLike<number>;
  final: Record<string, ArrayLike<number>>;
  tape: { hist: ArrayLike<number>[]; saved: ArrayLike<number>[] } | null;
};
type AnyGrad = {
  params: { data: ArrayLike<number> };
  input: ArrayLike<number>;
  initial: Record<string, ArrayLike<number>>;
};

/** A spec's parameters, inputs, options and cotangents (fresh arrays at every call). */
function inputs(k: CompiledKernel, s: Spec) {
  const { T, B, seed } = s;
  const p = rand(
    k.layout.reduce((a, l) => a + l.size, 0),
    seed,
  ).map((v) => v * 0.5);
  const x = rand(T * B * k.inputSize, seed + 1);
  const states = Object.entries(k.stateSizes);
  const initial = Object.fromEntries(states.map(([n, w], i) => [n, rand(B * w, seed + 10 + i)]));
  const lengths = Array.from({ length: B }, (_, b) => (s.masked ? (seed + 3 * b) % (T + 1) : T));
  const opts = {
    batch: B,
    initial,
    ...(s.masked ? { lengths } : {}),
    ...(s.checkpoint ? { checkpoint: s.checkpoint } : {}),
  };
  const cot = {
    output: rand(T * B * k.outputSize, seed + 5),
    final: Object.fromEntries(states.map(([n, w], i) => [n, rand(B * w, seed + 20 + i)])),
  };
  return { p, x, opts, cot };
}

const fresh = (k: CompiledKernel): ModuleApi => instantiate(k.source, k.wasm);

const runBits = (r: AnyRun) => [
  ...bits(r.output),
  ...Object.keys(r.final)
    .sort()
    .flatMap((n) => bits(r.final[n]!)),
];
const gradBits = (g: AnyGrad) => [
  ...bits(g.params.data),
  ...bits(g.input),
  ...Object.keys(g.initial)
    .sort()
    .flatMap((n) => bits(g.initial[n]!)),
];
const tapeBits = (r: AnyRun) =>
  r.tape ? [...r.tape.hist.flatMap(bits), ...r.tape.saved.flatMap(bits)] : [];

/** What a fresh kernel instance gives a spec: its forward and then its backward, alone. */
function expected(k: CompiledKernel, s: Spec) {
  const api = fresh(k);
  const { p, x, opts, cot } = inputs(k, s);
  const run = api.forward(api.params(p), x, opts) as AnyRun;
  const fwd = runBits(run);
  const g = api.backward(run, cot) as AnyGrad;
  // the tape as the run exposes it (read after its backward, so the backward ran in place)
  return { fwd, grad: gradBits(g), tape: s.checkpoint ? [] : tapeBits(run) };
}

type Kind = { backend: BackendName; dtype: DType; cell: () => Recurrence };
const KINDS: Kind[] = BACKENDS.flatMap((backend) =>
  (["float32", "float64"] as const).flatMap((dtype) =>
    [lstm, gru].map((cell) => ({ backend, dtype, cell })),
  ),
);
const kernels = new Map<string, CompiledKernel>();
const kernelOf = ({ backend, dtype, cell }: Kind): CompiledKernel => {
  const key = `${backend} ${dtype} ${cell().name}`;
  let k = kernels.get(key);
  if (!k)
    kernels.set(key, (k = compileCell(cell(), { inputSize: I, hiddenSize: H, dtype, backend })));
  return k;
};
const kindName = (c: Kind) => `${c.backend} ${c.dtype} ${c.cell().name}`;

/** A kernel under test: a fresh instance, and each spec's own arrays, kept to scribble on. */
function harness(k: CompiledKernel) {
  const api = fresh(k);
  const want = new Map<string, ReturnType<typeof expected>>();
  const wanted = (s: Spec) => {
    const key = JSON.stringify(s);
    let w = want.get(key);
    if (!w) want.set(key, (w = expected(k, s)));
    return w;
  };
  const runs: { s: Spec; run: AnyRun; p: { data: ArrayLike<number> }; x: Float64Array }[] = [];
  return {
    api,
    runs,
    wanted,
    forward(s: Spec) {
      const { p, x, opts } = inputs(k, s);
      const pp = api.params(p) as { data: Float64Array };
      const run = api.forward(pp, x, opts) as AnyRun;
      expect(runBits(run), `forward ${JSON.stringify(s)}`).toEqual(wanted(s).fwd);
      runs.push({ s, run, p: pp, x });
      return runs.length - 1;
    },
    backward(i: number) {
      const { s, run } = runs[i]!;
      const g = api.backward(run, inputs(k, s).cot) as AnyGrad;
      expect(gradBits(g), `backward of run ${i} ${JSON.stringify(s)}`).toEqual(wanted(s).grad);
    },
    inference(s: Spec) {
      const { p, x, opts } = inputs(k, { ...s, checkpoint: undefined });
      const run = api.forward(api.params(p), x, { ...opts, tape: false }) as AnyRun;
      expect(runBits(run), "inference").toEqual(wanted({ ...s, checkpoint: undefined }).fwd);
    },
    step(s: Spec) {
      const { p, x } = inputs(k, { ...s, T: Math.max(1, s.T) });
      const y = (a: ModuleApi) =>
        bits(
          a.step(
            a.initialState(a.params(p), { batch: s.B }),
            x.subarray(0, s.B * k.inputSize),
          ) as ArrayLike<number>,
        );
      expect(y(api), "step").toEqual(y(fresh(k)));
    },
    /** The caller's parameters and input of run i, overwritten after its forward. */
    scribble(i: number) {
      const { p, x } = runs[i]!;
      (p.data as Float64Array).fill(0.25);
      x.fill(-3);
    },
    tape(i: number) {
      const { s, run } = runs[i]!;
      if (!s.checkpoint) expect(tapeBits(run), `tape of run ${i}`).toEqual(wanted(s).tape);
    },
  };
}

const A: Spec = { T: 5, B: 3, seed: 11, masked: false };
const Bs: Spec = { T: 5, B: 3, seed: 23, masked: false };
const wide: Spec = { T: 7, B: 5, seed: 31, masked: true };
// rows enough that the backward needs more pages than the forward did
const long: Spec = { T: 90, B: 9, seed: 7, masked: true };
const ck: Spec = { T: 6, B: 2, seed: 41, masked: true, checkpoint: 2 };

describe("a run's tape in the kernel's memory: every interleaving gives a fresh kernel's bits", () => {
  for (const kind of KINDS) {
    const k = () => kernelOf(kind);
    test(`${kindName(kind)}: forward A, forward B, backward A, backward B`, () => {
      const h = harness(k());
      const a = h.forward(A);
      const b = h.forward(Bs);
      h.backward(a);
      h.backward(b);
      h.backward(a);
    });
    test(`${kindName(kind)}: backward twice, and again after other calls`, () => {
      const h = harness(k());
      const a = h.forward(A);
      h.backward(a);
      h.backward(a);
      h.forward(Bs);
      h.backward(a);
      h.backward(a);
    });
    test(`${kindName(kind)}: a forward run by a getter of step()'s own arguments`, () => {
      // step() reads its state through the caller's object: a getter there may call forward, and
      // that run's tape must be evicted before step's sweep overwrites the memory
      const h = harness(k());
      const a = h.forward(A);
      const state = h.api.initialState(h.api.params(inputs(k(), A).p), { batch: 1 }) as {
        values: Record<string, Float64Array>;
      };
      let b: ReturnType<typeof h.forward> | undefined;
      const name = Object.keys(state.values)[0]!;
      const value = state.values[name]!;
      Object.defineProperty(state.values, name, {
        enumerable: true,
        get: () => {
          b ??= h.forward(Bs);
          return value;
        },
      });
      h.api.step(state, rand(k().inputSize, 99));
      expect(b).toBeDefined();
      h.backward(b!);
      h.backward(a);
    });
    test(`${kindName(kind)}: inference, step() and checkpointed runs in between`, () => {
      const h = harness(k());
      const a = h.forward(A);
      h.inference(Bs);
      h.backward(a);
      const b = h.forward(Bs);
      h.step(wide);
      h.backward(b);
      const c = h.forward(A);
      const d = h.forward(ck);
      h.backward(c);
      h.backward(d);
      const e = h.forward(wide);
      h.backward(d);
      h.backward(e);
    });
    test(`${kindName(kind)}: run.tape read after a backward that was the first at its sizes`, () => {
      // a fresh kernel: its memory has room for nothing yet, and the backward must not move the
      // tape the run reads in place
      const h = harness(k());
      const w = h.forward(long);
      h.backward(w);
      h.tape(w);
      h.backward(w);
    });
    test(`${kindName(kind)}: other batch sizes and lengths in between`, () => {
      const h = harness(k());
      const a = h.forward(A);
      const w = h.forward(wide);
      h.backward(a);
      h.backward(w);
      h.backward(a);
      h.forward({ T: 0, B: 2, seed: 5, masked: false });
      h.backward(w);
    });
    test(`${kindName(kind)}: the caller's parameters and input changed after the forward`, () => {
      const h = harness(k());
      const a = h.forward(A);
      h.scribble(a);
      h.backward(a);
      const b = h.forward(Bs);
      h.scribble(b);
      h.forward(A);
      h.backward(b);
    });
    test(`${kindName(kind)}: run.tape reads the run's tape, before and after evictions`, () => {
      const h = harness(k());
      const a = h.forward(A);
      h.tape(a);
      h.backward(a);
      const b = h.forward(Bs);
      h.backward(b);
      h.forward(A);
      h.tape(b);
      h.backward(b);
      h.tape(b);
    });
    test(`${kindName(kind)}: writes into run.tape are what backward reads (as before)`, () => {
      const run = (api: ModuleApi, s: Spec) => {
        const { p, x, opts } = inputs(k(), s);
        return api.forward(api.params(p), x, opts) as AnyRun;
      };
      const nudge = (r: AnyRun) => {
        const s = r.tape!.saved[0] as Float64Array;
        s[1] = s[1]! * 0.5 + 0.125;
        (r.tape!.hist[0] as Float64Array)[H + 2] = 0.75;
      };
      const ref = fresh(k());
      const r0 = run(ref, A);
      nudge(r0);
      const want = gradBits(ref.backward(r0, inputs(k(), A).cot) as AnyGrad);
      expect(want).not.toEqual(expected(k(), A).grad);
      const api = fresh(k());
      const r1 = run(api, A);
      api.backward(r1, inputs(k(), A).cot);
      run(api, Bs);
      nudge(r1);
      expect(gradBits(api.backward(r1, inputs(k(), A).cot) as AnyGrad)).toEqual(want);
    });
  }
});

const spec = fc.record({
  T: fc.integer({ min: 0, max: 6 }),
  B: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 1, max: 50 }),
  masked: fc.boolean(),
  checkpoint: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
});
const op = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("forward" as const), s: spec }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("backward" as const), i: fc.nat() }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("inference" as const), s: spec }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("step" as const), s: spec }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("scribble" as const), i: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("tape" as const), i: fc.nat() }), weight: 1 },
);

describe("a run's tape in the kernel's memory: random programs", () => {
  test.prop([fc.constantFrom(...KINDS), fc.array(op, { minLength: 1, maxLength: 12 })], {
    seed: 17,
    numRuns: 60,
  })("forwards, backwards, inference, step, scribbles and tape reads in any order", (kind, ops) => {
    const h = harness(kernelOf(kind));
    for (const o of ops) {
      if (o.op === "forward") h.forward(o.s);
      else if (o.op === "inference") h.inference(o.s);
      else if (o.op === "step") h.step(o.s);
      else if (h.runs.length === 0) continue;
      else if (o.op === "backward") h.backward(o.i % h.runs.length);
      else if (o.op === "scribble") h.scribble(o.i % h.runs.length);
      else h.tape(o.i % h.runs.length);
    }
    // and every run's backward once more at the end, last first
    for (let i = h.runs.length - 1; i >= 0; i--) h.backward(i);
  });
});

describe("the tape in place: the wasm backend's backward reads it where the forward left it", () => {
  test.skipIf(!BACKENDS.includes("wasm"))(
    "LSTM and GRU, both dtypes: parameters, input, state histories and saved values",
    () => {
      for (const cell of [lstm, gru])
        for (const dtype of ["float32", "float64"] as const) {
          const k = compileCell(cell(), { inputSize: I, hiddenSize: H, dtype, backend: "wasm" });
          const m = /backward_kernel\.inPlace = \[([^\]]*)\];/.exec(k.source);
          const states = Object.keys(k.stateSizes).length;
          const tape = k.schedule.tape.length;
          // P, x, the histories and the tape in place; the cotangents copied in
          const want = [
            ...Array(2 + states + tape).fill("true"),
            ...Array(1 + states).fill("false"),
          ];
          expect(m?.[1]?.split(", "), `${cell().name} ${dtype}`).toEqual(want);
        }
    },
  );

  test.skipIf(!BACKENDS.includes("wasm"))(
    "threads: forward A, forward B, backward A, backward B in the workers",
    async () => {
      const opts = {
        inputSize: I,
        hiddenSize: H,
        dtype: "float32" as const,
        backend: "wasm" as const,
      };
      const many = compileCell(lstm(), { ...opts, threads: 2 });
      try {
        await many.ready();
        const k = compileCell(lstm(), opts);
        const one = (s: Spec) => {
          const { p, x, opts: o, cot } = inputs(k, s);
          const g = many.backward(many.forward(many.params(p), x, o), cot);
          return gradBits(g as never);
        };
        const a4 = { ...A, B: 4 },
          b4 = { ...wide, B: 4 };
        const wantA = one(a4),
          wantB = one(b4);
        const ia = inputs(k, a4),
          ib = inputs(k, b4);
        const ra = many.forward(many.params(ia.p), ia.x, ia.opts);
        const rb = many.forward(many.params(ib.p), ib.x, ib.opts);
        many.forward(many.params(ib.p), ib.x, { ...ib.opts, tape: false });
        expect(gradBits(many.backward(ra, ia.cot) as never)).toEqual(wantA);
        expect(gradBits(many.backward(rb, ib.cot) as never)).toEqual(wantB);
      } finally {
        await many.close();
      }
    },
  );
});

describe("tapeInPlace: which backward buffers read the forward's memory", () => {
  const at = (e: { a: number; b: number; c: number }, B: number, T: number) =>
    e.a + e.b * B + e.c * T * B;
  test("a buffer the backward writes stays its own; the others never overlap the forward's", () => {
    const s = compileCell(lstm(), { inputSize: I, hiddenSize: H, dtype: "float32" }).schedule;
    const bwd = s.backward;
    const o = bwd.buffers.find((b) => b.name === "o")!;
    const write = {
      kind: "fill" as const,
      rows: "TB" as const,
      to: { buf: "o", scope: "time" as const, ld: o.width, col: 0, shift: 0 },
      width: o.width,
      value: 0,
      doc: "a write into the tape",
    };
    const all = tapeInPlace(s.forward, bwd);
    const some = tapeInPlace(s.forward, { ...bwd, body: [write, ...bwd.body] });
    const names = ["P", ...bwd.args];
    // P, x, the histories and the tape; not the cotangents
    expect(all.inPlace).toEqual(names.map((n) => !n.startsWith("d_")));
    expect(some.inPlace).toEqual(all.inPlace.map((v, i) => v && names[i] !== "o"));
    for (const r of [all, some]) {
      const fwdEnd = s.forward.memory!;
      for (const b of r.backward.buffers) {
        const f = s.forward.buffers.find((x) => x.name === b.name);
        const inPlace = r.inPlace[names.indexOf(b.name)] === true;
        for (const [B, T] of [
          [1, 1],
          [3, 7],
          [64, 50],
        ] as const) {
          if (inPlace) expect(at(b.offset!, B, T)).toBe(at(f!.offset!, B, T));
          else expect(at(b.offset!, B, T), b.name).toBeGreaterThanOrEqual(at(fwdEnd, B, T));
          const end = at(b.offset!, B, T) + at(extentOf(b), B, T);
          expect(end, b.name).toBeLessThanOrEqual(at(r.backward.memory!, B, T));
        }
      }
    }
  });
});
