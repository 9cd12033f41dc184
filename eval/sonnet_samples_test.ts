import assert from "node:assert/strict";
import type { SonnetScores } from "./sonnet_scores.ts";
import {
  formatSonnetSampleStats,
  sonnetSampleMetrics,
  sonnetSampleStats,
} from "./sonnet_samples.ts";

/** A score set whose every metric is `v` (chrF and rhyme set apart). */
function scores(v: number, chrf: number, rhyme: number, sonnets = 12): SonnetScores {
  return {
    sonnets,
    chrf,
    distinct_1_whole: v,
    distinct_2_whole: v,
    distinct_1_per_sonnet_whole: v,
    distinct_2_per_sonnet_whole: v,
    rhyme_accuracy_whole: v,
    ten_syllable_share_whole: v,
    loose_iambic_share_whole: v,
    study_unigram_perplexity: v,
    study_letter_rhyme: v,
    chrf_continuation: v,
    distinct_1_continuation: v,
    distinct_2_continuation: v,
    rhyme_accuracy_continuation: rhyme,
    ten_syllable_share_continuation: v,
    loose_iambic_share_continuation: v,
  };
}

// By hand: chrF 30, 33, 36 → mean 33, deviations −3, 0, 3, Σ² = 18, sd = √(18 / 2) = 3.
// rhyme 0, 0.5, 0.25 → mean 0.25, deviations −0.25, 0.25, 0 → Σ² = 0.125, sd = √0.0625 = 0.25.
// The other metrics: 0.2, 0.2, 0.2 → mean 0.2, sd 0.
const THREE = [scores(0.2, 30, 0), scores(0.2, 33, 0.5), scores(0.2, 36, 0.25)];

Deno.test("sonnetSampleStats() gives the mean and the n − 1 sample sd of each metric over the samples", () => {
  const s = sonnetSampleStats(THREE);
  assert.equal(s.samples, 3);
  assert.deepEqual(s.sonnets, [12, 12, 12]);
  assert.equal(s.mean.chrf, 33);
  assert.ok(Math.abs(s.sd.chrf - 3) < 1e-12, `sd ${s.sd.chrf}`);
  assert.equal(s.mean.rhyme_accuracy_continuation, 0.25);
  assert.ok(Math.abs(s.sd.rhyme_accuracy_continuation - 0.25) < 1e-12);
  assert.ok(Math.abs(s.mean.study_letter_rhyme - 0.2) < 1e-12);
  assert.ok(s.sd.study_letter_rhyme < 1e-12);
  assert.ok(!("sonnets" in s.mean), "the sonnet count is not averaged");
  assert.equal(Object.keys(s.mean).length, 16);
  assert.ok(Number.isNaN(sonnetSampleStats([THREE[0]]).sd.chrf), "one sample has no sd");
  assert.throws(() => sonnetSampleStats([]), /no sample scores/);
});

Deno.test("sonnetSampleMetrics() names each metric's mean and sd apart, with the sample count", () => {
  const m = sonnetSampleMetrics(THREE);
  assert.equal(m.samples, 3);
  assert.equal(m.chrf_mean, 33);
  assert.ok(Math.abs(m.chrf_sd - 3) < 1e-12);
  assert.equal(m.rhyme_accuracy_continuation_mean, 0.25);
  assert.ok(!("chrf" in m) && !("sonnets_mean" in m));
  assert.equal(Object.keys(m).length, 1 + 2 * 16);
  assert.throws(() => sonnetSampleMetrics([THREE[0]]), /need at least 2 samples, got 1/);
});

Deno.test("formatSonnetSampleStats() prints mean ± sd per metric and names the files", () => {
  const text = formatSonnetSampleStats(sonnetSampleStats(THREE), ["a.txt", "b.txt", "c.txt"]);
  assert.match(text, /^samples +3 \(mean ± sd over the samples; sd: sample sd, n − 1\)\n/);
  assert.match(text, / {2}sample 2: b\.txt\n/);
  assert.match(text, /\nsonnets +12 per sample\n/);
  assert.match(text, /\nchrf +33\.0000 ± 3\.0000\n/);
  assert.match(
    text,
    /continuation only[^\n]*\n[\s\S]*rhyme_accuracy_continuation +0\.2500 ± 0\.2500/,
  );
  const uneven = sonnetSampleStats([scores(0.2, 30, 0, 12), scores(0.2, 30, 0, 11)]);
  assert.match(formatSonnetSampleStats(uneven, ["a", "b"]), /sonnets +12, 11 \(per sample\)/);
});
