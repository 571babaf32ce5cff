/**
 * Kernels are generic in their dtype: the views of a float64 kernel are Float64Arrays, of a
 * float32 kernel Float32Arrays, in the types (checked by `tsc -b`) as at run time.
 */
import {
  type ArrayOf,
  type CompiledKernel,
  compileCell,
  type DType,
  type FloatArray,
  type Kernel,
} from "@gated/codegen";
import { expect, expectTypeOf, test } from "vitest";
import { elman } from "./codegenCells.js";

const sizes = { inputSize: 2, hiddenSize: 3 };

test("a float64 kernel's params, outputs and gradients are Float64Arrays", () => {
  const k = compileCell(elman(), { ...sizes, dtype: "float64" });
  const p = k.initParams({ seed: 0 });
  expectTypeOf(p.get("W_h")).toEqualTypeOf<Float64Array>();
  const run = k.forward(p, new Float64Array(2 * 2), { batch: 1 });
  expectTypeOf(run.output).toEqualTypeOf<Float64Array>();
  const g = k.backward(run, { output: new Float64Array(2 * 3).fill(1) });
  expectTypeOf(g.params.get("W_h")).toEqualTypeOf<Float64Array>();
  expect(p.get("W_h")).toBeInstanceOf(Float64Array);
  expect(run.output).toBeInstanceOf(Float64Array);
  expect(g.input).toBeInstanceOf(Float64Array);
});

test("a float32 kernel's are Float32Arrays; the default dtype is float64", () => {
  const k32 = compileCell(elman(), { ...sizes, dtype: "float32" });
  expectTypeOf(k32.params().get("W_h")).toEqualTypeOf<Float32Array>();
  expect(k32.params().get("W_h")).toBeInstanceOf(Float32Array);
  const kd = compileCell(elman(), sizes);
  expectTypeOf(kd).toEqualTypeOf<CompiledKernel<"float64">>();
  expect(kd.dtype).toBe("float64");
});

test("a dtype known only at run time gives the union, and every kernel is a Kernel", () => {
  const dtype = ["float32", "float64"][Number(process.env.GATED_NEVER ?? 1)] as DType;
  const k = compileCell(elman(), { ...sizes, dtype });
  expectTypeOf(k.params().get("W_h")).toEqualTypeOf<FloatArray>();
  expectTypeOf<ArrayOf<DType>>().toEqualTypeOf<FloatArray>();
  const kernels: Kernel[] = [k, compileCell(elman(), { ...sizes, dtype: "float32" })];
  expect(kernels.map((x) => x.dtype)).toEqual(["float64", "float32"]);
});
