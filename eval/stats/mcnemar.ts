/**
 * McNemar's test (1947) of two classifiers on the same examples: only the discordant examples
 * count, b (A right, B wrong) and c (A wrong, B right). Under "equally accurate" b ~ Binomial(b +
 * c, ½). Gives the exact binomial p (right for the small counts of a dev set) and the χ² statistic
 * with Edwards' continuity correction; effect size the odds ratio b / c.
 *
 * @module
 */
import { binomialCdf, chisquareCdf } from "./distributions.ts";

/** Result of {@linkcode mcnemar}. */
export interface McNemarResult {
  /** Examples A classifies right and B wrong. */
  b: number;
  /** Examples A classifies wrong and B right. */
  c: number;
  /** Exact two-sided p: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), at most 1. */
  pExact: number;
  /** (|b − c| − 1)² / (b + c) (0 when b + c = 0). */
  chiSquare: number;
  /** P(χ²₁ ≥ chiSquare). */
  pChiSquare: number;
  /** b / c (Infinity when c = 0 < b; NaN when both are 0). */
  oddsRatio: number;
}

/**
 * McNemar's test from the discordant counts `b` and `c`.
 *
 * @example
 * ```ts
 * mcnemarFromCounts(10, 3).pExact; // 0.0923
 * ```
 */
export function mcnemarFromCounts(b: number, c: number): McNemarResult {
  for (const [name, v] of [["b", b], ["c", c]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`mcnemar(): ${name} must be a count, got ${v}`);
    }
  }
  const n = b + c;
  const pExact = n === 0 ? 1 : Math.min(1, 2 * binomialCdf(Math.min(b, c), n, 0.5));
  const chiSquare = n === 0 ? 0 : Math.max(0, Math.abs(b - c) - 1) ** 2 / n;
  return {
    b,
    c,
    pExact,
    chiSquare,
    pChiSquare: 1 - chisquareCdf(chiSquare, 1),
    oddsRatio: c === 0 ? (b === 0 ? NaN : Infinity) : b / c,
  };
}

/**
 * McNemar's test of predictions `predA` and `predB` against `gold` (same examples, same order).
 *
 * @example
 * ```ts
 * mcnemar([0, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1]); // b = 1, c = 0
 * ```
 */
export function mcnemar(
  gold: readonly number[],
  predA: readonly number[],
  predB: readonly number[],
): McNemarResult {
  if (predA.length !== gold.length || predB.length !== gold.length) {
    throw new Error(
      `mcnemar(): gold, A and B must have the same length, got ${gold.length}, ${predA.length}, ` +
        `${predB.length}`,
    );
  }
  let b = 0;
  let c = 0;
  for (let i = 0; i < gold.length; i++) {
    const aRight = predA[i] === gold[i];
    const bRight = predB[i] === gold[i];
    if (aRight && !bRight) b++;
    else if (!aRight && bRight) c++;
  }
  return mcnemarFromCounts(b, c);
}
