/**
 * Scores a generated sonnet file against the gold file with every file-based sonnet metric, each
 * computed twice and named apart:
 *
 * - on the WHOLE text, the given prompt lines included (suffix `_whole`, and `chrf`, which is
 *   exactly CS224N's score: whole texts, corpus statistics). The prompt lines are Shakespeare's,
 *   so these numbers are not the model's alone: the 3 prompt lines by themselves already score.
 * - on the CONTINUATION only, the lines after the first {@linkcode PROMPT_LINES} (suffix
 *   `_continuation`): what the model wrote. Rhyme counts only the scheme pairs that include a
 *   generated line; the line shares count every missing line of 4–14 as failing; distinct-n and
 *   chrF read lines 4–14 of each generated and gold sonnet. A file that is its prompts alone
 *   scores 0 on each.
 *
 * The study's own unigram "perplexity" and letter-based rhyme rule are kept as the study defined
 * them, on the whole text. Model perplexity needs the model and is computed by the sonnet task.
 *
 * @module
 */
import { chrF } from "./chrf.ts";
import { generatedLineShare, generatedTexts } from "./continuation.ts";
import { distinct1, distinct2, meanDistinctN } from "./distinct.ts";
import { fitsLooseIambicPentameter, looseIambicShare } from "./iambic.ts";
import { hasTenSyllables, tenSyllableShare } from "./meter.ts";
import { continuationRhymeAccuracy, corpusRhymeAccuracy } from "./rhyme.ts";
import { studyUnigramPerplexity } from "./study_perplexity.ts";
import { studyLetterCorpusRhymeAccuracy } from "./study_rhyme.ts";
import { parseSonnets, type Sonnet } from "../tasks/data/sonnet_data.ts";

/** Lines of each CS224N dev and test sonnet given as the prompt. */
export const PROMPT_LINES = 3;

/** Every file-based sonnet metric, whole-text and continuation-only named apart. */
export interface SonnetScores {
  /** Sonnets scored (the common prefix of both files). */
  sonnets: number;
  /** chrF (0–100) of generated vs gold whole texts, corpus statistics: CS224N's score. */
  chrf: number;
  /** Distinct-1 over the whole generated corpus, prompt lines included. */
  distinct_1_whole: number;
  /** Distinct-2 over the whole generated corpus, prompt lines included. */
  distinct_2_whole: number;
  /** Mean per-sonnet distinct-1 of the whole texts (the study's reading). */
  distinct_1_per_sonnet_whole: number;
  /** Mean per-sonnet distinct-2 of the whole texts. */
  distinct_2_per_sonnet_whole: number;
  /** Phoneme rhyme accuracy along ABAB CDCD EFEF GG, all 7 pairs. */
  rhyme_accuracy_whole: number;
  /** Share of all non-blank lines with 10 ± 1 syllables. */
  ten_syllable_share_whole: number;
  /** Share of all non-blank lines that fit loose iambic pentameter (`iambic.ts`). */
  loose_iambic_share_whole: number;
  /** The study's unigram "perplexity" (exp entropy of each sonnet's words; not model perplexity). */
  study_unigram_perplexity: number;
  /** The study's letter-based rhyme rule. */
  study_letter_rhyme: number;
  /** chrF of generated lines 4–14 vs gold lines 4–14, corpus statistics. */
  chrf_continuation: number;
  /** Distinct-1 over the generated lines 4–14 of all sonnets. */
  distinct_1_continuation: number;
  /** Distinct-2 over the generated lines 4–14 of all sonnets. */
  distinct_2_continuation: number;
  /** Phoneme rhyme accuracy over the 6 pairs that include a line after the prompt. */
  rhyme_accuracy_continuation: number;
  /** Share of the 11 line slots 4–14 per sonnet holding a line of 10 ± 1 syllables. */
  ten_syllable_share_continuation: number;
  /** Share of the 11 line slots 4–14 per sonnet holding a loose iambic pentameter line. */
  loose_iambic_share_continuation: number;
}

/**
 * Scores `generated` against `gold` (file texts in CS224N's sonnet format). When the generated
 * file has fewer sonnets, the common prefix is scored (as CS224N does) and `warn` is called;
 * `warn` is also called when generated sonnets do not begin with their gold sonnet's first
 * {@linkcode PROMPT_LINES} lines (the continuation metrics assume they do).
 *
 * @example
 * ```ts
 * const text = "Sonnets\n\n1\nShall I compare thee to a summer's day?\nThou art more lovely.\n";
 * const scores = scoreSonnetFiles(text, "gen.txt", text, "gold.txt");
 * console.log(scores.chrf, scores.rhyme_accuracy_continuation); // 100 …: the generated file is the gold
 * ```
 */
