/**
 * The study's sonnet generation controls as composable logits processors (each a factory with
 * options and defaults) and a stop predicate:
 *
 * - {@linkcode punctuationBoost}: once the current line has ≥ 8 words, add `boost` to the logits
 *   of `,` `.` `;` `:` `!` `?`;
 * - {@linkcode newlineBoost}: once it has ≥ 12 words, add `boost` to the newline logit;
 * - {@linkcode repetitionWindowPenalty}: CTRL's repetition penalty, limited to a recent window;
 * - {@linkcode stopAtLines}: true once the sonnet has 14 complete lines.
 *
 * A processor has the shape of `model/sampling.ts`'s `LogitsProcessor` and edits the logits of
 * one sequence in place, before temperature and top-p. Adding b to a logit multiplies that token's
 * odds by e^b. The "current line" is the text after the last newline of the prompt and the
 * generated tokens together; its words are its whitespace-separated pieces.
 *
 * @module
 */

import { decode, encode, VOCAB_SIZE } from "../../model/tokenizer.ts";

/** What a processor knows about the sequence (as `model/sampling.ts`'s `ProcessorContext`). */
export interface SonnetProcessorContext {
  /** Prompt and generated tokens so far. */
  tokens: readonly number[];
  /** Tokens generated so far. */
  generated: readonly number[];
  /** Index of the sequence in the batch. */
  batchIndex: number;
}

/** Edits one sequence's next-token logits in place. */
export type SonnetProcessor = (logits: Float32Array, ctx: SonnetProcessorContext) => void;

/**
 * Defaults of the controls (the training configuration's generation settings start from these).
 * Boosts are added to logits; a repetition penalty of 1 changes nothing.
 *
 * @example
 * ```ts
 * import { CONTROL_DEFAULTS } from "./sonnet_controls.ts";
 * console.log(CONTROL_DEFAULTS.newlineAfterWords); // 12
 * ```
 */
export const CONTROL_DEFAULTS: Readonly<
  Record<
    | "lines"
    | "punctuationAfterWords"
    | "punctuationBoost"
    | "newlineAfterWords"
    | "newlineBoost"
    | "repetitionWindow"
    | "repetitionPenalty",
    number
  >
> = Object.freeze({
  /** Lines of a sonnet: {@linkcode stopAtLines}. */
  lines: 14,
  /** {@linkcode punctuationBoost}: words on the line before boosting. */
  punctuationAfterWords: 8,
  /** {@linkcode punctuationBoost}: logit boost (odds × e²). */
  punctuationBoost: 2,
  /** {@linkcode newlineBoost}: words on the line before boosting. */
  newlineAfterWords: 12,
  /** {@linkcode newlineBoost}: logit boost (odds × e⁴). */
  newlineBoost: 4,
  /** {@linkcode repetitionWindowPenalty}: recent tokens that count as seen. */
  repetitionWindow: 32,
  /** {@linkcode repetitionWindowPenalty}: CTRL's penalty. */
  repetitionPenalty: 1.2,
});

/** Characters {@linkcode punctuationBoost} raises, one GPT-2 token each. */
export const PUNCTUATION = [",", ".", ";", ":", "!", "?"] as const;

/** GPT-2 ids of {@linkcode PUNCTUATION}, in that order: 11, 13, 26, 25, 0, 30. */
export const PUNCTUATION_IDS: readonly number[] = Object.freeze(
  PUNCTUATION.map((p) => single(p)),
);

/** GPT-2 id of "\n" (198). "\n\n" is its own token, 628: a blank line, not boosted by default. */
export const NEWLINE_ID: number = single("\n");

function single(text: string): number {
  const ids = encode(text);
  if (ids.length !== 1) throw new Error(`sonnet controls: ${JSON.stringify(text)} is not 1 token`);
  return ids[0];
}

