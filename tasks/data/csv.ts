/**
 * Reader for the CS224N data files: delimiter-separated (a tab by default) with a header line.
 * A field that begins with a double quote is quoted: inside it `""` stands for one `"`, and
 * delimiters and newlines are kept as text. A quote inside an unquoted field is an ordinary
 * character (as Python's `csv` module reads it). Line ends may be `\n`, `\r\n` or `\r`; blank
 * lines are skipped; a leading byte-order mark is dropped.
 *
 * @module
 */

/** One data row: its fields and the 1-based line of the file where it begins. */
export interface CsvRow {
  /** 1-based line number where the row starts. */
  line: number;
  /** The row's fields, quotes removed. */
  fields: string[];
}

/** A parsed file: the header's column names and the data rows after it. */
export interface CsvTable {
  /** Column names from the header line. */
  header: string[];
  /** 1-based line of the header. */
  headerLine: number;
  /** Data rows, in file order. */
  rows: CsvRow[];
}

/** Options of {@linkcode parseCsv}. */
export interface CsvOptions {
  /** File name used in error messages. */
  fileName: string;
  /** One-character field delimiter (default a tab). */
  delimiter?: string;
}

/** A data row a loader left out, and why. */
export interface SkippedRow {
  /** 1-based line number of the row. */
  line: number;
  /** What is wrong with it, naming the column. */
  reason: string;
}

/** What a loader returns: the examples it kept and the rows it skipped. */
export interface LoadResult<T> {
  /** Examples in file order. */
  examples: T[];
  /** Rows left out, in file order. */
  skipped: SkippedRow[];
}

const QUOTE = 34; // "
const LF = 10;

/**
 * Parses delimiter-separated text with a header line into a {@linkcode CsvTable}.
 * Throws, naming the file, line and column, for an unterminated quoted field or a character
 * after a closing quote, and for a file without a header line.
 *
 * @example
 * ```ts
 * import { parseCsv } from "./csv.ts";
 * const table = parseCsv('\tid\tsentence\n0\ta1\t"say ""hi"""\n', { fileName: "x.csv" });
 * // table.header: ["", "id", "sentence"]; table.rows[0]: { line: 2, fields: ["0", "a1", 'say "hi"'] }
 * ```
 */
export function parseCsv(text: string, options: CsvOptions): CsvTable {
  const { fileName } = options;
  const delimiter = options.delimiter ?? "\t";
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new Error(`${fileName}: delimiter must be one character other than a quote or newline`);
  }
  const delim = delimiter.charCodeAt(0);
  const src = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const n = src.length;
  const records: CsvRow[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0; // index of the first character of the current line
  while (pos < n) {
    if (src.charCodeAt(pos) === LF) { // blank line
      pos++;
      line++;
      lineStart = pos;
      continue;
    }
    const rowLine = line;
    const fields: string[] = [];
    for (;;) {
      if (src.charCodeAt(pos) === QUOTE) {
        const openLine = line;
        const openColumn = pos - lineStart + 1;
        const parts: string[] = [];
        let chunk = ++pos;
        for (;;) {
          if (pos >= n) {
            throw new Error(
              `${fileName}:${openLine}:${openColumn}: quoted field is never closed`,
            );
          }
          const c = src.charCodeAt(pos);
          if (c === QUOTE) {
            if (src.charCodeAt(pos + 1) === QUOTE) { // doubled quote stands for one
              parts.push(src.slice(chunk, pos + 1));
              pos += 2;
              chunk = pos;
              continue;
            }
            parts.push(src.slice(chunk, pos));
            pos++;
            break;
          }
          if (c === LF) {
            line++;
            lineStart = pos + 1;
          }
          pos++;
        }
        if (pos < n && src.charCodeAt(pos) !== delim && src.charCodeAt(pos) !== LF) {
          throw new Error(
            `${fileName}:${line}:${pos - lineStart + 1}: unexpected ` +
              `${JSON.stringify(src[pos])} after the closing quote of the field opened at ` +
              `line ${openLine}, column ${openColumn}`,
          );
        }
        fields.push(parts.join(""));
      } else {
        const start = pos;
        while (pos < n) {
          const c = src.charCodeAt(pos);
          if (c === delim || c === LF) break;
          pos++;
        }
        fields.push(src.slice(start, pos));
      }
      if (pos >= n) break;
      if (src.charCodeAt(pos) === delim) {
        pos++;
        continue;
      }
      pos++; // the newline ending the row
      line++;
      lineStart = pos;
      break;
    }
    records.push({ line: rowLine, fields });
  }
  if (records.length === 0) throw new Error(`${fileName}: no header line (the file is empty)`);
  const [head, ...rows] = records;
  return { header: head.fields, headerLine: head.line, rows };
}

/**
 * Reads and parses a file with {@linkcode parseCsv}; errors name the path.
 *
 * @example
 * ```ts
 * import { readCsv } from "./csv.ts";
 * const path = await Deno.makeTempFile({ suffix: ".csv" });
 * await Deno.writeTextFile(path, "\tid\tsentence\tsentiment\n0\tab12\t\"a \"\"fine\"\" film\"\t3\n");
 * const table = await readCsv(path);
 * console.log(table.header, table.rows.length); // ["", "id", "sentence", "sentiment"] 1
 * ```
 */
export async function readCsv(path: string, delimiter = "\t"): Promise<CsvTable> {
  return parseCsv(await Deno.readTextFile(path), { fileName: path, delimiter });
}

/**
 * Index of the column named `name` (compared after trimming) in a header; throws naming the file
 * when it is missing or appears twice, unless `optional` is set (then a missing column gives -1).
 *
 * @example
 * ```ts
 * import { columnIndex } from "./csv.ts";
 * columnIndex(["", "id", "sentence"], "sentence", "x.csv"); // 2
 * columnIndex(["", "id", "sentence"], "sentiment", "x.csv", true); // -1
 * ```
 */
export function columnIndex(
  header: readonly string[],
  name: string,
  fileName: string,
  optional = false,
): number {
  const found: number[] = [];
  header.forEach((column, i) => {
    if (column.trim() === name) found.push(i);
  });
  if (found.length > 1) {
    throw new Error(`${fileName}: column ${JSON.stringify(name)} appears ${found.length} times`);
  }
  if (found.length === 0 && !optional) {
    throw new Error(
      `${fileName}: no column ${JSON.stringify(name)} in the header (columns: ` +
        `${header.map((h) => JSON.stringify(h)).join(", ")})`,
    );
  }
  return found.length === 0 ? -1 : found[0];
}

/**
 * One-line summary of a load for logs: `name: loaded N, skipped M`, followed by the first few
 * skipped rows' lines and reasons.
 *
 * @example
 * ```ts
 * import { formatLoadSummary } from "./csv.ts";
 * formatLoadSummary("quora-train.csv", { examples: [1, 2], skipped: [{ line: 9, reason: "missing label" }] });
 * // "quora-train.csv: loaded 2, skipped 1 (line 9: missing label)"
 * ```
 */
export function formatLoadSummary<T>(name: string, result: LoadResult<T>, shown = 5): string {
  const head = `${name}: loaded ${result.examples.length}, skipped ${result.skipped.length}`;
  if (result.skipped.length === 0) return head;
  const listed = result.skipped.slice(0, shown).map((s) => `line ${s.line}: ${s.reason}`);
  const more = result.skipped.length > shown ? `; ${result.skipped.length - shown} more` : "";
  return `${head} (${listed.join("; ")}${more})`;
}
