import { Func, type Local, ModuleBuilder } from "../../src/backends/wasm/encoder.js";
import { forRange } from "../../src/backends/wasm/gemm.js";

/** Instantiates a module with a fresh memory as `env.mem` (WebAssembly typed locally: codegen's lib has no DOM). */
interface Wa {
  Memory: new (d: { initial: number }) => { readonly buffer: ArrayBuffer };
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, i: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: Wa }).WebAssembly;

export function instantiate<E>(
  bytes: Uint8Array,
  pages = 64,
): { mem: { readonly buffer: ArrayBuffer }; ex: E } {
  const mem = new WA.Memory({ initial: pages });
  const inst = new WA.Instance(new WA.Module(bytes), { env: { mem } });
  return { mem, ex: inst.exports as E };
}

/**
 * A module exporting, per entry of `fns`, `name(src, dst, n)`: dst[i] = fn(src[i]) over n bytes
 * a vector (16 bytes) at a time, `emit` leaving the result of the vector `x` on the stack.
 */
export function vectorMaps(
  fns: Readonly<Record<string, (f: Func, x: Local) => void>>,
  pages?: number,
): {
  mem: { readonly buffer: ArrayBuffer };
  ex: Record<string, (a: number, b: number, n: number) => void>;
} {
  const m = new ModuleBuilder(1);
  for (const [name, emit] of Object.entries(fns)) {
    const f = new Func(["i32", "i32", "i32"]);
    const [src, dst, n] = f.params;
    const i = f.local("i32");
    const x = f.local("v128");
    forRange(
      f,
      i,
      () => f.i32(0),
      () => f.get(n!),
      16,
      () => {
        f.get(src!).get(i).op("i32.add").op("v128.load", 0).set(x);
        f.get(dst!).get(i).op("i32.add");
        emit(f, x);
        f.op("v128.store", 0);
      },
    );
    m.add(f, name);
  }
  return instantiate(m.encode(), pages);
}
