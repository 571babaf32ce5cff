/**
 * File access for `model.save` / `Model.load` without importing a Node built-in, so the core
 * stays bundleable for a browser: Node's `fs` is taken from `process.getBuiltinModule`
 * (Node ≥ 20.16) at call time. In a browser, use `toBytes`/`fromBytes` instead.
 */
interface Fs {
  readFileSync(path: string): Uint8Array;
  writeFileSync(path: string, data: Uint8Array): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, opts: { force: boolean }): void;
}

function fs(what: string): Fs {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const m = p?.getBuiltinModule?.("fs") as Fs | undefined;
  if (!m)
    throw new Error(
      `${what}: file access needs Node ≥ 20.16; in a browser use toBytes()/fromBytes()`,
    );
  return m;
}

/** Writes atomically: a temporary file beside `path`, then a rename over it. */
export function writeBytes(path: string, bytes: Uint8Array, what: string): void {
  const f = fs(what);
  const tmp = `${path}.${Date.now().toString(36)}.tmp`;
  try {
    f.writeFileSync(tmp, bytes);
    f.renameSync(tmp, path);
  } catch (e) {
    f.rmSync(tmp, { force: true });
    throw new Error(`${what}: cannot write ${path}: ${(e as Error).message}`);
  }
}

export function readBytes(path: string, what: string): Uint8Array {
  const f = fs(what);
  try {
    const b = f.readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new Error(`${what}: cannot read ${path}: ${(e as Error).message}`);
  }
}
