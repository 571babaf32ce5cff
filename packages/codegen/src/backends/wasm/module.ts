/**
 * The WebAssembly module of a wasm kernel: the products and transposes for both element types
 * (gemm.ts: sizes are arguments, the same code for every schedule), to which the backend adds
 * the schedule's float32 maps (maps.ts). One imported memory `env.mem`.
 */
import { ModuleBuilder } from "./encoder.js";
import { addColsum, addGemm, addTranspose } from "./gemm.js";

/** A module builder holding pack_<t>, gemm_<t>, transpose_<t> and colsum_<t> for t = f32, f64. */
export function kernelModule(): ModuleBuilder {
  const m = new ModuleBuilder(1);
  addGemm(m, "f32");
  addGemm(m, "f64");
  addTranspose(m, "f32");
  addTranspose(m, "f64");
  addColsum(m, "f32");
  addColsum(m, "f64");
  return m;
}
