/**
 * Lowering of one sweep (a scan over time) into statements. Before: a graph whose roots are the
 * carried outputs (next states, or the cotangents of the previous states), per-row outputs and
 * parameter-gradient accumulators; leaves are parameters, constants, per-row inputs (x, tape
 * entries, output cotangents) and carried inputs. After: statements in four phases —
 *   static (once per call) · pre (all T·B rows, before the loop) · loop (B rows per step) ·
 *   post (all T·B rows, after the loop) —
 * with contractions merged into row-batched products, elementwise work fused, and buffers placed.
 * Each pass takes the value the one before returned (types in plan.ts) and adds what it found.
 */
import { concatRequests, deferOuterProducts, groupSharedVector, mergeSums } from "./contract.js";
import { liveness, orderItems } from "./order.js";
import { phases, sinkElementwise, sweepGraph } from "./phases.js";
import { placeBuffers } from "./place.js";
import type { ScanResult, ScanSpec } from "./plan.js";
import { statements } from "./statements.js";

/** Lowers one sweep: the passes below, then the statements. */
export function lowerScan(spec: ScanSpec): ScanResult {
  // plan items → schedule statements
  return statements(spec, scanPasses(spec).placed);
}

/** The passes of one sweep, top to bottom, each one's value kept (the unit tests read them). */
export function scanPasses(spec: ScanSpec) {
  // the sweep's nodes from its roots, stopping at per-row and carried inputs
  const graph = sweepGraph(spec);
  // where each node runs: static, pre (all rows before the loop), loop (per step), post
  const phased = phases(spec, graph);
  // pre elementwise work read only by the loop (or post) runs there: no [T·B] buffer
  const sunk = sinkElementwise(spec, phased);
  // Σ_g S_gᵀ u_g over static S_g: one product over the concatenated u_g
  const merged = mergeSums(spec, sunk);
  // parameter gradients: outer products deferred to one product after the sweep, the rest summed
  const deferred = deferOuterProducts(spec, merged);
  // matvec(P_g, v) over static P_g: one product per shared v
  const grouped = groupSharedVector(spec, deferred);
  // the vectors a merged product reads, stored side by side
  const requested = concatRequests(spec, grouped);
  // only what a root, a merged product or a gradient reads is computed
  const live = liveness(spec, requested);
  // run order per phase; elementwise nodes fused into maps
  const plan = orderItems(spec, live);
  // a buffer for every value that leaves its map
  const placed = placeBuffers(spec, plan);
  return { phased, sunk, merged, deferred, grouped, requested, live, plan, placed };
}
