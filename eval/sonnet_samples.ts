/**
 * Sonnet scores over several samples: when each prompt gets N generated sonnets (`--samples=N`),
 * each sample is scored as a whole set (all its sonnets against the gold, as
 * {@linkcode scoreSonnets} does), and every metric is reported as the mean and the sample standard
 * deviation (divisor N − 1) of the N set scores. The sonnet count is not averaged.
 *
 * @module
 */
import { mean, sampleSd } from "./stats/describe.ts";
import { PROMPT_LINES, type SonnetScores } from "./sonnet_scores.ts";

/** A sonnet metric's name (every key of {@linkcode SonnetScores} but the sonnet count). */
export type SonnetMetric = Exclude<keyof SonnetScores, "sonnets">;

/** Mean and sample sd of each sonnet metric over the samples. */
export interface SonnetSampleStats {
  /** How many samples (score sets) were summarised. */
  samples: number;
  /** Sonnets scored in each sample, in sample order. */
  sonnets: number[];
  /** Mean of each metric over the samples. */
  mean: Record<SonnetMetric, number>;
  /** Sample standard deviation (n − 1) of each metric over the samples; NaN for one sample. */
  sd: Record<SonnetMetric, number>;
}

/**
 * Mean and sample sd (n − 1) of every metric over `scores`, one entry per sample. Throws when
 * `scores` is empty.
 *
 * @example
 * ```ts
 * import { sonnetSampleStats } from "./sonnet_samples.ts";
 * // scores: one scoreSonnetFiles() result per sample file
 * // sonnetSampleStats(scores).mean.chrf, sonnetSampleStats(scores).sd.chrf
 * ```
 */
export function sonnetSampleStats(scores: readonly SonnetScores[]): SonnetSampleStats {
  if (scores.length === 0) throw new Error("sonnetSampleStats: no sample scores");
  const keys = Object.keys(scores[0]).filter((k) => k !== "sonnets") as SonnetMetric[];
  const meanOf = {} as Record<SonnetMetric, number>;
  const sdOf = {} as Record<SonnetMetric, number>;
  for (const key of keys) {
    const values = scores.map((s) => s[key]);
    meanOf[key] = mean(values);
    sdOf[key] = sampleSd(values);
  }
  return { samples: scores.length, sonnets: scores.map((s) => s.sonnets), mean: meanOf, sd: sdOf };
}

/**
 * The sample statistics as flat metrics for `summary.json`: `samples` (N), and per metric
 * `<metric>_mean` and `<metric>_sd` (sample sd, n − 1). Throws for fewer than 2 samples (an sd
 * needs two).
 *
 * @example
 * ```ts
 * import { sonnetSampleMetrics } from "./sonnet_samples.ts";
 * // sonnetSampleMetrics(scores) → { samples: 3, chrf_mean: 31.2, chrf_sd: 0.8, … }
 * ```
 */
export function sonnetSampleMetrics(scores: readonly SonnetScores[]): Record<string, number> {
  if (scores.length < 2) {
    throw new Error(`sonnetSampleMetrics: need at least 2 samples, got ${scores.length}`);
  }
  const stats = sonnetSampleStats(scores);
  const out: Record<string, number> = { samples: stats.samples };
  for (const key of Object.keys(stats.mean) as SonnetMetric[]) {
    out[`${key}_mean`] = stats.mean[key];
    out[`${key}_sd`] = stats.sd[key];
  }
  return out;
}

const fixed = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "–");

/**
 * The sample statistics as text, one metric per line (`mean ± sd`), grouped as
 * `formatSonnetScores` groups them (whole text, then continuation), after a line naming each
 * sample's file.
 *
 * @example
 * ```ts
 * import { formatSonnetSampleStats, sonnetSampleStats } from "./sonnet_samples.ts";
 * // console.log(formatSonnetSampleStats(sonnetSampleStats(scores), ["a.txt", "b.txt"]));
 * // samples                           2 (sd: sample sd, n − 1)
 * // chrf                              31.2000 ± 0.8000
 * ```
 */
export function formatSonnetSampleStats(
  stats: SonnetSampleStats,
  files: readonly string[],
): string {
  const keys = Object.keys(stats.mean) as SonnetMetric[];
  const row = (k: SonnetMetric) => `${k.padEnd(34)}${fixed(stats.mean[k])} ± ${fixed(stats.sd[k])}`;
  const same = stats.sonnets.every((n) => n === stats.sonnets[0]);
  return [
    `${"samples".padEnd(34)}${stats.samples} (mean ± sd over the samples; sd: sample sd, n − 1)`,
    ...files.map((f, i) => `  sample ${i + 1}: ${f}`),
    `${"sonnets".padEnd(34)}${
      same ? `${stats.sonnets[0]} per sample` : `${stats.sonnets.join(", ")} (per sample)`
    }`,
    `whole text (prompt lines 1–${PROMPT_LINES} included; chrf is CS224N's score):`,
    ...keys.filter((k) => !k.endsWith("_continuation")).map(row),
    `continuation only (lines ${PROMPT_LINES + 1}–14, what the model wrote):`,
    ...keys.filter((k) => k.endsWith("_continuation")).map(row),
  ].join("\n") + "\n";
}
