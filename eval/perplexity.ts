/**
 * Model perplexity: exp of the mean negative log-likelihood (natural log) per predicted token,
 * the language model's own score on held-out text. Not the study's unigram "perplexity"
 * (`study_perplexity.ts`).
 *
 * @module
 */

/**
 * Perplexity from a summed negative log-likelihood in nats: exp(totalNll / tokenCount).
 * `totalNll` must be finite and >= 0 (a probability never exceeds 1); `tokenCount` must be a
 * positive integer (the number of predicted tokens, not counting padding).
 *
 * @example
 * ```ts
 * perplexityFromNll(2 * Math.log(4), 2); // 4: each token had probability 1/4
 * ```
 */
export function perplexityFromNll(totalNll: number, tokenCount: number): number {
  if (typeof totalNll !== "number" || !Number.isFinite(totalNll) || totalNll < 0) {
    throw new RangeError(
      `perplexityFromNll: totalNll must be a finite number >= 0, got ${totalNll}`,
    );
  }
  if (!Number.isInteger(tokenCount) || tokenCount <= 0) {
    throw new RangeError(
      `perplexityFromNll: tokenCount must be a positive integer, got ${tokenCount}`,
    );
  }
  return Math.exp(totalNll / tokenCount);
}