/**
 * The current (last, unfinished) line of a token sequence: its text after the last newline.
 *
 * @example
 * ```ts
 * import { currentLine } from "./sonnet_controls.ts";
 * import { encode } from "../../model/tokenizer.ts";
 * console.log(currentLine(encode("Shall I\ncompare thee"))); // "compare thee"
 * ```
 */
export function currentLine(tokens: readonly number[]): string {
  // The whole sequence is decoded at once: decoding single tokens would split multi-byte
  // characters, and gpt-tokenizer's decoder carries such partial bytes into its next call.
  const text = decode(tokens);
  return text.slice(text.lastIndexOf("\n") + 1);
}

/**
 * Number of whitespace-separated words in `line`.
 *
 * @example
 * ```ts
 * import { wordCount } from "./sonnet_controls.ts";
 * console.log(wordCount("  Shall I compare thee ")); // 4
 * ```
 */
export function wordCount(line: string): number {
  return line.split(/\s+/).filter((w) => w !== "").length;
}

/** Options of the boosts. */
export interface BoostOptions {
  /** Boost once the current line has at least this many words. */
  afterWords?: number;
  /** Added to the logits of the boosted tokens (≥ 0). */
  boost?: number;
  /** Token ids to boost (defaults: {@linkcode PUNCTUATION_IDS} / `[198]`). */
  tokenIds?: readonly number[];
}

function checkBoost(name: string, afterWords: number, boost: number, ids: readonly number[]) {
  if (!Number.isInteger(afterWords) || afterWords < 0) {
    throw new Error(`${name}: afterWords must be an integer ≥ 0, got ${afterWords}`);
  }
  if (!(boost >= 0 && Number.isFinite(boost))) {
    throw new Error(`${name}: boost must be a finite number ≥ 0, got ${boost}`);
  }
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) {
      throw new Error(`${name}: token id ${id} is outside [0, ${VOCAB_SIZE})`);
    }
  }
}

/**
 * Raises punctuation once the current line has ≥ `afterWords` words (default 8, boost 2), unless
 * the line already ends in one of {@linkcode PUNCTUATION} (then the newline's turn has come).
 *
 * @example
 * ```ts
 * import { punctuationBoost } from "./sonnet_controls.ts";
 * const processors = [punctuationBoost({ afterWords: 8, boost: 2 })];
 * ```
 */
export function punctuationBoost(
  {
    afterWords = CONTROL_DEFAULTS.punctuationAfterWords,
    boost = CONTROL_DEFAULTS.punctuationBoost,
    tokenIds = PUNCTUATION_IDS,
  }: BoostOptions = {},
): SonnetProcessor {
  checkBoost("punctuationBoost", afterWords, boost, tokenIds);
  const ids = [...tokenIds];
  return (logits, ctx) => {
    const line = currentLine(ctx.tokens);
    if (wordCount(line) < afterWords) return;
    if ((PUNCTUATION as readonly string[]).includes(line.trimEnd().slice(-1))) return;
    for (const id of ids) logits[id] += boost;
  };
}

/**
 * Raises the newline logit once the current line has ≥ `afterWords` words (default 12, boost 4).
 * Pass `tokenIds: [198, 628]` to raise "\n\n" too.
 *
 * @example
 * ```ts
 * import { newlineBoost } from "./sonnet_controls.ts";
 * const processors = [newlineBoost({ afterWords: 12, boost: 4 })];
 * ```
 */
export function newlineBoost(
  {
    afterWords = CONTROL_DEFAULTS.newlineAfterWords,
    boost = CONTROL_DEFAULTS.newlineBoost,
    tokenIds = [NEWLINE_ID],
  }: BoostOptions = {},
): SonnetProcessor {
  checkBoost("newlineBoost", afterWords, boost, tokenIds);
  const ids = [...tokenIds];
  return (logits, ctx) => {
    if (wordCount(currentLine(ctx.tokens)) < afterWords) return;
    for (const id of ids) logits[id] += boost;
  };
}

