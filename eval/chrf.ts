/**
 * Corpus chrF as sacrebleu 2.x computes it with its defaults (`CHRF()`: character n-grams of
 * orders 1..6, no word n-grams, beta = 2, whitespace removed, case kept, effective-order
 * averaging rather than eps smoothing).
 *
 * The computation, step by step:
 * 1. Each hypothesis and reference is (optionally lowercased and) stripped of every character
 *    Python's `str.split()` treats as whitespace; n-grams are then taken over Unicode code points
 *    (not UTF-16 units), as Python indexes strings.
 * 2. For each sentence pair and each order n: `hyp` = number of hypothesis n-grams, `ref` =
 *    number of reference n-grams, `match` = sum over distinct n-grams of min(hyp count, ref
 *    count). As in sacrebleu, `hyp` is recorded as 0 for an order where the reference has no
 *    n-gram at all (a reference shorter than n characters).
 * 3. These three counts are SUMMED over all sentence pairs, per order.
 * 4. Only "effective" orders, those with summed `hyp` > 0 and `ref` > 0, contribute: precision
 *    `match / hyp` and recall `match / ref` are each averaged over the effective orders.
 *    With no effective order the score is 0.
 * 5. chrF = 100 · (1 + β²) · P · R / (β² · P + R), or 0 when P + R = 0.
 *
 * With `epsSmoothing: true` step 4-5 follow sacrebleu's other path instead: an F-beta per order
 * (precision or recall of an order with no n-grams set to 1e-16) averaged over all orders.
 *
 * @module
 */

/**
 * Options of {@linkcode chrF}; every default is sacrebleu 2.x's default.
 *
 * @example
 * ```ts
 * const opts: ChrFOptions = { lowercase: true }; // sacrebleu's `CHRF(lowercase=True)`
 * ```
 */
export interface ChrFOptions {
  /** Highest character n-gram order (default 6). */
  charOrder?: number;
  /** Weight of recall against precision (default 2). */
  beta?: number;
  /** Keep whitespace inside the n-grams (default false: whitespace is removed). */
  whitespace?: boolean;
  /** Lowercase both sides first (default false). */
  lowercase?: boolean;
  /** Per-order F averaged with eps smoothing instead of effective-order averaging (default false). */
  epsSmoothing?: boolean;
}

/**
 * Summed n-gram counts of one order.
 *
 * @example
 * ```ts
 * const order1: ChrFOrderStats = { hyp: 2, ref: 3, match: 2 }; // "ab" vs "abc", 1-grams
 * ```
 */
export interface ChrFOrderStats {
  /** n-grams in the hypotheses (0 for a pair whose reference has none of this order). */
  hyp: number;
  /** n-grams in the references. */
  ref: number;
  /** Clipped matches: per n-gram min(hypothesis count, reference count). */
  match: number;
}

// deno-fmt-ignore
/** Code points for which Python's `str.isspace()` is true: what `str.split()` removes. */
const PYTHON_WHITESPACE: ReadonlySet<number> = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

function preprocess(text: string, whitespace: boolean, lowercase: boolean): string[] {
  const chars = Array.from(lowercase ? text.toLowerCase() : text); // code points
  return whitespace ? chars : chars.filter((ch) => !PYTHON_WHITESPACE.has(ch.codePointAt(0)!));
}

