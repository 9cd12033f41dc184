/**
 * The paired bootstrap over dev examples (Efron & Tibshirani 1993; as used for NLP systems by
 * Koehn 2004 and Berg-Kirkpatrick et al. 2012): two arms' predictions for the same examples, with
 * the same seed, are resampled together (the same example indices for both), and the metric
 * difference is recomputed on each resample. The percentile interval of those differences says how
 * much the observed difference owes to which examples happen to be in the dev set.
 *
 * @module
 */
import { seededRandom } from "../../model/sampling.ts";

/** A metric over gold and predicted classes (higher is better), e.g. {@linkcode accuracyOf}. */
export type ClassMetric = (gold: readonly number[], pred: readonly number[]) => number;

/**
 * Accuracy: the share of examples whose prediction equals gold.
 *
 * @example
 * ```ts
 * accuracyOf([0, 1, 1], [0, 1, 0]); // 2 / 3
 * ```
 */
export function accuracyOf(gold: readonly number[], pred: readonly number[]): number {
  let right = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === pred[i]) right++;
  return right / gold.length;
}

/**
 * A macro-F1 metric over classes `0 … numClasses − 1` (every class counts, an absent one as 0:
 * `eval/classification.ts`'s convention).
 *
 * @example
 * ```ts
 * macroF1Of(2)([0, 1, 1], [0, 1, 0]); // (2/3 + 2/3) / 2
 * ```
 */
export function macroF1Of(numClasses: number): ClassMetric {
  return (gold, pred) => {
    const tp = new Array<number>(numClasses).fill(0);
    const goldCount = new Array<number>(numClasses).fill(0);
    const predCount = new Array<number>(numClasses).fill(0);
    for (let i = 0; i < gold.length; i++) {
      goldCount[gold[i]]++;
      predCount[pred[i]]++;
      if (gold[i] === pred[i]) tp[gold[i]]++;
    }
    let sum = 0;
    for (let k = 0; k < numClasses; k++) {
      const denominator = goldCount[k] + predCount[k]; // 2·tp + fp + fn
      sum += denominator === 0 ? 0 : (2 * tp[k]) / denominator;
    }
    return sum / numClasses;
  };
}

/** Options of {@linkcode pairedBootstrap}. */
export interface BootstrapOptions {
  /** Resamples (default 10,000). */
  resamples?: number;
  /** Seed of the resampling (default 1): the same seed gives the same interval. */
  seed?: number;
  /** Interval level (default 0.95). */
  level?: number;
}

/** Result of {@linkcode pairedBootstrap}. */
export interface BootstrapResult {
  /** Examples. */
  n: number;
  /** metric(A) on the dev set as it is. */
  metricA: number;
  /** metric(B) likewise. */
  metricB: number;
  /** metric(A) − metric(B): the effect size, in the metric's units. */
  diff: number;
  /** Percentile interval of the resampled differences. */
  ciLow: number;
  /** See `ciLow`. */
  ciHigh: number;
  /** Two-sided p: twice the smaller share of resampled differences on either side of 0. */
  p: number;
  /** Resamples drawn. */
  resamples: number;
}

function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Paired bootstrap of metric(A) − metric(B) over the examples: the observed difference, its
 * percentile interval and a two-sided p. Throws when the three arrays differ in length or are
 * empty.
 *
 * @example
 * ```ts
 * const r = pairedBootstrap([0, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1], accuracyOf, { seed: 3 });
 * r.diff; // 0.25; r.ciLow … r.ciHigh its 95% interval
 * ```
 */
export function pairedBootstrap(
  gold: readonly number[],
  predA: readonly number[],
  predB: readonly number[],
  metric: ClassMetric,
  options: BootstrapOptions = {},
): BootstrapResult {
  const n = gold.length;
  if (n === 0 || predA.length !== n || predB.length !== n) {
    throw new Error(
      `pairedBootstrap(): gold, A and B must have the same non-zero length, got ` +
        `${n}, ${predA.length}, ${predB.length}`,
    );
  }
  const resamples = options.resamples ?? 10_000;
  const level = options.level ?? 0.95;
  const random = seededRandom(options.seed ?? 1);
  const metricA = metric(gold, predA);
  const metricB = metric(gold, predB);
  const diffs = new Float64Array(resamples);
  const g = new Array<number>(n);
  const a = new Array<number>(n);
  const b = new Array<number>(n);
  let below = 0;
  let above = 0;
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(random() * n);
      g[i] = gold[j];
      a[i] = predA[j];
      b[i] = predB[j];
    }
    const d = metric(g, a) - metric(g, b);
    diffs[r] = d;
    if (d <= 0) below++;
    if (d >= 0) above++;
  }
  diffs.sort();
  return {
    n,
    metricA,
    metricB,
    diff: metricA - metricB,
    ciLow: quantileSorted(diffs, (1 - level) / 2),
    ciHigh: quantileSorted(diffs, 1 - (1 - level) / 2),
    p: Math.min(1, (2 * Math.min(below, above)) / resamples),
    resamples,
  };
}
