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
