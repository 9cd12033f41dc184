import assert from "node:assert/strict";
import { join } from "node:path";
import { testDataFile, testNeeds } from "../../tests/fixture.ts";
import {
  CFIMDB_NUM_CLASSES,
  loadSentiment,
  parseSentiment,
  SST_NUM_CLASSES,
} from "./sentiment_data.ts";

const needs = testNeeds(import.meta.url);
const real = (name: string) => testDataFile(name)!;

/** Count of each label, as a plain object, for comparison with counts taken by awk. */
function labelCounts(labels: (number | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of labels) counts[String(l)] = (counts[String(l)] ?? 0) + 1;
  return counts;
}

Deno.test(
  "loadSentiment() keeps all 8,544 rows with awk's label counts when reading SST train",
  needs.data("ids-sst-train.csv"),
  async () => {
    const { examples, skipped } = await loadSentiment(real("ids-sst-train.csv"), {
      labelled: true,
      numClasses: SST_NUM_CLASSES,
    });
    assert.equal(examples.length, 8544);
    assert.deepEqual(skipped, []);
    assert.deepEqual(labelCounts(examples.map((e) => e.label)), {
      "0": 1092,
      "1": 2218,
      "2": 1624,
      "3": 2322,
      "4": 1288,
    });
    const first = examples[0];
    assert.equal(first.id, "32a4f146782cbde1b7fa65799");
    assert.equal(first.label, 3);
    assert.equal(first.line, 2);
    assert.ok(first.sentence.startsWith("The Rock is destined"), first.sentence);
  },
);

Deno.test(
  "loadSentiment() keeps all 1,101 rows when reading SST dev",
  needs.data("ids-sst-dev.csv"),
  async () => {
    const { examples, skipped } = await loadSentiment(real("ids-sst-dev.csv"), {
      labelled: true,
      numClasses: SST_NUM_CLASSES,
    });
    assert.equal(examples.length, 1101);
    assert.deepEqual(skipped, []);
    assert.deepEqual(labelCounts(examples.map((e) => e.label)), {
      "0": 139,
      "1": 289,
      "2": 229,
      "3": 279,
      "4": 165,
    });
  },
);

Deno.test(
  "loadSentiment() reads 2,210 unlabelled rows by column name when reading SST test",
  needs.data("ids-sst-test-student.csv"),
  async () => {
    const { examples, skipped } = await loadSentiment(real("ids-sst-test-student.csv"), {
      labelled: false,
    });
    assert.equal(examples.length, 2210);
    assert.deepEqual(skipped, []);
    assert.deepEqual(examples[0], {
      id: "b7573736a6ddf7be102b7fee0",
      sentence: "Effective but too-tepid biopic",
      line: 2,
    });
    assert.equal(examples[2209].id, "95d5aedb8dbdfdcb4705f5e14");
  },
);

Deno.test(
  "loadSentiment() throws naming the column when a test file is read as labelled",
  needs.data("ids-sst-test-student.csv"),
  async () => {
    await assert.rejects(
      loadSentiment(real("ids-sst-test-student.csv"), { labelled: true }),
      /ids-sst-test-student\.csv: no column "sentiment"/,
    );
  },
);

Deno.test(
  "loadSentiment() reads CFIMDB train, dev and test with 1,707 / 245 / 488 rows",
  needs.data("ids-cfimdb-train.csv", "ids-cfimdb-dev.csv", "ids-cfimdb-test-student.csv"),
  async () => {
    const opts = { labelled: true, numClasses: CFIMDB_NUM_CLASSES };
    const train = await loadSentiment(real("ids-cfimdb-train.csv"), opts);
    const dev = await loadSentiment(real("ids-cfimdb-dev.csv"), opts);
    const test = await loadSentiment(real("ids-cfimdb-test-student.csv"), { labelled: false });
    assert.deepEqual(
      [train.examples.length, dev.examples.length, test.examples.length],
      [1707, 245, 488],
    );
    assert.deepEqual([...train.skipped, ...dev.skipped, ...test.skipped], []);
    assert.deepEqual(labelCounts(train.examples.map((e) => e.label)), { "0": 856, "1": 851 });
    assert.deepEqual(labelCounts(dev.examples.map((e) => e.label)), { "0": 123, "1": 122 });
    // Line 3 of the train file is a quoted field opening with doubled quotes.
    assert.equal(train.examples[1].id, "40c20f9a5a33fc7289518b5fb");
    assert.ok(train.examples[1].sentence.startsWith('""" I vaguely remember Ben'));
  },
);

