import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { formatDuration, formatRate, parseDuration, RateEstimator } from "../src/eta.js";
import { progress, runLine } from "../src/progress.js";

fc.configureGlobal({ seed: 14, numRuns: 2000 });

const seconds = fc.double({ min: 0, max: 1e6, noNaN: true });

describe("formatDuration", () => {
  test("examples, including the carries that used to print 3m60s", () => {
    expect(formatDuration(0.04)).toBe("0.0s");
    expect(formatDuration(4.21)).toBe("4.2s");
    expect(formatDuration(9.96)).toBe("10s");
    expect(formatDuration(59.6)).toBe("1m00s");
    expect(formatDuration(239.7)).toBe("4m00s");
    expect(formatDuration(3599.6)).toBe("1h00m");
    expect(formatDuration(3 * 3600 + 59 * 60 + 45)).toBe("4h00m");
    expect(formatDuration(Number.NaN)).toBe("–");
  });

  fcTest.prop([seconds])("never 60s or 60m, seconds and minutes two digits under 60", (s) => {
    const t = formatDuration(s);
    expect(t).toMatch(/^(\d\.\ds|\d{2}s|\d+m[0-5]\ds|\d+h[0-5]\dm)$/);
    expect(t).not.toMatch(/(^|[^\d])60[sm]|[^h\d]60m/);
  });

  fcTest.prop([seconds])("within its rounding of the true duration", (s) => {
    const back = parseDuration(formatDuration(s));
    const resolution = s < 9.95 ? 0.05 : s < 3599.5 ? 0.5 : 30;
    expect(Math.abs(back - s)).toBeLessThanOrEqual(resolution + 1e-9);
  });

  fcTest.prop([seconds, seconds])("monotone: a longer duration never prints shorter", (a, b) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    expect(parseDuration(formatDuration(lo))).toBeLessThanOrEqual(
      parseDuration(formatDuration(hi)),
    );
  });
});

describe("formatRate", () => {
  test("significant digits by size", () => {
    expect(formatRate(1234.5)).toBe("1235 steps/s");
    expect(formatRate(16.24)).toBe("16.2 steps/s");
    expect(formatRate(0.531)).toBe("0.531 steps/s");
    expect(formatRate(9.99999)).toBe("10.0 steps/s");
    expect(formatRate(0)).toBe("– steps/s");
  });
});

describe("RateEstimator", () => {
  test("no rate (so no ETA) at the first step: compilation before it is not counted", () => {
    const r = new RateEstimator();
    r.observe(1, 30); // step 1 took 30 s of compilation
    expect(r.rate()).toBeUndefined();
    expect(r.eta(200)).toBeUndefined();
    for (let k = 2; k <= 21; k++) r.observe(k, 30 + (k - 1) * 0.1); // then 10 steps/s
    expect(r.rate()).toBeCloseTo(10, 6);
    expect(r.eta(200)).toBeCloseTo(179 / 10, 6);
  });

  test("after --resume the rate counts only this invocation's steps", () => {
    const r = new RateEstimator();
    r.observe(1001, 5); // resumed at step 1000; first step of this invocation done at 5 s
    for (let k = 1; k <= 40; k++) r.observe(1001 + k, 5 + k * 0.05); // 20 steps/s
    expect(r.rate()).toBeCloseTo(20, 6);
    expect(r.eta(2000)).toBeCloseTo((2000 - 1041) / 20, 6);
    expect(r.meanRate()).toBeCloseTo(20, 6);
  });

  test("smooths a change of speed over its time constant", () => {
    const r = new RateEstimator({ tau: 5, minInterval: 0.5 });
    let t = 0,
      done = 0;
    r.observe(done, t);
    for (let i = 0; i < 40; i++) r.observe((done += 5), (t += 0.5)); // 10/s for 20 s
    expect(r.rate()).toBeCloseTo(10, 6);
    r.observe((done += 1), (t += 0.5)); // one slow interval (2/s, an evaluation pause)
    const after = r.rate()!;
    expect(after).toBeLessThan(10);
    expect(after).toBeGreaterThan(9); // one interval moves it by 1 − e^(−0.1) of the gap
    for (let i = 0; i < 100; i++) r.observe((done += 1), (t += 0.5)); // now 2/s for 50 s
    expect(r.rate()).toBeCloseTo(2, 2);
  });

  fcTest.prop([
    fc.double({ min: 0.1, max: 1000, noNaN: true }),
    fc.integer({ min: 0, max: 10_000 }),
    fc.double({ min: 0, max: 100, noNaN: true }),
  ])("a constant rate is estimated exactly, whatever the start and warm-up", (v, start, warm) => {
    const r = new RateEstimator();
    r.observe(start + 1, warm);
    for (let k = 1; k <= 30; k++) r.observe(start + 1 + k * 10, warm + (k * 10) / v);
    expect(r.rate()!).toBeCloseTo(v, 6);
  });
});

describe("progress lines", () => {
  const sink = () => {
    const out: string[] = [];
    return { out, stream: { write: (s: string) => out.push(s) !== 0, isTTY: false } };
  };

  test("plain lines: no ETA at step 1, then rate and ETA; the final line has the mean rate", () => {
    const { out, stream } = sink();
    let now = 0;
    const bar = progress({
      label: "adding lstm seed 0",
      total: 100,
      every: 0,
      now: () => now,
      stream: stream as unknown as NodeJS.WritableStream,
    });
    now = 20_000; // compile
    bar.update(1);
    expect(out[0]).toBe("adding lstm seed 0 1% 1/100 20s\n");
    for (let k = 2; k <= 50; k++) {
      now += 100;
      bar.update(k);
    }
    expect(out.at(-1)).toBe("adding lstm seed 0 50% 50/100 25s 10.0 steps/s eta 5.0s\n");
    now += 5000;
    bar.done("mse 0.01", 100);
    expect(out.at(-1)).toBe("adding lstm seed 0 done 100/100 30s 10.0 steps/s mse 0.01\n");
  });

  test("one line per finished run with its steps/s", () => {
    expect(
      runLine(
        { name: "adding", metricName: "mse" },
        {
          cell: "lstm",
          seed: 1,
          steps: 200,
          seconds: 12.34,
          completed: true,
          history: [{ metric: 0.01234 }],
        },
      ),
    ).toBe("adding lstm seed 1 done 200 steps in 12s (16.2 steps/s) mse 0.0123");
  });
});

describe("a bar over several runs, some resumed", () => {
  test("steps a run had done before this invocation never count for the rate", () => {
    const out: string[] = [];
    let now = 0;
    const bar = progress({
      label: "adding (2 workers)",
      total: 2000,
      every: 0,
      now: () => now,
      stream: {
        write: (s: string) => out.push(s) !== 0,
        isTTY: false,
      } as unknown as NodeJS.WritableStream,
    });
    // run A resumed at 900 of 1000, run B starts fresh; both do 10 steps/s
    let a = 901,
      b = 0;
    bar.update(a + b, "", 1);
    for (let k = 1; k <= 50; k++) {
      now += 100;
      if (k === 10) b = 1; // B's first report, after its first step (B resumed nothing)
      a += 1;
      if (k > 10) b += 1;
      bar.update(a + b, "", a - 900 + b);
    }
    // 2 runs × 10 steps/s once B runs; A's 900 earlier steps are not a burst of speed
    const last = out.at(-1)!;
    const rate = Number(/ ([\d.]+) steps\/s/.exec(last)![1]);
    expect(rate).toBeGreaterThan(10);
    expect(rate).toBeLessThanOrEqual(20.5);
  });
});
