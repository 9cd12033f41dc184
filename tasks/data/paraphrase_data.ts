/**
 * Loader for the CS224N Quora question-pair files (`quora-*.csv`): tab-separated with the columns
 * `id`, `sentence1`, `sentence2` and, in labelled files, `is_duplicate` written as `0.0`/`1.0`.
 * Columns are found by their header names. Bad rows are reported with their line numbers and
 * skipped: real Quora data has rows with an empty label, and a loader must not guess them.
 *
 * @module
 */

import { columnIndex, type CsvTable, type LoadResult, parseCsv, type SkippedRow } from "./csv.ts";

/** One question pair. */
export interface ParaphraseExample {
  /** The row's `id` column, trimmed. */
  id: string;
  /** First question, trimmed (and lowercased when asked); may be empty. */
  sentence1: string;
  /** Second question, trimmed (and lowercased when asked); may be empty. */
  sentence2: string;
  /** 1 when the questions are paraphrases, else 0; present only with `labelled: true`. */
  label?: 0 | 1;
  /** 1-based line of the row in its file. */
  line: number;
}

/** Options of {@linkcode loadQuora} and {@linkcode parseQuora}. */
export interface ParaphraseLoadOptions {
  /** Read the `is_duplicate` column (train/dev) or ignore it (test files have none). */
  labelled: boolean;
  /** Lowercase both questions (default false). */
  lowercase?: boolean;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Question pairs from the text of one file. A row is skipped (listed in `skipped` with its line
 * and the column at fault) when its `id` is missing, when it has more fields than the header,
 * or, when `labelled`, its `is_duplicate` is missing, not a number, or neither 0 nor 1.
 * Empty questions are kept (the prompt around them is not empty), as CS224N keeps them.
 *
 * @example
 * ```ts
 * import { parseQuora } from "./paraphrase_data.ts";
 * const text = "\tid\tsentence1\tsentence2\tis_duplicate\n0\tq1\tHi?\tHello?\t1.0\n1\tq2\tA?\tB?\t\n";
 * const { examples, skipped } = parseQuora(text, "mini.csv", { labelled: true });
 * // examples: [{ id: "q1", sentence1: "Hi?", sentence2: "Hello?", label: 1, line: 2 }]
 * // skipped: [{ line: 3, reason: 'missing label (column "is_duplicate" is empty)' }]
 * ```
 */
export function parseQuora(
  text: string,
  fileName: string,
  options: ParaphraseLoadOptions,
): LoadResult<ParaphraseExample> {
  return fromTable(parseCsv(text, { fileName }), fileName, options);
}

/**
 * Reads a Quora file and returns its pairs and skipped rows (see {@linkcode parseQuora}); the
 * caller reports the counts, e.g. with `formatLoadSummary`.
 *
 * @example
 * ```ts
 * import { loadQuora } from "./paraphrase_data.ts";
 * const path = await Deno.makeTempFile({ suffix: ".csv" }); // e.g. <data dir>/quora-train.csv
 * await Deno.writeTextFile(path, "\tid\tsentence1\tsentence2\tis_duplicate\n0\tq1\tHi?\tHello?\t1.0\n");
 * const train = await loadQuora(path, { labelled: true });
 * console.log(`loaded ${train.examples.length}, skipped ${train.skipped.length}`); // 1, 0
 * ```
 */
export async function loadQuora(
  path: string,
  options: ParaphraseLoadOptions,
): Promise<LoadResult<ParaphraseExample>> {
  return parseQuora(await Deno.readTextFile(path), path, options);
}

function fromTable(
  table: CsvTable,
  fileName: string,
  options: ParaphraseLoadOptions,
): LoadResult<ParaphraseExample> {
  const { labelled, lowercase = false } = options;
  const idCol = columnIndex(table.header, "id", fileName);
  const s1Col = columnIndex(table.header, "sentence1", fileName);
  const s2Col = columnIndex(table.header, "sentence2", fileName);
  const labelCol = labelled ? columnIndex(table.header, "is_duplicate", fileName) : -1;
  const width = table.header.length;
  const examples: ParaphraseExample[] = [];
  const skipped: SkippedRow[] = [];
  const clean = (s: string | undefined) => {
    const t = (s ?? "").trim();
    return lowercase ? t.toLowerCase() : t;
  };
  for (const { line, fields } of table.rows) {
    const skip = (reason: string) => skipped.push({ line, reason });
    if (fields.length > width) {
      skip(`${fields.length} fields where the header has ${width} (an unquoted tab?)`);
      continue;
    }
    const id = (fields[idCol] ?? "").trim();
    if (id === "") {
      skip(`missing id (column "id" is ${fields[idCol] === undefined ? "absent" : "empty"})`);
      continue;
    }
    const sentence1 = clean(fields[s1Col]);
    const sentence2 = clean(fields[s2Col]);
    if (!labelled) {
      examples.push({ id, sentence1, sentence2, line });
      continue;
    }
    const rawLabel = fields[labelCol];
    const labelText = (rawLabel ?? "").trim();
    if (labelText === "") {
      const state = rawLabel === undefined ? "absent" : "empty";
      skip(`missing label (column "is_duplicate" is ${state})`);
      continue;
    }
    if (!DECIMAL.test(labelText)) {
      skip(`non-numeric label ${JSON.stringify(labelText)} in column "is_duplicate"`);
      continue;
    }
    const value = Number(labelText);
    if (value !== 0 && value !== 1) {
      skip(`label ${labelText} in column "is_duplicate" is neither 0 nor 1`);
      continue;
    }
    examples.push({ id, sentence1, sentence2, label: value === 1 ? 1 : 0, line });
  }
  return { examples, skipped };
}
