/**
 * Paired tests over seeds: arm A and arm B run with the same seeds, so each seed gives one
 * difference d = a − b. Three tests of "no difference", each with its effect size:
 *
 * - {@linkcode pairedTTest}: Student's paired t-test; effect size Cohen's d_z = mean(d) / sd(d).
 * - {@linkcode wilcoxonSignedRank}: Wilcoxon's signed-rank test (zeros dropped, tied magnitudes
 *   get average ranks); exact null distribution from the stdlib package when there are no ties,
 *   an exact enumeration of the 2ⁿ sign patterns of the ranks when there are (n ≤ 20), a normal
 *   approximation with tie correction beyond; effect size the matched-pairs rank-biserial
 *   correlation r = (W⁺ − W⁻) / (W⁺ + W⁻).
 * - {@linkcode signFlipTest}: the exact permutation test of mean(d) (every sign pattern of the
 *   differences, n ≤ 20); effect size the mean difference itself.
 *
 * With 3 seeds the smallest two-sided p the two rank/permutation tests can give is 0.25: say so,
 * do not run more tests.
 *
 * @module
 */
import { mean, sampleSd } from "./describe.ts";
import { normalCdf, signrankCdf, tCdf, tQuantile } from "./distributions.ts";

/** Largest n whose 2ⁿ sign patterns are enumerated. */
export const MAX_EXACT_PAIRS = 20;

/** Result of {@linkcode pairedTTest}. */
export interface PairedTTest {
  /** Number of pairs. */
  n: number;
  /** Mean of a − b. */
  meanDiff: number;
  /** Sample sd of a − b. */
  sdDiff: number;
  /** t statistic (±Infinity when every difference is equal and non-zero; NaN when all are 0). */
  t: number;
  /** Degrees of freedom, n − 1. */
  df: number;
  /** Two-sided p-value. */
  p: number;
  /** 95% confidence interval of the mean difference. */
  ciLow: number;
  /** See `ciLow`. */
  ciHigh: number;
  /** Cohen's d_z: mean(d) / sd(d). */
  cohenDz: number;
}

function differences(name: string, a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) {
    throw new Error(
      `${name}(): the two arms have ${a.length} and ${b.length} values (pairs needed)`,
    );
  }
  return a.map((v, i) => {
    const d = v - b[i];
    if (!Number.isFinite(d)) throw new Error(`${name}(): pair ${i} is not finite: ${v}, ${b[i]}`);
    return d;
  });
}

/**
 * Student's paired t-test of a − b (two-sided), with the 95% interval of the mean difference
 * and Cohen's d_z. Needs at least 2 pairs.
 *
 * @example
 * ```ts
 * const r = pairedTTest([0.518, 0.509, 0.523], [0.509, 0.505, 0.512]);
 * r.p; // two-sided p-value; r.cohenDz the standardized effect
 * ```
 */
export function pairedTTest(a: readonly number[], b: readonly number[]): PairedTTest {
  const d = differences("pairedTTest", a, b);
  const n = d.length;
  if (n < 2) throw new Error(`pairedTTest(): needs at least 2 pairs, got ${n}`);
  const m = mean(d);
  const sd = sampleSd(d);
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  let t: number;
  let p: number;
  if (sd === 0) {
    t = m === 0 ? NaN : Math.sign(m) * Infinity;
    p = m === 0 ? NaN : 0;
  } else {
    t = m / se;
    p = Math.min(1, 2 * tCdf(-Math.abs(t), df));
  }
  const half = tQuantile(0.975, df) * se;
  return {
    n,
    meanDiff: m,
    sdDiff: sd,
    t,
    df,
    p,
    ciLow: m - half,
    ciHigh: m + half,
    cohenDz: sd === 0 ? t : m / sd,
  };
}

/** Result of {@linkcode wilcoxonSignedRank}. */
export interface WilcoxonResult {
  /** Pairs with a non-zero difference (the ones ranked). */
  n: number;
  /** Pairs dropped because a − b = 0. */
  zeros: number;
  /** Sum of the ranks of positive differences. */
  wPlus: number;
  /** Sum of the ranks of negative differences. */
  wMinus: number;
  /** Two-sided p-value. */
  p: number;
  /** How p was computed. */
  method: "exact" | "exact-ties" | "normal";
  /** Matched-pairs rank-biserial correlation (W⁺ − W⁻) / (W⁺ + W⁻), in [−1, 1] (0 when n = 0). */
  rankBiserial: number;
}

