/**
 * Distinct-n lexical diversity (Li et al. 2016): unique word n-grams / total word n-grams.
 *
 * Tokenisation ({@linkcode wordTokens}): the text is lowercased and split on runs of whitespace;
 * nothing else. Punctuation stays attached to its word, so `love,` and `love` are different
 * tokens. N-grams never cross from one text to the next.
 *
 * @module
 */

/**
 * Word tokens as distinct-n counts them: lowercase, split on whitespace, empty pieces dropped.
 *
 * @example
 * ```ts
 * wordTokens("  Love is  not LOVE,\n"); // ["love", "is", "not", "love,"]
 * ```
 */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().split(/\s+/u).filter((t) => t !== "");
}

function checkArgs(fn: string, texts: string[], n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`${fn}: n must be an integer >= 1, got ${n}`);
  }
  if (!Array.isArray(texts)) {
    throw new TypeError(`${fn}: texts must be an array of strings, got ${typeof texts}`);
  }
  texts.forEach((t, i) => {
    if (typeof t !== "string") {
      throw new TypeError(`${fn}: texts[${i}] must be a string, got ${typeof t}`);
    }
  });
}

function ngrams(tokens: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(" "));
  return out;
}

/**
 * Corpus distinct-n: unique n-grams over all texts / number of n-grams over all texts. 0 when
 * the texts hold no n-gram at all.
 *
 * @example
 * ```ts
 * distinctN(["the cat the dog", "The cat"], 1); // 3 unique / 6 = 0.5
 * distinctN(["the cat the dog", "The cat"], 2); // 3 unique / 4 = 0.75
 * ```
 */
export function distinctN(texts: string[], n: number): number {
  checkArgs("distinctN", texts, n);
  const unique = new Set<string>();
  let total = 0;
  for (const text of texts) {
    for (const gram of ngrams(wordTokens(text), n)) {
      unique.add(gram);
      total++;
    }
  }
  return total === 0 ? 0 : unique.size / total;
}

/**
 * Corpus distinct-1 ({@linkcode distinctN} with n = 1).
 *
 * @example
 * ```ts
 * distinct1(["a rose is a rose"]); // 3 / 5 = 0.6
 * ```
 */
export function distinct1(texts: string[]): number {
  return distinctN(texts, 1);
}

/**
 * Corpus distinct-2 ({@linkcode distinctN} with n = 2).
 *
 * @example
 * ```ts
 * distinct2(["a rose is a rose"]); // "a rose" twice: 3 / 4 = 0.75
 * ```
 */
export function distinct2(texts: string[]): number {
  return distinctN(texts, 2);
}

/**
 * Distinct-n computed per text and averaged over texts (macro average); a text without any
 * n-gram counts as 0. Per-text values are higher than the corpus value, since repeats across
 * texts are not penalised; report which one you use.
 *
 * @example
 * ```ts
 * meanDistinctN(["the cat the dog", "The cat"], 1); // (3/4 + 2/2) / 2 = 0.875
 * ```
 */
export function meanDistinctN(texts: string[], n: number): number {
  checkArgs("meanDistinctN", texts, n);
  if (texts.length === 0) throw new RangeError("meanDistinctN: texts is empty");
  let sum = 0;
  for (const text of texts) {
    const grams = ngrams(wordTokens(text), n);
    if (grams.length > 0) sum += new Set(grams).size / grams.length;
  }
  return sum / texts.length;
}
