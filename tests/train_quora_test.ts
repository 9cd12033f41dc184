/**
 * End to end: `deno task train --task=quora` with each framing on `tiny` for a few steps writes
 * both prediction files with the right rows, and `deno task eval` reproduces the run's dev
 * numbers from the dev predictions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runEval } from "../tasks/cli/eval.ts";
import { runTraining } from "../tasks/cli/train.ts";
import { testDataFile, testNeeds } from "./fixture.ts";
import { readPredictions } from "../tasks/data/writers.ts";
import { QUORA_OUTPUTS } from "../tasks/paraphrase/paraphrase_task.ts";
import { inTempDir } from "./temp_dir.ts";

const needs = testNeeds(import.meta.url);
const quora = needs.data("quora-train.csv", "quora-dev.csv");

const DEV_ROWS = 8;
const TEST_ROWS = 5;

/**
 * A data folder: the real train file (with its two empty-label rows), the first 8 dev pairs as
 * the dev file, and the next 5 dev pairs without labels as a test file (the shared data folder
 * has no Quora test file).
 */
async function dataFolder(
  dir: string,
  withTest: boolean,
): Promise<{ dev: string[]; test: string[] }> {
  await Deno.symlink(testDataFile("quora-train.csv")!, join(dir, "quora-train.csv"));
  const lines = (await Deno.readTextFile(testDataFile("quora-dev.csv")!)).split("\n");
  const devLines = lines.slice(1, 1 + DEV_ROWS);
  const testLines = lines.slice(1 + DEV_ROWS, 1 + DEV_ROWS + TEST_ROWS);
  await Deno.writeTextFile(join(dir, "quora-dev.csv"), [lines[0], ...devLines, ""].join("\n"));
  if (withTest) {
    const unlabelled = testLines.map((l) => l.split("\t").slice(0, 4).join("\t"));
    await Deno.writeTextFile(
      join(dir, "quora-test-student.csv"),
      ["\tid\tsentence1\tsentence2", ...unlabelled, ""].join("\n"),
    );
  }
  const id = (l: string) => l.split("\t")[1];
  return { dev: devLines.map(id), test: testLines.map(id) };
}

/** The value printed after `label` in `deno task eval`'s report. */
function reported(text: string, label: RegExp): string {
  const m = label.exec(text);
  assert.ok(m, `${label} in:\n${text}`);
  return m[1];
}

for (const strategy of ["linear", "cloze", "taskc"]) {
  Deno.test(
    `quora ${strategy} trains on tiny, writes dev and test predictions, and eval reproduces its dev numbers`,
    quora,
    async () => {
      await inTempDir(async (dir) => {
        const ids = await dataFolder(dir, true);
        const out = join(dir, "run");
        const messages: string[] = [];
        const result = await runTraining([
          "--task=quora",
          `--strategy=${strategy}`,
          "--model=tiny",
          `--data-dir=${dir}`,
          "--limit=16",
          "--max-steps=2",
          "--batch-size=8",
          "--max-length=40",
          `--out=${out}`,
        ], { interrupt: { requested: false }, log: (m) => messages.push(m) });
        assert.equal(result.status, "completed");
        assert.equal(result.steps, 2);
        // the two empty-label rows of the real train file are reported with file and line
        const trainLog = messages.find((m) =>
          m.includes("quora-train.csv: loaded 15369, skipped 2")
        );
        assert.ok(trainLog, messages.join("\n"));
        assert.match(trainLog, /line 9066: missing label.*line 15343: missing label/);
        const metrics = (await Deno.readTextFile(join(out, "metrics.jsonl"))).trim().split("\n")
          .map((l) => JSON.parse(l));
        assert.equal(metrics.length, 1);
        for (
          const key of ["dev_accuracy", "dev_macro_f1", "dev_precision", "dev_recall", "dev_f1"]
        ) {
          assert.equal(typeof metrics[0][key], "number", key);
        }
        const reports = (await Deno.readTextFile(join(out, QUORA_OUTPUTS.reports))).trim().split(
          "\n",
        )
          .map((l) => JSON.parse(l));
        assert.equal(reports.length, 1);
        assert.equal(
          reports[0].confusion.flat().reduce((a: number, b: number) => a + b, 0),
          DEV_ROWS,
        );
        const dev = await readPredictions(join(out, QUORA_OUTPUTS.dev));
        const test = await readPredictions(join(out, QUORA_OUTPUTS.test));
        assert.equal(dev.header, "Predicted_Is_Paraphrase");
        assert.deepEqual(dev.rows.map((r) => r.id), ids.dev);
        assert.deepEqual(test.rows.map((r) => r.id), ids.test);
        assert.ok([...dev.rows, ...test.rows].every((r) => r.value === "0" || r.value === "1"));
        assert.match(
          await Deno.readTextFile(join(out, QUORA_OUTPUTS.dev)),
          /^id,Predicted_Is_Paraphrase\n/,
        );
        const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
        const text = await runEval([
          "--task=quora",
          `--pred=${join(out, QUORA_OUTPUTS.dev)}`,
          `--gold=${join(dir, "quora-dev.csv")}`,
        ]);
        const f = summary.selected;
        assert.equal(reported(text, /accuracy\s+(\S+)/), f.dev_accuracy.toFixed(4));
        assert.equal(reported(text, /macro F1\s+(\S+)/), f.dev_macro_f1.toFixed(4));
        assert.equal(
          reported(text, /paraphrase \(class 1\): precision (\S+),/),
          f.dev_precision.toFixed(4),
        );
        assert.equal(reported(text, /, recall (\S+),/), f.dev_recall.toFixed(4));
        assert.equal(reported(text, /, f1 (\S+)\n/), f.dev_f1.toFixed(4));
        assert.equal(
          f.dev_accuracy,
          result.bestMetric,
          "final predictions from the selected epoch",
        );
      });
    },
  );
}

Deno.test(
  "quora run says so and writes no test predictions when the data folder has no test file",
  quora,
  async () => {
    await inTempDir(async (dir) => {
      await dataFolder(dir, false);
      const out = join(dir, "run");
      const messages: string[] = [];
      await runTraining([
        "--task=quora",
        "--strategy=linear",
        "--model=tiny",
        `--data-dir=${dir}`,
        "--limit=8",
        "--max-steps=0",
        `--out=${out}`,
      ], { interrupt: { requested: false }, log: (m) => messages.push(m) });
      assert.ok(
        messages.some((m) => /quora-test-student\.csv not found: no test predictions/.test(m)),
      );
      assert.equal((await readPredictions(join(out, QUORA_OUTPUTS.dev))).rows.length, DEV_ROWS);
      await assert.rejects(Deno.stat(join(out, QUORA_OUTPUTS.test)), Deno.errors.NotFound);
    });
  },
);
