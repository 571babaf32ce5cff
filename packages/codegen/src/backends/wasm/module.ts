/**
 * The WebAssembly module of a wasm kernel: the products and transposes for both element types
 * (gemm.ts: sizes are arguments, the same code for every schedule), to which the backend adds
 * the schedule's float32 maps (maps.ts). One imported memory `env.mem`.
 */
import { ModuleBuilder } from "./encoder.js";
import { addGemm } from "./gemm.js";
import { addColsum, addTranspose } from "./rearrange.js";

let base: ModuleBuilder | undefined;

/** A module builder holding pack_<t>, gemm_<t>, transpose_<t> and colsum_<t> (built once; a copy). */
export function kernelModule(): ModuleBuilder {
  if (!base) {
    base = new ModuleBuilder(1);
    addGemm(base, "f32");
    addGemm(base, "f64");
    addTranspose(base, "f32");
    addTranspose(base, "f64");
    addColsum(base, "f32");
    addColsum(base, "f64");
  }
  return base.clone();
}
