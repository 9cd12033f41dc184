/**
 * Output files in the CS224N formats, written atomically (a temporary file in the same folder,
 * then a rename), so a crash never leaves half a file behind.
 *
 * Predictions, as CS224N's `classifier.py` and `paraphrase_detection.py` write them: a header
 * line `id \t Predicted_Sentiment ` (or `Predicted_Is_Paraphrase`), then one `id, value ` line per
 * example. `style: "csv"` writes plain `id,Predicted_Sentiment` / `id,value` lines instead.
 *
 * Sonnets, as CS224N's `sonnet_generation.py` writes them: the header `--Generated Sonnets-- `,
 * a blank line, then per sonnet a blank line, its number on a line, its text and a blank line.
 *
 * @module
 */

import { writeFileAtomic } from "../../model/atomic_write.ts";
import { parseSonnets } from "./sonnet_data.ts";

/** Prediction column names CS224N uses. */
export type PredictionHeader = "Predicted_Sentiment" | "Predicted_Is_Paraphrase";

/** One prediction: the example's id and the predicted class. */
export interface PredictionRow {
  /** The example id (no comma, tab or newline). */
  id: string;
  /** The predicted class (an integer, or its text). */
  value: number | string;
}

/** `cs224n`: CS224N's bytes (`id \t Header ` / `id, value `); `csv`: plain `id,Header` / `id,value`. */
export type PredictionStyle = "cs224n" | "csv";

/** Header line CS224N's `sonnet_generation.py` writes at the top of a generated sonnet file. */
export const GENERATED_SONNETS_HEADER = "--Generated Sonnets-- ";

/**
 * Writes `text` to `path` atomically: into a temporary file beside it, then renamed over it.
 *
 * @example
 * ```ts
 * import { writeTextAtomic } from "./writers.ts";
 * const path = `${await Deno.makeTempDir()}/summary.txt`; // e.g. runs/<run>/summary.txt
 * await writeTextAtomic(path, "done\n");
 * console.log(await Deno.readTextFile(path)); // done
 * ```
 */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text);
}

/**
 * The text of a predictions file (see the module doc for the two styles). Throws naming the row
 * when an id is empty or holds a comma, tab or newline, or a value is not a finite number or a
 * non-empty text without those characters.
 *
 * @example
 * ```ts
 * import { formatPredictions } from "./writers.ts";
 * formatPredictions("Predicted_Sentiment", [{ id: "ab12", value: 3 }]);
 * // "id \t Predicted_Sentiment \nab12, 3 \n"
 * ```
 */
export function formatPredictions(
  header: PredictionHeader,
  rows: readonly PredictionRow[],
  style: PredictionStyle = "cs224n",
): string {
  const bad = /[,\t\r\n]/;
  const out: string[] = [style === "cs224n" ? `id \t ${header} \n` : `id,${header}\n`];
  rows.forEach(({ id, value }, i) => {
    if (id === "" || bad.test(id) || id.trim() !== id) {
      throw new Error(`prediction row ${i}: id ${JSON.stringify(id)} is empty or has a separator`);
    }
    const text = typeof value === "number" ? String(value) : value;
    const ok = typeof value === "number"
      ? Number.isFinite(value)
      : value.trim() !== "" && !bad.test(value);
    if (!ok) {
      throw new Error(`prediction row ${i} (id ${id}): value ${JSON.stringify(text)} is invalid`);
    }
    out.push(style === "cs224n" ? `${id}, ${text} \n` : `${id},${text}\n`);
  });
  return out.join("");
}

/**
 * Writes a predictions file atomically (see {@linkcode formatPredictions}).
 *
 * @example
 * ```ts
 * import { writePredictionsCsv } from "./writers.ts";
 * const dir = await Deno.makeTempDir();
 * await writePredictionsCsv(`${dir}/sst-dev-out.csv`, "Predicted_Sentiment", [
 *   { id: "ab12", value: 3 },
 * ]);
 * ```
 */
export async function writePredictionsCsv(
  path: string,
  header: PredictionHeader,
  rows: readonly PredictionRow[],
  style: PredictionStyle = "cs224n",
): Promise<void> {
  await writeTextAtomic(path, formatPredictions(header, rows, style));
}

/** A predictions file read back: its column name and rows (values as written, trimmed). */
export interface PredictionsFile {
  /** The second header column, e.g. `Predicted_Sentiment`. */
  header: string;
  /** Rows in file order, with their 1-based lines. */
  rows: { id: string; value: string; line: number }[];
}

