import { describe, expect, test } from "vitest";
import { countNodes, dependsOn, input, leavesOf, param, topo, users } from "../src/index.js";
import { add, exp, mul } from "./miniOps.js";

describe("topo", () => {
  const x = input("x", []);
  const w = param("w", []);
  const a = mul(x, w);
  const b = exp(a);
  const y = add(b, a);
  test("inputs before users, each node once", () => {
    const order = topo([y]);
    expect(new Set(order).size).toBe(order.length);
    for (const n of order)
      for (const c of n.inputs) expect(order.indexOf(c)).toBeLessThan(order.indexOf(n));
    expect(order).toEqual([x, w, a, b, y]);
  });
  test("dead code is not reachable, so not visited", () => {
    const dead = exp(y);
    expect(topo([y])).not.toContain(dead);
    expect(countNodes([y])).toBe(5);
    expect(countNodes([y, dead])).toBe(6);
  });
  test("deep graphs do not overflow the stack", () => {
    let n = x;
    for (let i = 0; i < 20000; i++) n = exp(n);
    expect(topo([n])).toHaveLength(20001);
  });
  test("users, leaves, dependence", () => {
    expect(users([y]).get(a)).toEqual([b, y]);
    expect(leavesOf([y], "param")).toEqual([w]);
    expect(leavesOf([y], "input")).toEqual([x]);
    const dep = dependsOn([y, exp(x)], new Set([w]));
    expect(dep.has(y) && dep.has(a) && dep.has(w)).toBe(true);
    expect(dep.has(exp(x))).toBe(false);
  });
});