/**
 * Average ranks (1-based) of `values`, ties sharing the mean of their ranks.
 *
 * @example
 * ```ts
 * averageRanks([0.2, 0.1, 0.2]); // [2.5, 1, 2.5]
 * ```
 */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]] = rank;
    start = end + 1;
  }
  return ranks;
}

/** Two-sided p of an exact sign-flip null: share of patterns at least as far from the centre. */
function signFlipP(weights: readonly number[], observed: number, centre: number): number {
  const n = weights.length;
  const far = Math.abs(observed - centre) - 1e-9 * (1 + Math.abs(centre));
  let count = 0;
  for (let mask = 0; mask < 2 ** n; mask++) {
    let s = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) s += weights[i];
    if (Math.abs(s - centre) >= far) count++;
  }
  return count / 2 ** n;
}

/**
 * Wilcoxon's signed-rank test of a − b (two-sided; zeros dropped as Wilcoxon proposed), with the
 * rank-biserial correlation as effect size. See the module doc for how p is computed.
 *
 * @example
 * ```ts
 * // Hollander & Wolfe's depression-scale pairs: W⁺ = 40, exact two-sided p = 0.0391.
 * wilcoxonSignedRank(
 *   [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30],
 *   [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29],
 * );
 * ```
 */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[]): WilcoxonResult {
  const all = differences("wilcoxonSignedRank", a, b);
  const d = all.filter((v) => v !== 0);
  const n = d.length;
  const ranks = averageRanks(d.map(Math.abs));
  const wPlus = d.reduce((s, v, i) => s + (v > 0 ? ranks[i] : 0), 0);
  const total = (n * (n + 1)) / 2;
  const wMinus = total - wPlus;
  const base = { n, zeros: all.length - n, wPlus, wMinus };
  const rankBiserial = n === 0 ? 0 : (wPlus - wMinus) / total;
  if (n === 0) return { ...base, p: 1, method: "exact", rankBiserial };
  const ties = new Set(ranks).size < n;
  if (!ties) {
    const w = Math.min(wPlus, wMinus);
    return { ...base, p: Math.min(1, 2 * signrankCdf(w, n)), method: "exact", rankBiserial };
  }
  if (n <= MAX_EXACT_PAIRS) {
    return { ...base, p: signFlipP(ranks, wPlus, total / 2), method: "exact-ties", rankBiserial };
  }
  const counts = new Map<number, number>();
  ranks.forEach((r) => counts.set(r, (counts.get(r) ?? 0) + 1));
  const tieTerm = [...counts.values()].reduce((s, t) => s + t ** 3 - t, 0);
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  const z = (Math.abs(wPlus - total / 2) - 0.5) / Math.sqrt(variance);
  return {
    ...base,
    p: Math.min(1, 2 * (1 - normalCdf(Math.max(0, z)))),
    method: "normal",
    rankBiserial,
  };
}

/** Result of {@linkcode signFlipTest}. */
export interface SignFlipResult {
  /** Number of pairs. */
  n: number;
  /** Mean of a − b (the effect size, in the metric's units). */
  meanDiff: number;
  /** Exact two-sided p-value: share of the 2ⁿ sign patterns with |mean| ≥ |observed|. */
  p: number;
  /** Smallest p this n can give (2 / 2ⁿ). */
  minP: number;
}

/**
 * The exact paired permutation (sign-flip) test of mean(a − b), two-sided. Throws for more than
 * {@linkcode MAX_EXACT_PAIRS} pairs (use the t-test there).
 *
 * @example
 * ```ts
 * signFlipTest([3, 4, 5], [1, 1, 1]); // { n: 3, meanDiff: 3, p: 0.25, minP: 0.25 }
 * ```
 */
export function signFlipTest(a: readonly number[], b: readonly number[]): SignFlipResult {
  const d = differences("signFlipTest", a, b);
  const n = d.length;
  if (n < 1) throw new Error("signFlipTest(): needs at least 1 pair, got 0");
  if (n > MAX_EXACT_PAIRS) {
    throw new Error(`signFlipTest(): ${n} pairs is over ${MAX_EXACT_PAIRS} (2^n patterns)`);
  }
  const sum = d.reduce((s, v) => s + v, 0);
  const magnitudes = d.map(Math.abs);
  const centre = magnitudes.reduce((s, v) => s + v, 0) / 2;
  // sum(d) = Σ_{positive} |d| − Σ_{negative} |d| = 2·S⁺ − Σ|d|, so test S⁺ about its centre.
  const sPlus = (sum + 2 * centre) / 2;
  return { n, meanDiff: sum / n, p: signFlipP(magnitudes, sPlus, centre), minP: 2 / 2 ** n };
}
