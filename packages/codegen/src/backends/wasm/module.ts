/**
 * The WebAssembly module every wasm kernel carries: the same bytes for every schedule (sizes are
 * arguments), built once per process. Exports `pack_<t>`, `gemm_<t>` and `transpose_<t>` for t = f32, f64
 * (gemm.ts), over one imported memory `env.mem`.
 */
import { ModuleBuilder } from "./encoder.js";
import { addGemm, addTranspose } from "./gemm.js";

let bytes: Uint8Array | undefined;

/** The module's bytes (cached). */
export function kernelModuleBytes(): Uint8Array {
  if (!bytes) {
    const m = new ModuleBuilder(1);
    addGemm(m, "f32");
    addGemm(m, "f64");
    addTranspose(m, "f32");
    addTranspose(m, "f64");
    bytes = m.encode();
  }
  return bytes;
}
