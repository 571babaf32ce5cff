/**
 * The JavaScript backend: the schedule as plain JS loops over typed arrays, computing in
 * float64 whatever the dtype (loads from Float64Array skip the float32 → float64 conversion in
 * the products' inner loops; the host runtime rounds what it hands out to the dtype).
 */

import { Namer } from "../../names.js";
import type { Schedule, Stmt } from "../../schedule/schedule.js";
import type { Backend, KernelSource } from "../backend.js";
import { HELPERS } from "./dense.js";
import { Emitter, emitConsts, emitProc } from "./emitter.js";

/** Every identifier the schedule already uses, so emitter locals (row bases, hoisted loads) never shadow one. */
export function usedNames(s: Schedule): string[] {
  const names: string[] = s.consts.map((c) => c.name);
  for (const p of [s.forward, s.backward, s.infer]) {
    for (const b of p.buffers) names.push(b.name);
    const walk = (st: Stmt) => {
      if (st.kind === "loop") st.body.forEach(walk);
      if (st.kind === "map") for (const l of st.lets) names.push(l.name);
    };
    p.body.forEach(walk);
  }
  return names;
}

/** Constant tables, the dense helpers, the compute array type, both sweeps and the inference sweep. */
export function jsKernelSource(s: Schedule): KernelSource {
  const em = new Emitter(new Namer(usedNames(s)));
  emitConsts(em, s.consts);
  em.line();
  for (const l of HELPERS.split("\n")) em.line(l);
  em.line("const $KF = Float64Array; // the compute type: scratch, tape and state are float64");
  emitProc(em, s.forward, "forward_kernel", s.dtype, s);
  em.line();
  emitProc(em, s.backward, "backward_kernel", s.dtype, s);
  em.line();
  emitProc(em, s.infer, "infer_kernel", s.dtype, s);
  return { js: em.text() };
}

export const jsBackend: Backend = {
  name: "js",
  compute: () => "f64",
  emit: jsKernelSource,
};