const HEADER = "\tid\tsentence\tsentiment\n";

Deno.test("parseSentiment() skips and reports rows when labels are missing, non-numeric or out of range", () => {
  const text = HEADER +
    "0\ta\tgood row\t4\n" +
    "1\tb\tempty label\t\n" +
    "2\tc\tno label column\n" +
    "3\td\tword label\tpositive\n" +
    "4\te\tfloat label\t2.0\n" +
    "5\tf\ttoo big\t5\n" +
    "6\tg\tnegative\t-1\n" +
    "7\th\tpadded label\t 2 \n";
  const { examples, skipped } = parseSentiment(text, "bad.csv", {
    labelled: true,
    numClasses: 5,
  });
  assert.deepEqual(examples, [
    { id: "a", sentence: "good row", label: 4, line: 2 },
    { id: "h", sentence: "padded label", label: 2, line: 9 },
  ]);
  assert.deepEqual(skipped.map((s) => s.line), [3, 4, 5, 6, 7, 8]);
  assert.match(skipped[0].reason, /missing label.*"sentiment" is empty/);
  assert.match(skipped[1].reason, /missing label.*"sentiment" is absent/);
  assert.match(skipped[2].reason, /non-numeric label "positive"/);
  assert.match(skipped[3].reason, /non-numeric label "2\.0"/);
  assert.match(skipped[4].reason, /label 5 .* outside 0\.\.4/);
  assert.match(skipped[5].reason, /label -1 .* outside 0\.\.4/);
});

Deno.test("parseSentiment() decodes doubled quotes and quoted tabs when sentences are quoted", () => {
  const text = HEADER + '0\ta\t"He said ""wow"" ."\t1\n1\tb\t"left\tright"\t0\n';
  const { examples, skipped } = parseSentiment(text, "q.csv", { labelled: true, numClasses: 2 });
  assert.deepEqual(skipped, []);
  assert.deepEqual(examples.map((e) => e.sentence), ['He said "wow" .', "left\tright"]);
});

Deno.test("parseSentiment() skips rows when the sentence or id is empty or a tab is unquoted", () => {
  const text = HEADER + "0\ta\t \t1\n1\t\ttext\t1\n2\tc\tone\ttwo\t1\n3\td\tfine\t0\n";
  const { examples, skipped } = parseSentiment(text, "e.csv", { labelled: true, numClasses: 2 });
  assert.deepEqual(examples.map((e) => e.id), ["d"]);
  assert.deepEqual(skipped.map((s) => s.line), [2, 3, 4]);
  assert.match(skipped[0].reason, /missing sentence/);
  assert.match(skipped[1].reason, /missing id/);
  assert.match(skipped[2].reason, /5 fields where the header has 4/);
});

Deno.test("parseSentiment() ignores the label column and keeps bad labels when unlabelled", () => {
  const text = HEADER + "0\ta\tx\t\n1\tb\ty\tnope\n";
  const { examples, skipped } = parseSentiment(text, "u.csv", { labelled: false });
  assert.deepEqual(examples, [{ id: "a", sentence: "x", line: 2 }, {
    id: "b",
    sentence: "y",
    line: 3,
  }]);
  assert.deepEqual(skipped, []);
});

Deno.test("parseSentiment() lowercases sentences when lowercase is set", () => {
  const text = HEADER + "0\tA1\t The Rock .\t3\n";
  const { examples } = parseSentiment(text, "l.csv", { labelled: true, lowercase: true });
  assert.deepEqual(examples, [{ id: "A1", sentence: "the rock .", label: 3, line: 2 }]);
});

Deno.test("loadSentiment() reads a crafted file from disk when given its path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "mini.csv");
    await Deno.writeTextFile(path, HEADER + "0\tz\tfine\t1\n1\ty\tbad\tx\n");
    const { examples, skipped } = await loadSentiment(path, { labelled: true, numClasses: 2 });
    assert.deepEqual(examples.map((e) => e.id), ["z"]);
    assert.deepEqual(skipped.map((s) => s.line), [3]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