function countNgrams(chars: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const gram = chars.slice(i, i + n).join("");
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

function checkOptions(charOrder: number, beta: number): void {
  if (!Number.isInteger(charOrder) || charOrder < 1) {
    throw new RangeError(`chrF: opts.charOrder must be an integer >= 1, got ${charOrder}`);
  }
  if (!Number.isFinite(beta) || beta < 0) {
    throw new RangeError(`chrF: beta must be a finite number >= 0, got ${beta}`);
  }
}

/**
 * Character n-gram statistics summed over all sentence pairs, one entry per order 1..charOrder.
 *
 * @example
 * ```ts
 * const stats = chrFStatistics(["ab"], ["abc"]);
 * // stats[0] = { hyp: 2, ref: 3, match: 2 }, stats[1] = { hyp: 1, ref: 2, match: 1 }
 * ```
 */
export function chrFStatistics(
  hypotheses: string[],
  references: string[],
  opts: ChrFOptions = {},
): ChrFOrderStats[] {
  const charOrder = opts.charOrder ?? 6;
  checkOptions(charOrder, opts.beta ?? 2);
  if (hypotheses.length !== references.length) {
    throw new RangeError(
      `chrF: hypotheses has ${hypotheses.length} entries but references has ${references.length}`,
    );
  }
  if (hypotheses.length === 0) {
    throw new RangeError("chrF: hypotheses and references are empty (sacrebleu refuses them too)");
  }
  const whitespace = opts.whitespace ?? false;
  const lowercase = opts.lowercase ?? false;
  const totals: ChrFOrderStats[] = Array.from({ length: charOrder }, () => ({
    hyp: 0,
    ref: 0,
    match: 0,
  }));
  for (let s = 0; s < hypotheses.length; s++) {
    if (typeof hypotheses[s] !== "string" || typeof references[s] !== "string") {
      throw new TypeError(`chrF: hypotheses[${s}] and references[${s}] must both be strings`);
    }
    const hyp = preprocess(hypotheses[s], whitespace, lowercase);
    const ref = preprocess(references[s], whitespace, lowercase);
    for (let n = 1; n <= charOrder; n++) {
      const hypGrams = countNgrams(hyp, n);
      const refGrams = countNgrams(ref, n);
      let hypCount = 0;
      let match = 0;
      for (const [gram, count] of hypGrams) {
        hypCount += count;
        match += Math.min(count, refGrams.get(gram) ?? 0);
      }
      const refCount = Math.max(0, ref.length - n + 1);
      const t = totals[n - 1];
      t.hyp += refGrams.size > 0 ? hypCount : 0;
      t.ref += refCount;
      t.match += match;
    }
  }
  return totals;
}

/**
 * The chrF score (0..100) from summed per-order statistics (see the module doc for the formula).
 *
 * @example
 * ```ts
 * chrFFromStatistics([{ hyp: 2, ref: 2, match: 2 }]); // 100
 * ```
 */
export function chrFFromStatistics(
  stats: ChrFOrderStats[],
  beta = 2,
  epsSmoothing = false,
): number {
  checkOptions(1, beta);
  const factor = beta * beta;
  if (epsSmoothing) {
    const eps = 1e-16;
    let sum = 0;
    for (const { hyp, ref, match } of stats) {
      const p = hyp > 0 ? match / hyp : eps;
      const r = ref > 0 ? match / ref : eps;
      const denom = factor * p + r;
      sum += denom > 0 ? (1 + factor) * p * r / denom : eps;
    }
    return stats.length === 0 ? 0 : 100 * sum / stats.length;
  }
  let avgP = 0;
  let avgR = 0;
  let effective = 0;
  for (const { hyp, ref, match } of stats) {
    if (hyp > 0 && ref > 0) {
      avgP += match / hyp;
      avgR += match / ref;
      effective++;
    }
  }
  if (effective === 0) return 0;
  avgP /= effective;
  avgR /= effective;
  if (avgP + avgR === 0) return 0;
  return 100 * (1 + factor) * avgP * avgR / (factor * avgP + avgR);
}

/**
 * Corpus chrF (0..100) of hypotheses against one reference each, as sacrebleu's
 * `CHRF().corpus_score(hypotheses, [references])`.
 *
 * @example
 * ```ts
 * chrF(["the cat"], ["the cat"]); // 100
 * chrF(["ab"], ["abc"]); // 63.63… (P = 1, R = 7/12 over orders 1-2)
 * ```
 */
export function chrF(hypotheses: string[], references: string[], opts: ChrFOptions = {}): number {
  const stats = chrFStatistics(hypotheses, references, opts);
  return chrFFromStatistics(stats, opts.beta ?? 2, opts.epsSmoothing ?? false);
}
