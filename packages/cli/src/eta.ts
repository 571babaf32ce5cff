/**
 * Durations and rates for progress lines, with no Node imports (the playground reuses them in
 * the browser). `formatDuration` rounds before it splits into units, so a carry never shows as
 * `3m60s`; `RateEstimator` measures steps/s from its first observation on (so compilation and
 * warm-up before the first step, and steps done by an earlier invocation, never count) and
 * smooths it with a time-constant EWMA, so the ETA neither jumps at step 1 nor lags for long.
 */

/**
 * A duration for people: `0.4s`, `9.9s`, `42s`, `3m05s`, `1h07m`. Units never overflow (no
 * `60s`, no `60m`) and the printed value never decreases as `s` grows.
 */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "–";
  const tenths = Math.round(s * 10) / 10;
  if (tenths < 10) return `${tenths.toFixed(1)}s`;
  const secs = Math.round(s);
  if (secs < 60) return `${secs}s`;
  if (secs < 3600) {
    const m = Math.floor(secs / 60);
    return `${m}m${String(secs - 60 * m).padStart(2, "0")}s`;
  }
  const mins = Math.round(s / 60);
  const h = Math.floor(mins / 60);
  return `${h}h${String(mins - 60 * h).padStart(2, "0")}m`;
}

/** Seconds a `formatDuration` string stands for (its inverse, up to rounding). */
export function parseDuration(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!m || text === "") throw new Error(`not a duration: "${text}"`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** A rate for people: `1234 steps/s`, `16.2 steps/s`, `0.531 steps/s`. */
export function formatRate(perSecond: number, unit = "steps"): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return `– ${unit}/s`;
  const text = perSecond >= 99.95 ? perSecond.toFixed(0) : perSecond.toPrecision(3);
  return `${text} ${unit}/s`;
}

export interface RateOptions {
  /** Time constant of the EWMA in seconds (default 5): older intervals fade as exp(−age/τ). */
  readonly tau?: number;
  /** Shortest interval that makes a rate sample, in seconds (default 0.25). */
  readonly minInterval?: number;
}

/**
 * Steps per second, smoothed. The first `observe` only sets the baseline: whatever happened
 * before it (compilation, a resumed run's earlier steps) is not part of the rate, and there is
 * no rate (so no ETA) until a whole interval has been measured.
 */
export class RateEstimator {
  private readonly tau: number;
  private readonly minInterval: number;
  private base?: { done: number; t: number };
  private last?: { done: number; t: number };
  private first?: { done: number; t: number };
  private ewma: number | undefined;

  constructor(opts: RateOptions = {}) {
    this.tau = opts.tau ?? 5;
    this.minInterval = opts.minInterval ?? 0.25;
  }

  /** Reports `done` units at time `t` (seconds, any origin). */
  observe(done: number, t: number): void {
    if (!this.first) {
      this.first = this.last = this.base = { done, t };
      return;
    }
    const last = this.last!;
    if (done < last.done) {
      // the count went back (a new run): start over from here
      this.first = this.last = this.base = { done, t };
      this.ewma = undefined;
      return;
    }
    this.last = { done, t };
    const base = this.base!;
    const dt = t - base.t;
    if (dt < this.minInterval) return;
    const sample = (done - base.done) / dt;
    const w = 1 - Math.exp(-dt / this.tau);
    this.ewma = this.ewma === undefined ? sample : this.ewma + w * (sample - this.ewma);
    this.base = { done, t };
  }

  /** The smoothed rate in units/s, undefined until one interval has been measured. */
  rate(): number | undefined {
    return this.ewma;
  }

  /** Mean rate since the first observation (undefined before a second one). */
  meanRate(): number | undefined {
    const f = this.first,
      l = this.last;
    if (!f || !l || l.t <= f.t || l.done <= f.done) return undefined;
    return (l.done - f.done) / (l.t - f.t);
  }

  /** Seconds left to reach `total`, undefined while there is no rate. */
  eta(total: number): number | undefined {
    const r = this.ewma;
    if (r === undefined || r <= 0 || !this.last) return undefined;
    return Math.max(0, total - this.last.done) / r;
  }
}
