import { describe, expect, test } from "vitest";
import { fmtTick, logAxis, plotSvg } from "../src/report/svg.js";
import { pm, sig } from "../src/summary.js";

const labels = (lo: number, hi: number) =>
  logAxis(lo, hi)
    .ticks.filter((t) => t.label)
    .map((t) => t.v);

describe("log axes have enough ticks", () => {
  test("one decade: 1-2-5", () => {
    expect(labels(0.1, 1)).toEqual([0.1, 0.2, 0.5, 1]);
    expect(labels(0.12, 0.9)).toEqual([0.1, 0.2, 0.5, 1]);
  });
  test("under 0.7 decades every tick is labelled", () => {
    expect(labels(0.52, 0.71)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });
  test("wider spans: every decade, minor ticks unlabelled", () => {
    const ax = logAxis(3.9e-4, 0.2);
    expect(ax.min).toBe(1e-4);
    expect(ax.max).toBe(1);
    expect(ax.ticks.filter((t) => t.label).map((t) => t.v)).toEqual([1e-4, 0.001, 0.01, 0.1, 1]);
    expect(ax.ticks.filter((t) => !t.label)).toHaveLength(4 * 8);
  });
  test("tick labels: short, exponent form with a real minus", () => {
    expect(fmtTick(1e-4)).toBe("1e−4");
    expect(fmtTick(0.25)).toBe("0.25");
    expect(fmtTick(1000)).toBe("1000");
  });
});

describe("numbers in tables", () => {
  test("fixed significant digits, trailing zeros kept", () => {
    expect(sig(0.5)).toBe("0.5000");
    expect(sig(0.001923)).toBe("0.001923");
    expect(sig(3.9213e-4)).toBe("3.921e-4");
    expect(sig(12345.6)).toBe("12346");
    expect(sig(0, 3)).toBe("0.00");
    expect(pm({ mean: 3.92e-4, std: 4.1e-5 })).toBe("3.920e-4 ± 4.1e-5");
  });
});

describe("plot labels stay off the curves", () => {
  test("threshold and baseline are named in the legend, right of the plot area", () => {
    const svg = plotSvg(
      [
        {
          label: "lstm",
          runs: [
            [
              [0, 0.2],
              [50, 0.01],
            ],
          ],
        },
      ],
      {
        title: "t",
        xLabel: "training steps",
        yLabel: "MSE",
        yScale: "log",
        threshold: 0.01,
        baseline: 0.167,
      },
    );
    const area = /<rect class="plot-area" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/.exec(svg)!;
    const right = Number(area[1]) + Number(area[2]);
    for (const name of ["threshold 0.01", "trivial baseline 0.167"]) {
      const m = new RegExp(`<text class="legend" x="([\\d.]+)"[^>]*>${name}<`).exec(svg);
      expect(m, name).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(right);
    }
  });
});
