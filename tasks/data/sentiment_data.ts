/**
 * Loader for the CS224N sentiment files (`ids-sst-*.csv`, `ids-cfimdb-*.csv`): tab-separated
 * with the columns `id`, `sentence` and, in labelled files, `sentiment`; columns are found by
 * their header names (the test files carry extra index columns). Bad rows are reported with
 * their line numbers and skipped, never guessed.
 *
 * @module
 */

import { columnIndex, type CsvTable, type LoadResult, parseCsv, type SkippedRow } from "./csv.ts";

/** One sentence to classify. */
export interface SentimentExample {
  /** The row's `id` column, trimmed. */
  id: string;
  /** The row's `sentence` column, trimmed (and lowercased when asked). */
  sentence: string;
  /** Class 0..numClasses-1; present only when loaded with `labelled: true`. */
  label?: number;
  /** 1-based line of the row in its file. */
  line: number;
}

/** Options of {@linkcode loadSentiment} and {@linkcode parseSentiment}. */
export interface SentimentLoadOptions {
  /** Read the `sentiment` column (train/dev files) or ignore it (test files have none). */
  labelled: boolean;
  /** Number of classes (SST 5, CFIMDB 2): a label outside 0..numClasses-1 skips the row. */
  numClasses?: number;
  /** Lowercase sentences, as CS224N's `load_data` does (default false). */
  lowercase?: boolean;
}

/** Classes of SST-5: 0 very negative … 4 very positive. */
export const SST_NUM_CLASSES = 5;

/** Classes of CFIMDB: 0 negative, 1 positive. */
export const CFIMDB_NUM_CLASSES = 2;

const INTEGER = /^[+-]?\d+$/;

/**
 * Sentiment examples from the text of one file. A row is skipped (and listed in `skipped` with
 * its line and the column at fault) when its `id` or `sentence` is missing or empty, or, when
 * `labelled`, its `sentiment` is missing, not an integer, or out of range. A file without the
 * needed columns throws, naming the file.
 *
 * @example
 * ```ts
 * import { parseSentiment } from "./sentiment_data.ts";
 * const text = "\tid\tsentence\tsentiment\n0\tab12\t A fine film .\t4\n1\tcd34\t Dull .\t\n";
 * const { examples, skipped } = parseSentiment(text, "mini.csv", { labelled: true, numClasses: 5 });
 * // examples: [{ id: "ab12", sentence: "A fine film .", label: 4, line: 2 }]
 * // skipped: [{ line: 3, reason: 'missing label (column "sentiment" is empty)' }]
 * ```
 */
export function parseSentiment(
  text: string,
  fileName: string,
  options: SentimentLoadOptions,
): LoadResult<SentimentExample> {
  return fromTable(parseCsv(text, { fileName }), fileName, options);
}

/**
 * Reads a sentiment file and returns its examples and skipped rows (see
 * {@linkcode parseSentiment}); the caller reports the counts, e.g. with `formatLoadSummary`.
 *
 * @example
 * ```ts
 * import { loadSentiment, SST_NUM_CLASSES } from "./sentiment_data.ts";
 * const path = await Deno.makeTempFile({ suffix: ".csv" }); // e.g. <data dir>/ids-sst-train.csv
 * await Deno.writeTextFile(path, "\tid\tsentence\tsentiment\n0\tab12\ta fine film\t3\n1\tcd34\tdull\t9\n");
 * const train = await loadSentiment(path, { labelled: true, numClasses: SST_NUM_CLASSES });
 * console.log(`loaded ${train.examples.length}, skipped ${train.skipped.length}`); // 1, 1 (label 9)
 * ```
 */
export async function loadSentiment(
  path: string,
  options: SentimentLoadOptions,
): Promise<LoadResult<SentimentExample>> {
  return parseSentiment(await Deno.readTextFile(path), path, options);
}

function fromTable(
  table: CsvTable,
  fileName: string,
  options: SentimentLoadOptions,
): LoadResult<SentimentExample> {
  const { labelled, numClasses, lowercase = false } = options;
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new Error(`${fileName}: numClasses must be a positive integer, got ${numClasses}`);
  }
  const idCol = columnIndex(table.header, "id", fileName);
  const sentenceCol = columnIndex(table.header, "sentence", fileName);
  const labelCol = labelled ? columnIndex(table.header, "sentiment", fileName) : -1;
  const width = table.header.length;
  const examples: SentimentExample[] = [];
  const skipped: SkippedRow[] = [];
  for (const { line, fields } of table.rows) {
    const skip = (reason: string) => skipped.push({ line, reason });
    if (fields.length > width) {
      skip(`${fields.length} fields where the header has ${width} (an unquoted tab?)`);
      continue;
    }
    const id = (fields[idCol] ?? "").trim();
    const rawSentence = (fields[sentenceCol] ?? "").trim();
    if (id === "") {
      skip(`missing id (column "id" is ${fields[idCol] === undefined ? "absent" : "empty"})`);
      continue;
    }
    if (rawSentence === "") {
      const state = fields[sentenceCol] === undefined ? "absent" : "empty";
      skip(`missing sentence (column "sentence" is ${state})`);
      continue;
    }
    const sentence = lowercase ? rawSentence.toLowerCase() : rawSentence;
    if (!labelled) {
      examples.push({ id, sentence, line });
      continue;
    }
    const rawLabel = fields[labelCol];
    const labelText = (rawLabel ?? "").trim();
    if (labelText === "") {
      skip(`missing label (column "sentiment" is ${rawLabel === undefined ? "absent" : "empty"})`);
      continue;
    }
    if (!INTEGER.test(labelText)) {
      skip(`non-numeric label ${JSON.stringify(labelText)} in column "sentiment"`);
      continue;
    }
    const label = Number(labelText);
    if (label < 0 || (numClasses !== undefined && label >= numClasses)) {
      const range = numClasses === undefined ? "≥ 0" : `0..${numClasses - 1}`;
      skip(`label ${label} in column "sentiment" is outside ${range}`);
      continue;
    }
    examples.push({ id, sentence, label, line });
  }
  return { examples, skipped };
}
