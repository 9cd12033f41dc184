import assert from "node:assert/strict";
import { columnIndex, formatLoadSummary, parseCsv, readCsv } from "./csv.ts";
import { testDataFile, testNeeds } from "../../tests/fixture.ts";

const needs = testNeeds(import.meta.url);

const opts = { fileName: "t.csv" };

Deno.test("parseCsv() splits the header and rows on tabs and numbers rows from line 2", () => {
  const table = parseCsv("\tid\tsentence\n0\ta\tfirst\n1\tb\tsecond\n", opts);
  assert.deepEqual(table.header, ["", "id", "sentence"]);
  assert.equal(table.headerLine, 1);
  assert.deepEqual(table.rows, [
    { line: 2, fields: ["0", "a", "first"] },
    { line: 3, fields: ["1", "b", "second"] },
  ]);
});

Deno.test("parseCsv() turns doubled quotes into one quote when a field is quoted", () => {
  const table = parseCsv('h1\th2\n"say ""hi"""\t""\n', opts);
  assert.deepEqual(table.rows[0].fields, ['say "hi"', ""]);
});

Deno.test("parseCsv() keeps a tab as text when it is inside a quoted field", () => {
  const table = parseCsv('a\tb\tc\n1\t"x\ty"\t2\n', opts);
  assert.deepEqual(table.rows[0].fields, ["1", "x\ty", "2"]);
});

Deno.test("parseCsv() keeps a newline inside a quoted field and counts it for later rows", () => {
  const table = parseCsv('a\tb\n1\t"two\nlines"\n2\tplain\n', opts);
  assert.deepEqual(table.rows, [
    { line: 2, fields: ["1", "two\nlines"] },
    { line: 4, fields: ["2", "plain"] },
  ]);
});

Deno.test("parseCsv() reads a quote inside an unquoted field as text", () => {
  const table = parseCsv('a\tb\n1\tit "is" so\n', opts);
  assert.deepEqual(table.rows[0].fields, ["1", 'it "is" so']);
});

Deno.test("parseCsv() skips blank lines and keeps line numbers when lines end in CRLF", () => {
  const table = parseCsv("\uFEFFa\tb\r\n\r\n1\t2\r\n3\t\r\n", opts);
  assert.deepEqual(table.header, ["a", "b"]);
  assert.deepEqual(table.rows, [{ line: 3, fields: ["1", "2"] }, { line: 4, fields: ["3", ""] }]);
});

Deno.test("parseCsv() reads the last row when the file has no final newline", () => {
  const table = parseCsv("a\tb\n1\t2", opts);
  assert.deepEqual(table.rows, [{ line: 2, fields: ["1", "2"] }]);
});

Deno.test("parseCsv() splits on a comma when the delimiter is a comma", () => {
  const table = parseCsv('a,b\n"x,y",2\n', { fileName: "c.csv", delimiter: "," });
  assert.deepEqual(table.rows[0].fields, ["x,y", "2"]);
});

Deno.test("parseCsv() throws naming file, line and column when a quoted field never closes", () => {
  assert.throws(
    () => parseCsv('a\tb\n1\t"open\n2\t3\n', opts),
    /^Error: t\.csv:2:3: .*never closed/,
  );
});

Deno.test("parseCsv() throws naming file, line and column when text follows a closing quote", () => {
  assert.throws(() => parseCsv('a\tb\n1\t"x"y\n', opts), /^Error: t\.csv:2:6: unexpected "y"/);
});

Deno.test("parseCsv() throws naming the file when the file is empty", () => {
  assert.throws(() => parseCsv("\n\n", opts), /t\.csv: no header line/);
});

Deno.test(
  "readCsv() gives every row the header's width when reading the real Quora dev file",
  needs.data("quora-dev.csv"),
  async () => {
    const table = await readCsv(testDataFile("quora-dev.csv")!);
    assert.deepEqual(table.header, ["", "id", "sentence1", "sentence2", "is_duplicate"]);
    assert.equal(table.rows.length, 3843);
    assert.ok(table.rows.every((r) => r.fields.length === 5));
    // Line 4 of the file; expected value read with Python's csv module.
    assert.equal(table.rows[2].line, 4);
    assert.equal(
      table.rows[2].fields[2],
      `"Which one is correct - ""I didn't do it Purposely"" or ""I didn't do it Intentionally""?"`,
    );
  },
);

Deno.test("columnIndex() finds a column by trimmed name and returns -1 when optional and absent", () => {
  assert.equal(columnIndex(["", " id ", "sentence"], "id", "f"), 1);
  assert.equal(columnIndex(["", "id"], "sentiment", "f", true), -1);
});

Deno.test("columnIndex() throws naming file and column when the column is missing or doubled", () => {
  assert.throws(
    () => columnIndex(["", "id"], "sentiment", "f.csv"),
    /f\.csv: no column "sentiment"/,
  );
  assert.throws(
    () => columnIndex(["id", "id"], "id", "f.csv"),
    /f\.csv: column "id" appears 2 times/,
  );
});

Deno.test("formatLoadSummary() lists the first skipped rows when some rows were skipped", () => {
  const skipped = [1, 2, 3].map((line) => ({ line, reason: "bad" }));
  assert.equal(formatLoadSummary("f", { examples: [], skipped: [] }), "f: loaded 0, skipped 0");
  assert.equal(
    formatLoadSummary("f", { examples: ["x"], skipped }, 2),
    "f: loaded 1, skipped 3 (line 1: bad; line 2: bad; 1 more)",
  );
});
