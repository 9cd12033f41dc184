/**
 * Token sequences of a question pair in the two framings, and how a pair that does not fit the
 * context is cut.
 *
 * - `linear`: the text `"{s1} {separator} {s2}"` (the study's "sentence1 [SEP] sentence2"; the
 *   separator is literal text, `[SEP]` by default, which GPT-2's BPE reads as 4 tokens).
 * - `cloze`: CS224N's prompt `Is "{s1}" a paraphrase of "{s2}"? Answer "yes" or "no": ` (with its
 *   trailing space); the answer is the next token.
 *
 * The whole text is tokenized at once, as CS224N's tokenizer call does, so the tokens at the
 * seams (`"` + a question, `?"`) are the ones GPT-2's BPE gives the full string.
 *
 * Cutting: when a pair's tokens exceed `maxLength`, each question is tokenized alone and tokens
 * are dropped from its LEFT (its start), sharing the room evenly: each question may keep half of
 * the room left by the template (the first gets the odd token), and room a short question does
 * not use goes to the other. The cut questions are decoded and the template is rebuilt around
 * them, so the template, and with it the cloze prompt's answer slot at the end, is never cut. If
 * re-tokenizing the rebuilt text still overflows (BPE merges at the seams), the room shrinks by
 * the overflow and the cut is redone.
 *
 * @module
 */
import { decode, encode } from "../../model/tokenizer.ts";

/** How a pair becomes one text. */
export type PairTemplate = (s1: string, s2: string) => string;

/**
 * CS224N's cloze prompt for a pair, exactly (quotes around each question, trailing space).
 *
 * @example
 * ```ts
 * clozePrompt("a ?", "b ?"); // 'Is "a ?" a paraphrase of "b ?"? Answer "yes" or "no": '
 * ```
 */
export function clozePrompt(s1: string, s2: string): string {
  return `Is "${s1}" a paraphrase of "${s2}"? Answer "yes" or "no": `;
}

/**
 * The linear framing's text: the two questions joined by the literal separator, one space on
 * each side.
 *
 * @example
 * ```ts
 * linearPairText("a ?", "b ?", "[SEP]"); // "a ? [SEP] b ?"
 * ```
 */
export function linearPairText(s1: string, s2: string, separator: string): string {
  return `${s1} ${separator} ${s2}`;
}

/**
 * How many tokens each question keeps when `room` tokens are shared between questions of `n1`
 * and `n2` tokens: both whole when they fit, else each up to half (the first gets the odd one)
 * and a shorter one's unused half to the other.
 *
 * @example
 * ```ts
 * evenSplit(10, 3, 8); // [5, 3]
 * evenSplit(10, 10, 7); // [4, 3]
 * ```
 */
export function evenSplit(n1: number, n2: number, room: number): [number, number] {
  if (n1 + n2 <= room) return [n1, n2];
  const k1 = Math.min(n1, Math.max(Math.ceil(room / 2), room - n2));
  return [k1, Math.min(n2, room - k1)];
}

/** A pair's token ids and whether its questions were cut to fit. */
export interface PairTokens {
  /** Token ids of the whole text. */
  ids: number[];
  /** True when tokens were dropped from the start of a question. */
  cut: boolean;
}

/** The last `k` tokens of `ids`, decoded (k = 0: the empty text). */
function keepLast(ids: readonly number[], k: number): string {
  return decode(ids.slice(ids.length - k));
}

/**
 * Token ids of `template(s1, s2)`, cut to at most `maxLength` tokens as the module doc says.
 * Throws naming both lengths when the template alone does not fit.
 *
 * @example
 * ```ts
 * const { ids, cut } = pairTokens(clozePrompt, "how do i learn ?", "how to learn ?", 256);
 * console.log(ids.length, cut); // the whole prompt fits: false
 * const long = "why ".repeat(100) + "?";
 * console.log(pairTokens(clozePrompt, long, "why ?", 64)); // 64 ids; cut: true (s1 lost its start)
 * ```
 */
export function pairTokens(
  template: PairTemplate,
  s1: string,
  s2: string,
  maxLength: number,
): PairTokens {
  const ids = encode(template(s1, s2));
  if (ids.length <= maxLength) return { ids, cut: false };
  const t1 = encode(s1);
  const t2 = encode(s2);
  const frame = encode(template("", "")).length;
  let room = maxLength - frame;
  while (room >= 0) {
    const [k1, k2] = evenSplit(t1.length, t2.length, room);
    const fitted = encode(template(keepLast(t1, k1), keepLast(t2, k2)));
    if (fitted.length <= maxLength) return { ids: fitted, cut: true };
    room -= fitted.length - maxLength;
  }
  throw new Error(
    `pairTokens(): the template alone takes ${frame} tokens, more than the ${maxLength} allowed ` +
      `(raise --max-length)`,
  );
}
