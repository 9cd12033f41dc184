/**
 * Spread of one metric over seeds: mean, sample standard deviation and the 95% confidence
 * interval of the mean from Student's t (the right interval for a handful of seeds, where the
 * normal's 1.96 would be far too narrow: t₀.₉₇₅ is 4.30 for 3 seeds, 2.78 for 5).
 *
 * @module
 */
import { tQuantile } from "./distributions.ts";

/** What {@linkcode describe} returns. */
export interface Description {
  /** Number of values. */
  n: number;
  /** Arithmetic mean (NaN when n = 0). */
  mean: number;
  /** Sample standard deviation, divisor n − 1 (NaN when n < 2). */
  sd: number;
  /** Standard error of the mean, sd / √n (NaN when n < 2). */
  se: number;
  /** Lower end of the confidence interval of the mean (NaN when n < 2). */
  ciLow: number;
  /** Upper end of the confidence interval of the mean (NaN when n < 2). */
  ciHigh: number;
  /** The interval's level (0.95 unless asked otherwise). */
  level: number;
}

/**
 * The arithmetic mean of `values` (NaN for none).
 *
 * @example
 * ```ts
 * mean([1, 2, 3]); // 2
 * ```
 */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

/**
 * The sample standard deviation of `values` (divisor n − 1; NaN for fewer than 2).
 *
 * @example
 * ```ts
 * sampleSd([1, 2, 3]); // 1
 * ```
 */
export function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * Mean, sample sd, standard error and the `level` (default 95%) t confidence interval of the
 * mean of `values`. Throws when a value is not finite (a diverged run must be looked at, not
 * averaged).
 *
 * @example
 * ```ts
 * const d = describe([1, 2, 3]);
 * // { n: 3, mean: 2, sd: 1, se: 0.577…, ciLow: -0.484…, ciHigh: 4.484…, level: 0.95 }
 * ```
 */
export function describe(values: readonly number[], level = 0.95): Description {
  if (!(level > 0 && level < 1)) {
    throw new Error(`describe(): level must be in (0, 1), got ${level}`);
  }
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new Error(`describe(): value ${i} is not finite: ${v}`);
  });
  const n = values.length;
  const m = mean(values);
  const sd = sampleSd(values);
  const se = sd / Math.sqrt(n);
  const half = n < 2 ? NaN : tQuantile(1 - (1 - level) / 2, n - 1) * se;
  return { n, mean: m, sd, se, ciLow: m - half, ciHigh: m + half, level };
}
