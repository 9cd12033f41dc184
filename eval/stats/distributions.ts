/**
 * The distribution functions the statistics need, from the stdlib-js project's npm packages
 * (pinned): Student's t CDF and quantile, the χ² CDF, the binomial CDF, the Wilcoxon signed-rank
 * statistic's CDF and the standard normal CDF. Nothing here is hand-written numerics: each
 * function only names its parameters and forwards to the package.
 *
 * @module
 */
import binomialCdfImpl from "npm:@stdlib/stats-base-dists-binomial-cdf@0.2.3";
import chisquareCdfImpl from "npm:@stdlib/stats-base-dists-chisquare-cdf@0.3.1";
import normalCdfImpl from "npm:@stdlib/stats-base-dists-normal-cdf@0.3.1";
import signrankCdfImpl from "npm:@stdlib/stats-base-dists-signrank-cdf@0.2.3";
import tCdfImpl from "npm:@stdlib/stats-base-dists-t-cdf@0.2.3";
import tQuantileImpl from "npm:@stdlib/stats-base-dists-t-quantile@0.2.3";

/**
 * P(T ≤ x) for Student's t with `df` degrees of freedom.
 *
 * @example
 * ```ts
 * tCdf(0, 4); // 0.5
 * ```
 */
export function tCdf(x: number, df: number): number {
  return tCdfImpl(x, df);
}

/**
 * The `p`-quantile of Student's t with `df` degrees of freedom.
 *
 * @example
 * ```ts
 * tQuantile(0.975, 2); // 4.3027 (the 95% two-sided critical value for n = 3)
 * ```
 */
export function tQuantile(p: number, df: number): number {
  return tQuantileImpl(p, df);
}

/**
 * P(X ≤ x) for χ² with `k` degrees of freedom.
 *
 * @example
 * ```ts
 * chisquareCdf(3.841, 1); // ≈ 0.95
 * ```
 */
export function chisquareCdf(x: number, k: number): number {
  return chisquareCdfImpl(x, k);
}

/**
 * P(X ≤ x) for a binomial with `n` trials and success probability `p`.
 *
 * @example
 * ```ts
 * binomialCdf(2, 10, 0.5); // 0.0546875
 * ```
 */
export function binomialCdf(x: number, n: number, p: number): number {
  return binomialCdfImpl(x, n, p);
}

/**
 * P(W ≤ x) for the Wilcoxon signed-rank statistic W of `n` non-zero differences without ties
 * (the sum of the ranks of the positive ones) under the null hypothesis.
 *
 * @example
 * ```ts
 * signrankCdf(3, 6); // 0.078125 (5 of the 64 sign patterns)
 * ```
 */
export function signrankCdf(x: number, n: number): number {
  return signrankCdfImpl(x, n);
}

/**
 * P(Z ≤ x) for the standard normal.
 *
 * @example
 * ```ts
 * normalCdf(1.959964); // ≈ 0.975
 * ```
 */
export function normalCdf(x: number): number {
  return normalCdfImpl(x, 0, 1);
}