/**
 * Parses a predictions file in either style: the header splits on a tab or a comma, each row on
 * its first comma; fields are trimmed; blank lines are skipped. Throws naming the file and line
 * for a header other than `id` + one column, or a row without a comma or with an empty field.
 *
 * @example
 * ```ts
 * import { parsePredictions } from "./writers.ts";
 * parsePredictions("id \t Predicted_Sentiment \nab12, 3 \n", "dev-out.csv");
 * // { header: "Predicted_Sentiment", rows: [{ id: "ab12", value: "3", line: 2 }] }
 * ```
 */
export function parsePredictions(text: string, fileName: string): PredictionsFile {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const headerAt = lines.findIndex((l) => l.trim() !== "");
  if (headerAt === -1) throw new Error(`${fileName}: empty predictions file`);
  const columns = lines[headerAt].split(/[\t,]/).map((c) => c.trim());
  if (columns.length !== 2 || columns[0] !== "id" || columns[1] === "") {
    throw new Error(
      `${fileName}:${headerAt + 1}: header ${JSON.stringify(lines[headerAt])} is not ` +
        `"id" and one prediction column`,
    );
  }
  const rows: PredictionsFile["rows"] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const comma = lines[i].indexOf(",");
    const id = comma === -1 ? "" : lines[i].slice(0, comma).trim();
    const value = comma === -1 ? "" : lines[i].slice(comma + 1).trim();
    if (id === "" || value === "") {
      throw new Error(
        `${fileName}:${i + 1}: expected "id, value", got ${JSON.stringify(lines[i])}`,
      );
    }
    rows.push({ id, value, line: i + 1 });
  }
  return { header: columns[1], rows };
}

/**
 * Reads a predictions file (see {@linkcode parsePredictions}).
 *
 * @example
 * ```ts
 * import { readPredictions } from "./writers.ts";
 * const path = await Deno.makeTempFile({ suffix: ".csv" }); // e.g. runs/<run>/sst-dev-out.csv
 * await Deno.writeTextFile(path, "id,Predicted_Sentiment\nab12,3\n");
 * const { rows } = await readPredictions(path);
 * console.log(rows); // [{ id: "ab12", value: "3", … }]
 * ```
 */
export async function readPredictions(path: string): Promise<PredictionsFile> {
  return parsePredictions(await Deno.readTextFile(path), path);
}

/**
 * The text of a sonnet file in CS224N's format: `header`, a blank line, then for each sonnet a
 * blank line, its number, its text and a blank line. Throws when the header spans lines, a
 * number is not a non-negative integer, a text is blank, or the result would not read back
 * (with `parseSonnets`) as the same numbers in the same order (e.g. a text holding a line that is
 * only a number).
 *
 * @example
 * ```ts
 * import { formatSonnetFile } from "./writers.ts";
 * formatSonnetFile([{ number: 132, text: "Thine eyes I love,\nand they..." }]);
 * // "--Generated Sonnets-- \n\n\n132\nThine eyes I love,\nand they...\n\n"
 * ```
 */
export function formatSonnetFile(
  sonnets: readonly { number: number; text: string }[],
  header: string = GENERATED_SONNETS_HEADER,
): string {
  if (/[\r\n]/.test(header)) throw new Error(`sonnet file header must be one line`);
  const parts = [`${header}\n\n`];
  for (const { number, text } of sonnets) {
    if (!Number.isInteger(number) || number < 0) {
      throw new Error(`sonnet number ${number} is not a non-negative integer`);
    }
    if (text.trim() === "") throw new Error(`sonnet ${number} has no text`);
    parts.push(`\n${number}\n${text}\n\n`);
  }
  const out = parts.join("");
  if (sonnets.length > 0) {
    const back = parseSonnets(out, "formatted sonnet file").sonnets.map((s) => s.number);
    const want = sonnets.map((s) => s.number);
    if (back.length !== want.length || back.some((n, i) => n !== want[i])) {
      throw new Error(
        `sonnet file would read back as sonnets [${back.join(", ")}] instead of ` +
          `[${want.join(", ")}]: does a text hold a line that is only a number?`,
      );
    }
  }
  return out;
}

/**
 * Writes a sonnet file atomically (see {@linkcode formatSonnetFile}).
 *
 * @example
 * ```ts
 * import { writeSonnetFile } from "./writers.ts";
 * const dir = await Deno.makeTempDir();
 * await writeSonnetFile(`${dir}/generated_sonnets_dev.txt`, [
 *   { number: 132, text: "Thine eyes I love, and they, as pitying me," },
 * ]);
 * ```
 */
export async function writeSonnetFile(
  path: string,
  sonnets: readonly { number: number; text: string }[],
  header: string = GENERATED_SONNETS_HEADER,
): Promise<void> {
  await writeTextAtomic(path, formatSonnetFile(sonnets, header));
}
