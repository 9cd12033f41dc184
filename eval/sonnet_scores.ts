/**
 * Scores a generated sonnet file against the gold file with every sonnet metric: chrF as
 * CS224N scores it, distinct-1/2, phoneme rhyme accuracy, meter, and the study's own unigram
 * "perplexity" and letter-based rhyme rule (named apart). Model perplexity needs the model and
 * is computed by the sonnet task, not here.
 *
 * @module
 */
import { chrF } from "./chrf.ts";
import { distinct1, distinct2, meanDistinctN } from "./distinct.ts";
import { meterScore } from "./meter.ts";
import { corpusRhymeAccuracy } from "./rhyme.ts";
import { studyUnigramPerplexity } from "./study_perplexity.ts";
import { studyLetterCorpusRhymeAccuracy } from "./study_rhyme.ts";
import { parseSonnets, type Sonnet } from "../tasks/data/sonnet_data.ts";
import { pairingProblems, pairSonnetsByNumber } from "./sonnet_pairing.ts";

/** Every file-based sonnet metric. */
export interface SonnetScores {
  /** Sonnets scored (those whose numbers are in both files). */
  sonnets: number;
  /** chrF (0–100) of generated vs gold texts, corpus statistics. */
  chrf: number;
  /** Distinct-1 over the whole generated corpus. */
  distinct_1: number;
  /** Distinct-2 over the whole generated corpus. */
  distinct_2: number;
  /** Mean per-sonnet distinct-1 (the study's reading). */
  distinct_1_per_sonnet: number;
  /** Mean per-sonnet distinct-2. */
  distinct_2_per_sonnet: number;
  /** Phoneme rhyme accuracy along ABAB CDCD EFEF GG. */
  rhyme_accuracy: number;
  /** Share of lines with 10 ± 1 syllables. */
  meter: number;
  /** The study's unigram "perplexity" (exp entropy of each sonnet's words; not model perplexity). */
  study_unigram_perplexity: number;
  /** The study's letter-based rhyme rule. */
  study_letter_rhyme: number;
}

/** Options of {@linkcode scoreSonnetFiles}. */
export interface ScoreSonnetFilesOptions {
  /** Unpaired numbers (missing, unknown, duplicated) are an error instead of a warning. */
  strict?: boolean;
  /** Receives each warning (default `console.warn`). */
  warn?: (message: string) => void;
}

/**
 * Scores `generated` against `gold` (file texts in CS224N's sonnet format), pairing the sonnets
 * by their numbers (order never matters; see `sonnet_pairing.ts`). Gold numbers not generated,
 * generated numbers not in the gold file and repeated numbers are reported by number to `warn`
 * and left out of the scores, or, with `strict`, thrown as one error. Throws when no number pairs.
 *
 * @example
 * ```ts
 * const scores = scoreSonnetFiles(generatedText, "gen.txt", goldText, "gold.txt");
 * console.log(scores.chrf);
 * ```
 */
export function scoreSonnetFiles(
  generated: string,
  generatedName: string,
  gold: string,
  goldName: string,
  warnOrOptions: ((message: string) => void) | ScoreSonnetFilesOptions = {},
): SonnetScores {
  const options = typeof warnOrOptions === "function" ? { warn: warnOrOptions } : warnOrOptions;
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const gen = parseSonnets(generated, generatedName, { allowDuplicates: true }).sonnets;
  const ref = parseSonnets(gold, goldName).sonnets;
  const pairs = pairSonnetsByNumber(gen, ref);
  const problems = pairingProblems(pairs, generatedName, goldName);
  if (options.strict && problems.length > 0) {
    throw new Error(`--strict: ${problems.join("; ")}`);
  }
  if (pairs.generated.length === 0) {
    throw new Error(`${generatedName} and ${goldName} have no sonnet number in common`);
  }
  problems.forEach((p) => warn(p));
  return scoreSonnets(pairs.generated, pairs.gold);
}

/** Scores parsed sonnets pairwise (same length). */
export function scoreSonnets(generated: Sonnet[], gold: Sonnet[]): SonnetScores {
  if (generated.length !== gold.length || generated.length === 0) {
    throw new Error(
      `scoreSonnets: need the same positive number of sonnets, got ${generated.length} and ${gold.length}`,
    );
  }
  const texts = generated.map((s) => s.text);
  const lines = generated.map((s) => s.lines);
  return {
    sonnets: generated.length,
    chrf: chrF(texts, gold.map((s) => s.text)),
    distinct_1: distinct1(texts),
    distinct_2: distinct2(texts),
    distinct_1_per_sonnet: meanDistinctN(texts, 1),
    distinct_2_per_sonnet: meanDistinctN(texts, 2),
    rhyme_accuracy: corpusRhymeAccuracy(lines).accuracy,
    meter: meterScore(lines.flat()),
    study_unigram_perplexity: studyUnigramPerplexity(texts).mean,
    study_letter_rhyme: studyLetterCorpusRhymeAccuracy(lines).accuracy,
  };
}

const fixed = (v: number) => v.toFixed(4);

/**
 * Sonnet scores as text, one metric per line.
 *
 * @example
 * ```ts
 * console.log(formatSonnetScores(scoreSonnetFiles(gen, "gen.txt", gold, "gold.txt")));
 * // sonnets                    12
 * // chrf                       41.9700 …
 * ```
 */
export function formatSonnetScores(s: SonnetScores): string {
  return Object.entries(s).map(([k, v]) => `${k.padEnd(27)}${Number.isInteger(v) ? v : fixed(v)}`)
    .join("\n") + "\n";
}
