import assert from "node:assert/strict";
import { join } from "node:path";
import { testDataFile, testNeeds } from "../../tests/fixture.ts";
import { loadQuora, parseQuora } from "./paraphrase_data.ts";

const needs = testNeeds(import.meta.url);
const real = (name: string) => testDataFile(name)!;

Deno.test(
  "loadQuora() skips exactly lines 9066 and 15343 when reading Quora train labelled",
  needs.data("quora-train.csv"),
  async () => {
    const { examples, skipped } = await loadQuora(real("quora-train.csv"), { labelled: true });
    // Found independently with awk: the two rows whose is_duplicate field is empty.
    assert.deepEqual(skipped.map((s) => s.line), [9066, 15343]);
    assert.ok(skipped.every((s) => /missing label/.test(s.reason)));
    assert.equal(examples.length, 15371 - 2);
    const zeros = examples.filter((e) => e.label === 0).length;
    const ones = examples.filter((e) => e.label === 1).length;
    assert.deepEqual([zeros, ones], [9636, 5733]);
    assert.deepEqual(examples[0], {
      id: "fb362f4b2882476459f585dc3",
      sentence1: "How much weight will I lose by not eating for a week?",
      sentence2: "How much weight would I lose if I don't eat at all for 3 weeks?",
      label: 0,
      line: 2,
    });
  },
);

Deno.test(
  "loadQuora() keeps all 15,371 rows when reading Quora train unlabelled",
  needs.data("quora-train.csv"),
  async () => {
    const { examples, skipped } = await loadQuora(real("quora-train.csv"), { labelled: false });
    assert.equal(examples.length, 15371);
    assert.deepEqual(skipped, []);
    const row = examples.find((e) => e.line === 15343);
    assert.equal(row?.id, "ad118c967d683c93883bf072d");
    assert.ok(row?.sentence2.startsWith('"Where can I find a dress'), row?.sentence2);
    assert.equal(row?.label, undefined);
  },
);

Deno.test(
  "loadQuora() keeps all 3,843 rows when reading Quora dev",
  needs.data("quora-dev.csv"),
  async () => {
    const { examples, skipped } = await loadQuora(real("quora-dev.csv"), { labelled: true });
    assert.equal(examples.length, 3843);
    assert.deepEqual(skipped, []);
    const zeros = examples.filter((e) => e.label === 0).length;
    assert.deepEqual([zeros, examples.length - zeros], [2397, 1446]);
    assert.equal(
      examples[2].sentence2,
      `"What they didn't mention, and which is really good, is how much time I'd spend out of ` +
        `the office. Can we replace the ""which"" with ""what""?"`,
    );
  },
);

const HEADER = "\tid\tsentence1\tsentence2\tis_duplicate\n";

Deno.test("parseQuora() skips and reports rows when labels are missing, non-numeric or not 0/1", () => {
  const text = HEADER +
    "0\ta\tQ1?\tQ2?\t1.0\n" +
    "1\tb\tQ1?\tQ2?\t\n" +
    "2\tc\tQ1?\tQ2?\n" +
    "3\td\tQ1?\tQ2?\tyes\n" +
    "4\te\tQ1?\tQ2?\t0.5\n" +
    "5\tf\tQ1?\tQ2?\t2\n" +
    "6\tg\tQ1?\tQ2?\t0\n";
  const { examples, skipped } = parseQuora(text, "bad.csv", { labelled: true });
  assert.deepEqual(examples.map((e) => [e.id, e.label]), [["a", 1], ["g", 0]]);
  assert.deepEqual(skipped.map((s) => s.line), [3, 4, 5, 6, 7]);
  assert.match(skipped[0].reason, /missing label.*"is_duplicate" is empty/);
  assert.match(skipped[1].reason, /missing label.*"is_duplicate" is absent/);
  assert.match(skipped[2].reason, /non-numeric label "yes"/);
  assert.match(skipped[3].reason, /0\.5 .* neither 0 nor 1/);
  assert.match(skipped[4].reason, /2 .* neither 0 nor 1/);
});

Deno.test("parseQuora() decodes doubled quotes and quoted tabs when questions are quoted", () => {
  const text = HEADER + '0\ta\t"Is ""x"" ok?"\t"tab\there"\t0.0\n';
  const { examples } = parseQuora(text, "q.csv", { labelled: true });
  assert.deepEqual(examples, [
    { id: "a", sentence1: 'Is "x" ok?', sentence2: "tab\there", label: 0, line: 2 },
  ]);
});

Deno.test("parseQuora() skips rows when the id is empty or a tab is unquoted", () => {
  const text = HEADER + "0\t\tA?\tB?\t1.0\n1\tb\tA?\tB\tC?\t1.0\n2\tc\t\tB?\t0.0\n";
  const { examples, skipped } = parseQuora(text, "e.csv", { labelled: true });
  assert.deepEqual(examples.map((e) => [e.id, e.sentence1]), [["c", ""]]);
  assert.deepEqual(skipped.map((s) => s.line), [2, 3]);
  assert.match(skipped[0].reason, /missing id/);
  assert.match(skipped[1].reason, /6 fields where the header has 5/);
});

Deno.test("parseQuora() throws naming the file and column when a needed column is missing", () => {
  assert.throws(
    () => parseQuora("\tid\tsentence1\n0\ta\tb\n", "cols.csv", { labelled: false }),
    /cols\.csv: no column "sentence2"/,
  );
});

Deno.test("loadQuora() lowercases both questions when lowercase is set", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "mini.csv");
    await Deno.writeTextFile(path, HEADER + "0\tq\t Why So? \tHOW?\t1.0\n");
    const { examples } = await loadQuora(path, { labelled: true, lowercase: true });
    assert.deepEqual(examples, [
      { id: "q", sentence1: "why so?", sentence2: "how?", label: 1, line: 2 },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseQuora() lists the header's columns when the label column is missing", () => {
  assert.throws(
    () => parseQuora("\tid\tsentence1\tsentence2\n0\ta\tb\tc\n", "nolabel.csv", { labelled: true }),
    /nolabel\.csv: no column "is_duplicate" in the header \(columns: "", "id", "sentence1", "sentence2"\)/,
  );
});
