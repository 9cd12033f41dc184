/**
 * The original study's sonnet "perplexity". This is NOT model perplexity: no model is involved.
 * It is exp(entropy) of each generated sonnet's OWN word frequency distribution, a measure of
 * vocabulary spread within the sonnet (a sonnet of N different words each used once scores N),
 * averaged over sonnets. For model perplexity on held-out text see `perplexity.ts`.
 *
 * Definition as implemented (the study's text gives only the numbers; the definition is the
 * project's reading of its method, see SEED.md): words are {@linkcode wordTokens} (lowercase,
 * whitespace split, punctuation attached); p(w) = count(w) / tokens in the sonnet;
 * H = −Σ p(w) ln p(w) (natural log; the base cancels in exp/log pairs, 2^H₂ is the same number);
 * score = e^H per sonnet; the corpus value is the arithmetic mean over sonnets.
 *
 * @module
 */
import { wordTokens } from "./distinct.ts";

/**
 * The study's unigram "perplexity" of a set of sonnets (NOT model perplexity).
 *
 * @example
 * ```ts
 * const { mean, perSonnet }: StudyPerplexityResult = studyUnigramPerplexity(["a b", "a b c d"]);
 * // mean 3, perSonnet [2, 4]
 * ```
 */
export interface StudyPerplexityResult {
  /** Arithmetic mean of `perSonnet`. */
  mean: number;
  /** exp(entropy of the sonnet's word distribution), per sonnet in input order. */
  perSonnet: number[];
}

/**
 * Entropy in nats of the word frequency distribution of one text; `where` names the text in
 * errors. Throws when the text has no word.
 *
 * @example
 * ```ts
 * unigramEntropy("to be or not to be"); // (2/3) ln 3 + (1/3) ln 6 ≈ 1.3297 nats
 * ```
 */
export function unigramEntropy(text: string, where = "text"): number {
  if (typeof text !== "string") {
    throw new TypeError(`unigramEntropy: ${where} must be a string, got ${typeof text}`);
  }
  const tokens = wordTokens(text);
  if (tokens.length === 0) throw new RangeError(`unigramEntropy: ${where} has no word`);
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / tokens.length;
    h -= p * Math.log(p);
  }
  return h;
}

/**
 * The study's "perplexity" of one sonnet: exp({@linkcode unigramEntropy}). NOT model perplexity.
 *
 * @example
 * ```ts
 * sonnetUnigramPerplexity("a b c d"); // 4
 * ```
 */
export function sonnetUnigramPerplexity(sonnet: string): number {
  return Math.exp(unigramEntropy(sonnet, "sonnet"));
}

/**
 * The study's "perplexity" of generated sonnets: per-sonnet exp(unigram entropy), averaged
 * over sonnets. NOT model perplexity. Throws for an empty list or a sonnet without words.
 *
 * @example
 * ```ts
 * studyUnigramPerplexity(["a b", "a b c d"]); // { mean: 3, perSonnet: [2, 4] }
 * ```
 */
export function studyUnigramPerplexity(sonnets: string[]): StudyPerplexityResult {
  if (!Array.isArray(sonnets) || sonnets.length === 0) {
    throw new RangeError("studyUnigramPerplexity: sonnets must be a non-empty array of strings");
  }
  const perSonnet = sonnets.map((s, i) => Math.exp(unigramEntropy(s, `sonnets[${i}]`)));
  const mean = perSonnet.reduce((a, b) => a + b, 0) / perSonnet.length;
  return { mean, perSonnet };
}