export function scoreSonnetFiles(
  generated: string,
  generatedName: string,
  gold: string,
  goldName: string,
  warn: (message: string) => void = (m) => console.warn(m),
): SonnetScores {
  const gen = parseSonnets(generated, generatedName).sonnets;
  const ref = parseSonnets(gold, goldName).sonnets;
  const n = Math.min(gen.length, ref.length);
  if (gen.length < ref.length) {
    warn(
      `${generatedName} has ${gen.length} sonnets, ${goldName} has ${ref.length}: ` +
        `scoring the first ${n}`,
    );
  }
  const mismatch = gen.slice(0, n).filter((s, i) =>
    s.lines.slice(0, PROMPT_LINES).join("\n") !== ref[i].lines.slice(0, PROMPT_LINES).join("\n")
  );
  if (mismatch.length > 0) {
    warn(
      `${generatedName}: ${mismatch.length} of ${n} sonnets (first: ${mismatch[0].number}, ` +
        `line ${mismatch[0].line}) do not begin with their gold sonnet's first ${PROMPT_LINES} ` +
        "lines; the continuation metrics take lines 4–14 as the generated ones",
    );
  }
  return scoreSonnets(gen.slice(0, n), ref.slice(0, n));
}

/**
 * Scores parsed sonnets pairwise (same length), generated[i] against gold[i].
 *
 * @example
 * ```ts
 * import { parseSonnets } from "../tasks/data/sonnet_data.ts";
 * const file = new URL("../tasks/data/sonnets/TRUE_sonnets_held_out_dev.txt", import.meta.url);
 * const gold = parseSonnets(await Deno.readTextFile(file), "gold").sonnets;
 * const s = scoreSonnets(gold, gold); // the gold against itself
 * console.log(s.rhyme_accuracy_whole); // all 7 pairs, prompt included
 * console.log(s.rhyme_accuracy_continuation); // the 6 pairs with a generated line
 * ```
 */
export function scoreSonnets(generated: Sonnet[], gold: Sonnet[]): SonnetScores {
  if (generated.length !== gold.length || generated.length === 0) {
    throw new Error(
      `scoreSonnets: need the same positive number of sonnets, got ${generated.length} and ${gold.length}`,
    );
  }
  const texts = generated.map((s) => s.text);
  const lines = generated.map((s) => s.lines);
  const goldLines = gold.map((s) => s.lines);
  const continuation = generatedTexts(lines, PROMPT_LINES);
  return {
    sonnets: generated.length,
    chrf: chrF(texts, gold.map((s) => s.text)),
    distinct_1_whole: distinct1(texts),
    distinct_2_whole: distinct2(texts),
    distinct_1_per_sonnet_whole: meanDistinctN(texts, 1),
    distinct_2_per_sonnet_whole: meanDistinctN(texts, 2),
    rhyme_accuracy_whole: corpusRhymeAccuracy(lines).accuracy,
    ten_syllable_share_whole: tenSyllableShare(lines.flat()),
    loose_iambic_share_whole: looseIambicShare(lines.flat()),
    study_unigram_perplexity: studyUnigramPerplexity(texts).mean,
    study_letter_rhyme: studyLetterCorpusRhymeAccuracy(lines).accuracy,
    chrf_continuation: chrF(continuation, generatedTexts(goldLines, PROMPT_LINES)),
    distinct_1_continuation: distinct1(continuation),
    distinct_2_continuation: distinct2(continuation),
    rhyme_accuracy_continuation: continuationRhymeAccuracy(lines, PROMPT_LINES).accuracy,
    ten_syllable_share_continuation: generatedLineShare(lines, PROMPT_LINES, hasTenSyllables),
    loose_iambic_share_continuation: generatedLineShare(
      lines,
      PROMPT_LINES,
      fitsLooseIambicPentameter,
    ),
  };
}

const fixed = (v: number) => v.toFixed(4);

/**
 * Sonnet scores as text, one metric per line: the sonnet count, then the whole-text metrics and
 * the continuation's, each group under a heading line.
 *
 * @example
 * ```ts
 * const text = "Sonnets\n\n1\nShall I compare thee to a summer's day?\nThou art more lovely.\n";
 * console.log(formatSonnetScores(scoreSonnetFiles(text, "gen.txt", text, "gold.txt")));
 * // sonnets                           1
 * // whole text (prompt lines 1–3 included; chrf is CS224N's score):
 * // chrf                              100.0000 …
 * ```
 */
export function formatSonnetScores(s: SonnetScores): string {
  const entries = Object.entries(s) as [string, number][];
  const row = ([k, v]: [string, number]) => `${k.padEnd(34)}${Number.isInteger(v) ? v : fixed(v)}`;
  const continuation = entries.filter(([k]) => k.endsWith("_continuation"));
  const whole = entries.filter(([k]) => k !== "sonnets" && !k.endsWith("_continuation"));
  return [
    row(["sonnets", s.sonnets]),
    `whole text (prompt lines 1–${PROMPT_LINES} included; chrf is CS224N's score):`,
    ...whole.map(row),
    `continuation only (lines ${PROMPT_LINES + 1}–14, what the model wrote):`,
    ...continuation.map(row),
  ].join("\n") + "\n";
}
