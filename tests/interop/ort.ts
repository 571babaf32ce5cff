/** onnxruntime-node, loaded when present (the ONNX suites skip loudly without it). */
import { exportOnnx } from "gated";
import { expect } from "vitest";
import { type GatedCase, maxRelDiff } from "./cases.js";

export type Ort = typeof import("onnxruntime-node");

export async function loadOrt(): Promise<Ort | undefined> {
  try {
    return await import("onnxruntime-node");
  } catch {
    return undefined;
  }
}

/** Runs a model once; returns every output as a flat float64 array. */
export async function runOnnx(
  ort: Ort,
  bytes: Uint8Array,
  feeds: Record<string, { data: ArrayLike<number>; dims: number[]; int64?: boolean }>,
  dtype: "float32" | "float64" = "float32",
): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const inputs = Object.fromEntries(
      Object.entries(feeds).map(([k, v]) => [
        k,
        v.int64
          ? new ort.Tensor(
              "int64",
              BigInt64Array.from(Array.from(v.data, (n) => BigInt(n))),
              v.dims,
            )
          : new ort.Tensor(
              dtype,
              dtype === "float32" ? Float32Array.from(v.data) : Float64Array.from(v.data),
              v.dims,
            ),
      ]),
    );
    const out = await session.run(inputs);
    return Object.fromEntries(
      Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float32Array, Number)]),
    );
  } finally {
    await session.release();
  }
}

/**
 * Exports a case's cell with its parameters (with a `lengths` input where the case is masked),
 * runs it in onnxruntime and expects gated's outputs and final states: 1e-5 relative in
 * float32, 1e-12 in float64.
 */
export async function expectOnnxEqualsGated(
  ort: Ort,
  c: GatedCase,
  dtype: "float32" | "float64",
): Promise<void> {
  const masked = c.lengths !== null;
  const bytes = exportOnnx(c.cell, {
    inputSize: c.I,
    hiddenSize: c.H,
    sizes: c.sizes,
    dtype,
    params: new Map(Object.entries(c.params).map(([k, v]) => [k, v.data])),
    lengths: masked,
  });
  const feeds: Record<string, { data: number[]; dims: number[]; int64?: boolean }> = {
    x: { data: c.x, dims: [c.T, c.B, c.I] },
  };
  for (const [s, v] of Object.entries(c.initial))
    feeds[`init_${s}`] = { data: v, dims: [c.B, v.length / c.B] };
  if (masked) feeds["lengths"] = { data: c.lengths!, dims: [c.B], int64: true };
  const out = await runOnnx(ort, bytes, feeds, dtype);
  const tol = dtype === "float32" ? 1e-5 : 1e-12;
  expect(maxRelDiff(out["output"]!, c.output), "output").toBeLessThanOrEqual(tol);
  for (const s of Object.keys(c.final))
    expect(maxRelDiff(out[`final_${s}`]!, c.final[s]!), `final ${s}`).toBeLessThanOrEqual(tol);
}
