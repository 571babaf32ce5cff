/**
 * Learning-rate schedules: functions of the step (0-based) giving a factor of the base rate.
 * They hold no state, so a resumed run only needs its step count.
 */
export type Schedule = (step: number) => number;

/** Always 1. */
export const constant = (): Schedule => () => 1;

/** × gamma every `every` steps. */
export const stepDecay =
  ({ every, gamma = 0.1 }: { every: number; gamma?: number }): Schedule =>
  (s) =>
    gamma ** Math.floor(s / every);

/** Half a cosine from 1 down to `min` over `total` steps, then `min`. */
export const cosine =
  ({ total, min = 0 }: { total: number; min?: number }): Schedule =>
  (s) =>
    min + ((1 - min) * (1 + Math.cos((Math.PI * Math.min(s, total)) / total))) / 2;

/** Linear warmup from 1/warmup to 1 over `warmup` steps, then `then` (shifted to start at 0). */
export const warmup =
  (steps: number, then: Schedule = constant()): Schedule =>
  (s) =>
    s < steps ? (s + 1) / steps : then(s - steps);

/** A schedule by name: constant, step, cosine, warmup+cosine ("warmup-cosine"). */
export function scheduleByName(
  name: string,
  opts: { total: number; warmup?: number; every?: number; gamma?: number },
): Schedule {
  switch (name) {
    case "constant":
      return constant();
    case "step":
      return stepDecay({
        every: opts.every ?? Math.max(1, Math.floor(opts.total / 3)),
        ...(opts.gamma !== undefined ? { gamma: opts.gamma } : {}),
      });
    case "cosine":
      return cosine({ total: opts.total });
    case "warmup-cosine": {
      const w = opts.warmup ?? Math.ceil(opts.total / 20);
      return warmup(w, cosine({ total: Math.max(1, opts.total - w) }));
    }
    default:
      throw new Error(
        `unknown schedule "${name}" (schedules: constant, step, cosine, warmup-cosine)`,
      );
  }
}
