/**
 * Choosing the next token from logits on the host: greedy, temperature, top-k, top-p, with a
 * seeded RNG, and the logits-processor hook that generation controls plug into.
 *
 * @module
 */

/** What a logits processor knows about the sequence it edits. */
export interface ProcessorContext {
  /** Prompt and generated tokens so far (no padding). */
  tokens: readonly number[];
  /** Tokens generated so far for this sequence. */
  generated: readonly number[];
  /** Index of the sequence in the batch. */
  batchIndex: number;
}

/** Edits one sequence's next-token logits in place (e.g. raise newline after 12 words). */
export type LogitsProcessor = (logits: Float32Array, context: ProcessorContext) => void;

/** Sampling settings; `temperature` 0 (or absent `sample`) means greedy. */
export interface SamplingOptions {
  /** Draw at random (true) or take the arg-max (false). Default: temperature > 0. */
  sample?: boolean;
  /** Divide logits by this before sampling (default 1). */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = off). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = off). */
  topP?: number;
}

/** A seeded uniform [0, 1) generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index of the largest value (the first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Probabilities after temperature, top-k and top-p filtering (HF's order), as a sparse list of
 * candidate ids sorted by decreasing probability.
 */
export function filteredDistribution(
  logits: Float32Array,
  { temperature = 1, topK = 0, topP = 1 }: SamplingOptions,
): { ids: number[]; probs: number[] } {
  if (!(temperature > 0)) throw new Error(`sampling: temperature must be > 0, got ${temperature}`);
  if (!(topP > 0 && topP <= 1)) throw new Error(`sampling: topP must be in (0, 1], got ${topP}`);
  if (!Number.isInteger(topK) || topK < 0) {
    throw new Error(`sampling: topK must be a non-negative integer, got ${topK}`);
  }
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) if (logits[i] > -Infinity) ids.push(i);
  ids.sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = topK > 0 ? ids.slice(0, topK) : ids;
  const max = logits[kept[0]];
  let probs = kept.map((i) => Math.exp((logits[i] - max) / temperature));
  let total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);
  if (topP < 1) {
    let cumulative = 0;
    let n = 0;
    while (n < probs.length && cumulative < topP) cumulative += probs[n++];
    kept.length = Math.max(1, n);
    probs = probs.slice(0, kept.length);
    total = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / total);
  }
  return { ids: kept, probs };
}

/**
 * Picks the next token: arg-max when greedy, else a draw from the filtered distribution.
 *
 * @example
 * ```ts
 * const next = chooseToken(logits, { temperature: 0.8, topP: 0.9 }, seededRandom(1));
 * ```
 */
export function chooseToken(
  logits: Float32Array,
  options: SamplingOptions,
  random: () => number,
): number {
  const sample = options.sample ?? ((options.temperature ?? 0) > 0);
  if (!sample) return argmax(logits);
  const { ids, probs } = filteredDistribution(logits, options);
  let r = random();
  for (let i = 0; i < ids.length; i++) {
    r -= probs[i];
    if (r < 0) return ids[i];
  }
  return ids[ids.length - 1];
}
