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

/**
 * The seed of one sequence's random stream: a hash of the run's seed and the stream id, so that
 * each sequence draws its own numbers whatever else is in the batch.
 *
 * @example
 * ```ts
 * const random = seededRandom(streamSeed(11711, 3)); // sequence with stream id 3
 * ```
 */
export function streamSeed(seed: number, stream: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ (stream >>> 0), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ Math.floor(stream / 4294967296), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Most samples per prompt that {@link sampleStream} can number apart. */
export const MAX_SAMPLES_PER_PROMPT = 1 << 16;

/**
 * The stream id of sample `sampleIndex` of prompt `promptIndex`: pass one per sequence as
 * `generate()`'s `streams` so that a prompt's k-th sample is the same alone or in any batch.
 *
 * @example
 * ```ts
 * // 3 samples of each of 2 prompts, batched together:
 * const streams = [0, 1].flatMap((p) => [0, 1, 2].map((s) => sampleStream(p, s)));
 * ```
 */
export function sampleStream(promptIndex: number, sampleIndex: number): number {
  if (!Number.isInteger(promptIndex) || promptIndex < 0) {
    throw new Error(
      `sampleStream: prompt index must be a non-negative integer, got ${promptIndex}`,
    );
  }
  if (!Number.isInteger(sampleIndex) || sampleIndex < 0 || sampleIndex >= MAX_SAMPLES_PER_PROMPT) {
    throw new Error(
      `sampleStream: sample index must be an integer in [0, ${MAX_SAMPLES_PER_PROMPT}), got ${sampleIndex}`,
    );
  }
  return promptIndex * MAX_SAMPLES_PER_PROMPT + sampleIndex;
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

/** k-th largest value of `values` (1-based k), by quickselect on a copy: O(n) on average. */
function kthLargest(values: Float64Array, k: number): number {
  const a = Float64Array.from(values);
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        [a[i], a[j]] = [a[j], a[i]];
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

/**
 * The candidates left after temperature, top-k and top-p (HF's order), in id order, with their
 * renormalised probabilities. Linear time: top-k keeps the logits ≥ the k-th largest, top-p keeps
 * the probabilities ≥ the largest threshold whose kept mass still reaches p (found from a
 * histogram of the probabilities, see {@link nucleusThreshold}),
 * so tokens tied at a boundary are kept together.
 */
export function nucleus(
  logits: Float32Array,
  options: SamplingOptions,
): { ids: Int32Array; probs: Float64Array } {
  const { p, threshold } = filterWeights(logits, options);
  const n = p.length;
  let count = 0;
  for (let i = 0; i < n; i++) if (p[i] > 0 && p[i] >= threshold) count++;
  const ids = new Int32Array(count);
  const probs = new Float64Array(count);
  let kept = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (p[i] > 0 && p[i] >= threshold) {
      ids[k] = i;
      probs[k++] = p[i];
      kept += p[i];
    }
  }
  for (let i = 0; i < count; i++) probs[i] /= kept;
  return { ids, probs };
}

/** Buckets per factor of 2 of probability in the top-p histogram. */
const BUCKETS_PER_OCTAVE = 16;
/** Octaves the histogram covers below the largest weight (1); smaller weights share the last. */
const OCTAVES = 64;

/**
 * Unnormalised weights after temperature and top-k (max 1, 0 = dropped) and the top-p threshold:
 * the kept tokens are those with weight > 0 and ≥ threshold.
 */
function filterWeights(
  logits: Float32Array,
  { temperature = 1, topK = 0, topP = 1 }: SamplingOptions,
): { p: Float64Array; threshold: number } {
  if (!(temperature > 0)) throw new Error(`sampling: temperature must be > 0, got ${temperature}`);
  if (!(topP > 0 && topP <= 1)) throw new Error(`sampling: topP must be in (0, 1], got ${topP}`);
  if (!Number.isInteger(topK) || topK < 0) {
    throw new Error(`sampling: topK must be a non-negative integer, got ${topK}`);
  }
  const n = logits.length;
  const floor = topK > 0 && topK < n ? kthLargest(Float64Array.from(logits), topK) : -Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  const p = new Float64Array(n);
  // Each weight's histogram bucket by −log₂(weight), from the logit (no logarithm needed).
  const nb = BUCKETS_PER_OCTAVE * OCTAVES;
  const bucket = new Uint16Array(n);
  const perUnit = Math.LOG2E * BUCKETS_PER_OCTAVE / temperature;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = logits[i];
    if (x >= floor && x > -Infinity) {
      total += p[i] = Math.exp((x - max) / temperature);
      bucket[i] = Math.min(nb - 1, Math.floor((max - x) * perUnit));
    }
  }
  const threshold = topP < 1 ? nucleusThreshold(p, bucket, nb, topP * total) : 0;
  return { p, threshold };
}

/**
 * The largest weight t such that the weights ≥ t sum to at least `target`. Linear time: the
 * weights' mass per histogram bucket (16 per factor of 2), a scan from the top for the bucket where
 * the mass reaches the target, and a sort of that bucket's members only.
 */
function nucleusThreshold(
  p: Float64Array,
  bucket: Uint16Array,
  nb: number,
  target: number,
): number {
  const mass = new Float64Array(nb);
  for (let i = 0; i < p.length; i++) if (p[i] > 0) mass[bucket[i]] += p[i];
  let above = 0;
  let edge = nb - 1;
  for (let b = 0; b < nb; b++) {
    if (above + mass[b] >= target) {
      edge = b;
      break;
    }
    above += mass[b];
  }
  const members: number[] = [];
  for (let i = 0; i < p.length; i++) if (p[i] > 0 && bucket[i] === edge) members.push(p[i]);
  members.sort((a, b) => b - a);
  for (const v of members) {
    above += v;
    if (above >= target) return v;
  }
  return members.at(-1) ?? 0;
}

/**
 * Probabilities after temperature, top-k and top-p filtering (HF's order), as candidate ids
 * sorted by decreasing probability (see {@link nucleus} for the unsorted, linear-time form).
 *
 * @example
 * ```ts
 * filteredDistribution(Float32Array.of(1, 3, 2), { topK: 2 }).ids; // [1, 2]
 * ```
 */
export function filteredDistribution(
  logits: Float32Array,
  options: SamplingOptions,
): { ids: number[]; probs: number[] } {
  const { ids, probs } = nucleus(logits, options);
  const order = [...ids.keys()].sort((a, b) => probs[b] - probs[a] || ids[a] - ids[b]);
  return { ids: order.map((i) => ids[i]), probs: order.map((i) => probs[i]) };
}

/**
 * Picks the next token: arg-max when greedy, else a draw from the filtered distribution.
 *
 * @example
 * ```ts
 * const logits = Float32Array.of(1, 5, 2);
 * console.log(chooseToken(logits, {}, seededRandom(1))); // 1: greedy without a temperature
 * const next = chooseToken(logits, { temperature: 0.8, topP: 0.9 }, seededRandom(1)); // 1 or 2
 * ```
 */
export function chooseToken(
  logits: Float32Array,
  options: SamplingOptions,
  random: () => number,
): number {
  const sample = options.sample ?? ((options.temperature ?? 0) > 0);
  if (!sample) return argmax(logits);
  // Draw straight from the kept weights (no candidate arrays): r · kept mass, scanned in id order.
  const { p, threshold } = filterWeights(logits, options);
  let kept = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0 && p[i] >= threshold) kept += p[i];
  let r = random() * kept;
  let last = -1;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0 && p[i] >= threshold) {
      last = i;
      r -= p[i];
      if (r < 0) return i;
    }
  }
  return last;
}
