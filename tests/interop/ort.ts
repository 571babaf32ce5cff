/** onnxruntime-node, loaded when present (the ONNX suites skip loudly without it). */
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