/** Options of {@linkcode repetitionWindowPenalty}. */
export interface RepetitionOptions {
  /** How many of the most recent tokens (prompt included) count as seen (default 32). */
  window?: number;
  /** Divisor of positive and multiplier of negative logits (default 1.2, CTRL's value). */
  penalty?: number;
}

/**
 * CTRL's repetition penalty (Keskar et al. 2019) over a window: each distinct token among the
 * last `window` tokens has its logit divided by `penalty` when positive, multiplied when negative.
 *
 * @example
 * ```ts
 * import { repetitionWindowPenalty } from "./sonnet_controls.ts";
 * const processor = repetitionWindowPenalty({ window: 32, penalty: 1.2 });
 * ```
 */
export function repetitionWindowPenalty(
  {
    window = CONTROL_DEFAULTS.repetitionWindow,
    penalty = CONTROL_DEFAULTS.repetitionPenalty,
  }: RepetitionOptions = {},
): SonnetProcessor {
  if (!Number.isInteger(window) || window < 1) {
    throw new Error(`repetitionWindowPenalty: window must be an integer ≥ 1, got ${window}`);
  }
  if (!(penalty >= 1 && Number.isFinite(penalty))) {
    throw new Error(`repetitionWindowPenalty: penalty must be a finite number ≥ 1, got ${penalty}`);
  }
  return (logits, ctx) => {
    const seen = new Set(ctx.tokens.slice(Math.max(0, ctx.tokens.length - window)));
    for (const id of seen) {
      const x = logits[id];
      logits[id] = x > 0 ? x / penalty : x * penalty;
    }
  };
}

/** Prompt lines for {@linkcode stopAtLines}: a count, the prompt's text, or one per sequence. */
export type PromptLines = number | string | readonly (number | string)[];

/**
 * Number of complete (newline-terminated) non-blank lines in `text`.
 *
 * @example
 * ```ts
 * import { completeLines } from "./sonnet_controls.ts";
 * console.log(completeLines("a b\n\nc\nd")); // 2: "a b" and "c"; "d" is unfinished
 * ```
 */
export function completeLines(text: string): number {
  const pieces = text.split("\n");
  pieces.pop(); // the unfinished last piece
  return pieces.filter((line) => line.trim() !== "").length;
}

/**
 * A stop predicate, true once the prompt and the generated text hold `n` (default 14) complete
 * non-blank lines: the `n`-th line counts when its newline is generated. `prompt` is either the
 * number of complete lines the prompt already has (the generated text then starts a new line), or
 * the prompt's text (exact also when its last line is unfinished), or an array of either indexed
 * by `batchIndex`. The shape fits `model/generate.ts`'s `stopWhen`.
 *
 * @example
 * ```ts
 * import { stopAtLines } from "./sonnet_controls.ts";
 * const stop = stopAtLines(14, "From fairest creatures\nThat thereby\nBut as the riper");
 * // stop(generatedIds) → true once 11 more lines have ended
 * ```
 */
export function stopAtLines(
  n: number = CONTROL_DEFAULTS.lines,
  prompt: PromptLines = 0,
): (generated: readonly number[], batchIndex?: number) => boolean {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`stopAtLines: n must be an integer ≥ 1, got ${n}`);
  }
  const perSequence = Array.isArray(prompt) ? [...prompt] : null;
  return (generated, batchIndex = 0) => {
    const p = perSequence ? perSequence[batchIndex] : prompt as number | string;
    if (p === undefined) throw new Error(`stopAtLines: no prompt for batch index ${batchIndex}`);
    if (typeof p === "string") return completeLines(p + decode(generated)) >= n;
    if (!Number.isInteger(p) || p < 0) {
      throw new Error(`stopAtLines: prompt line count must be an integer ≥ 0, got ${p}`);
    }
    return p + completeLines(decode(generated)) >= n;
  };
}
