/**
 * Reader for the CS224N sonnet files (`sonnets.txt`, `sonnets_held_out_dev.txt`,
 * `TRUE_sonnets_held_out_dev.txt`, `sonnets_held_out.txt`, and generated sonnet files): a header,
 * then each sonnet as its number on a line of its own followed by its lines. The file is split
 * exactly as CS224N splits it, on the pattern `\n\s*\d+\s*\n`, the first piece (the header)
 * dropped and each sonnet's text trimmed; the numbers are the pattern's digits. Line ends are
 * normalised first (`\r\n` and `\r` to `\n`) and a leading byte-order mark dropped, as the CSV
 * loader does, so a file saved on Windows trains on the same text.
 *
 * @module
 */

/** One numbered sonnet. */
export interface Sonnet {
  /** The sonnet's number as written in the file. */
  number: number;
  /** The text after the number, trimmed (what CS224N trains on and chrF scores). */
  text: string;
  /** The text's non-blank lines, each trimmed. */
  lines: string[];
  /** 1-based line of the file holding the sonnet's number. */
  line: number;
}

/** A parsed sonnet file. */
export interface SonnetFile {
  /** Everything before the first numbered sonnet (dropped by CS224N). */
  header: string;
  /** Sonnets in file order. */
  sonnets: Sonnet[];
}

/** Options of {@linkcode parseSonnets}. */
export interface ParseSonnetsOptions {
  /**
   * Keep every sonnet of a repeated number instead of throwing (a generated file is scored with
   * its duplicates reported by number; the training and gold files must not have any).
   */
  allowDuplicates?: boolean;
}

/**
 * Splits sonnet-file text into numbered sonnets. Throws, naming the file, when no numbered
 * sonnet is found, and naming the file, the sonnet number and its line when a numbered sonnet
 * has no lines or (unless `allowDuplicates`) a number appears twice.
 *
 * @example
 * ```ts
 * import { parseSonnets } from "./sonnet_data.ts";
 * const file = parseSonnets("Sonnets\n\n1\n\nShall I compare thee\nTo a summer's day?\n", "x.txt");
 * // file.sonnets: [{ number: 1, text: "Shall I compare thee\nTo a summer's day?",
 * //                  lines: ["Shall I compare thee", "To a summer's day?"], line: 3 }]
 * ```
 */
export function parseSonnets(
  raw: string,
  fileName: string,
  options: ParseSonnetsOptions = {},
): SonnetFile {
  const text = raw.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const separator = /\n\s*(\d+)\s*\n/g; // CS224N's split pattern, digits captured
  const matches = [...text.matchAll(separator)];
  if (matches.length === 0) {
    throw new Error(
      `${fileName}: no numbered sonnets (expected a line holding only a sonnet number, ` +
        `after a header line)`,
    );
  }
  const sonnets: Sonnet[] = [];
  const seen = new Map<number, number>();
  let newlinesBefore = 0; // newlines in text[0, scanned)
  let scanned = 0;
  matches.forEach((match, k) => {
    const start = match.index;
    const end = start + match[0].length;
    const digitsAt = start + match[0].indexOf(match[1]);
    newlinesBefore += countNewlines(text, scanned, digitsAt);
    scanned = digitsAt;
    const line = newlinesBefore + 1;
    const number = Number(match[1]);
    const bodyEnd = k + 1 < matches.length ? matches[k + 1].index : text.length;
    const body = text.slice(end, bodyEnd).trim();
    const lines = body.split("\n").map((l) => l.trim()).filter((l) => l !== "");
    if (lines.length === 0) {
      throw new Error(`${fileName}:${line}: sonnet ${number} has no lines`);
    }
    const earlier = seen.get(number);
    if (earlier !== undefined && !options.allowDuplicates) {
      throw new Error(
        `${fileName}:${line}: sonnet ${number} appears twice (first at line ${earlier})`,
      );
    }
    if (earlier === undefined) seen.set(number, line);
    sonnets.push({ number, text: body, lines, line });
  });
  return { header: text.slice(0, matches[0].index), sonnets };
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) {
    count++;
  }
  return count;
}

/**
 * Reads and parses a sonnet file (see {@linkcode parseSonnets}); errors name the path.
 *
 * @example
 * ```ts
 * import { loadSonnets } from "./sonnet_data.ts";
 * import { dataFile, resolveDataDir } from "./data_dir.ts";
 * const { sonnets } = await loadSonnets(dataFile(resolveDataDir(), "sonnets.txt"));
 * console.log(sonnets.length); // 131
 * ```
 */
export async function loadSonnets(path: string): Promise<SonnetFile> {
  return parseSonnets(await Deno.readTextFile(path), path);
}
