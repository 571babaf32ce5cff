/**
 * TensorFlow.js (cpu backend), loaded from the bench workspace package that depends on it, so
 * the golden tests need no dependency of their own; undefined when it is not installed.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

type Any = any;

export async function loadTfjs(): Promise<{ tf: Any; tfl: Any } | undefined> {
  try {
    const req = createRequire(join(import.meta.dirname, "../../bench/package.json"));
    const load = (m: string) => import(pathToFileURL(req.resolve(m)).href);
    const tf = await load("@tensorflow/tfjs-core");
    await load("@tensorflow/tfjs-backend-cpu");
    const tfl = await load("@tensorflow/tfjs-layers");
    await tf.setBackend("cpu");
    return { tf, tfl };
  } catch {
    return undefined;
  }
}
