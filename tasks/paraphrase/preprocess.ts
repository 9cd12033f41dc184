/**
 * CS224N's preprocessing of Quora questions (the default-project loader applies it to both
 * questions of every pair): lower-case the text, put a space before every `.`, `?`, `,` and `'`,
 * then collapse runs of whitespace into single spaces and drop leading and trailing whitespace
 * (Python's `str.split()` then `" ".join`). `--preprocess=none` keeps the trimmed text as it is.
 *
 * @module
 */

/** The `--preprocess` choices. */
export const PREPROCESS_NAMES = ["cs224n", "none"] as const;

/** A `--preprocess` choice. */
export type PreprocessName = typeof PREPROCESS_NAMES[number];

/**
 * Whether `name` is a `--preprocess` choice.
 *
 * @example
 * ```ts
 * isPreprocessName("cs224n"); // true
 * ```
 */
export function isPreprocessName(name: string): name is PreprocessName {
  return (PREPROCESS_NAMES as readonly string[]).includes(name);
}

/**
 * The characters Python's `str.split()` (no argument) splits on: `str.isspace()` is true for
 * them. JavaScript's `\s` differs (it lacks U+001C–U+001F and U+0085, and has U+FEFF), so the set
 * is spelled out.
 */
const PYTHON_WHITESPACE =
  // deno-lint-ignore no-control-regex -- U+001C–U+001F are whitespace to Python's split()
  /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** The punctuation CS224N separates from the word before it, in the order it does. */
const SPLIT_OFF = [".", "?", ",", "'"] as const;

/**
 * A question as CS224N's loader preprocesses it: lower-cased, a space inserted before each `.`,
 * `?`, `,` and `'`, whitespace runs collapsed to one space, ends trimmed.
 *
 * @example
 * ```ts
 * cs224nPreprocess("What's the best way?  I'm new, sorry."); // "what 's the best way ? i 'm new , sorry ."
 * ```
 */
export function cs224nPreprocess(text: string): string {
  let s = text.toLowerCase();
  for (const mark of SPLIT_OFF) s = s.replaceAll(mark, ` ${mark}`);
  return s.split(PYTHON_WHITESPACE).filter((word) => word !== "").join(" ");
}

/**
 * The preprocessing function a `--preprocess` choice names (`none`: the text unchanged).
 *
 * @example
 * ```ts
 * preprocessor("none")("Why?"); // "Why?"
 * ```
 */
export function preprocessor(name: PreprocessName): (text: string) => string {
  return name === "cs224n" ? cs224nPreprocess : (text) => text;
}
