/**
 * The backends codegen knows, by name. `js` is always here; the WebAssembly backend registers
 * itself with `registerBackend` when its module is imported (see src/index.ts).
 */
import type { Backend } from "./backend.js";
import { jsBackend } from "./js/index.js";

export type BackendName = "js" | "wasm";

const registry: Partial<Record<BackendName, Backend>> = { js: jsBackend };

/** The registered backends by name (`backends.js`, `backends.wasm` once registered). */
export const backends: Readonly<Partial<Record<BackendName, Backend>>> = registry;

/** Adds (or replaces) a backend under its name. */
export function registerBackend(b: Backend & { readonly name: BackendName }): void {
  registry[b.name] = b;
}

/** The backend kernels use when none is asked for: wasm where WebAssembly SIMD runs, else js. */
export function defaultBackend(): Backend {
  const w = registry.wasm;
  return w && (w.available?.() ?? true) ? w : jsBackend;
}

/** Every registered backend that can run here, `js` first: the differential suites iterate it. */
export function availableBackends(): Backend[] {
  return (["js", "wasm"] as const)
    .map((k) => registry[k])
    .filter((b): b is Backend => b !== undefined && (b.available?.() ?? true));
}

/** A backend option (an object or a name) as a backend; a name not registered here throws. */
export function resolveBackend(b: Backend | BackendName | undefined, where: string): Backend {
  if (b === undefined) return defaultBackend();
  if (typeof b !== "string") return b;
  const found = registry[b];
  if (!found) {
    const names = Object.keys(registry).join(", ");
    throw new Error(
      b === "wasm"
        ? `${where}: the wasm backend is not available (backends: ${names})`
        : `${where}: unknown backend ${JSON.stringify(b)} (backends: ${names})`,
    );
  }
  if (found.available && !found.available())
    throw new Error(`${where}: the ${b} backend cannot run here (no WebAssembly SIMD)`);
  return found;
}
