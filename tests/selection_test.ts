/**
 * Selection without bias, end to end on a small random GPT-2: with `--select-on=heldout:F` the
 * engine never batches a held-out example, selects on those examples only, and looks at dev once
 * at the end; every run's summary reports the last epoch's dev scores and the selected epoch's
 * apart.
 */
import assert from "node:assert/strict";
import { testGpu } from "../kernels/testing.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { testDataDir } from "./fixture.ts";
import { createRunDir, readMetrics } from "../tasks/engine/run_dir.ts";
import { selectionSplit } from "../tasks/engine/selection.ts";
import type { TrainingTask } from "../tasks/engine/task.ts";
import { parseTrainArgs, type TrainConfig } from "../tasks/engine/train_config.ts";
import { train } from "../tasks/engine/trainer.ts";
import { createSentimentTask } from "../tasks/sentiment/sentiment_task.ts";
import { createSonnetTask } from "../tasks/sonnet/sonnet_task.ts";
import { smallModel } from "./small_model.ts";
import { testNeeds } from "./fixture.ts";
import { inTempDir } from "./temp_dir.ts";

const gpu = testGpu();
const quiet = () => {};

/** What a wrapped task was asked to do during a run. */
interface Calls {
  batched: number[];
  scored: number[][];
  devEvaluations: number;
}

/** The task with every call recorded. */
function recorded(task: TrainingTask, calls: Calls): TrainingTask {
  return {
    ...task,
    makeBatch(indices) {
      calls.batched.push(...indices);
      return task.makeBatch(indices);
    },
    evaluate() {
      calls.devEvaluations++;
      return task.evaluate();
    },
    evaluateExamples(indices, prefix) {
      calls.scored.push([...indices]);
      return task.evaluateExamples!(indices, prefix);
    },
  };
}

async function run(
  args: string[],
  create: (c: TrainConfig, m: GPT2) => Promise<TrainingTask>,
  out: string,
) {
  const config = parseTrainArgs([...args, `--data-dir=${testDataDir()}`, `--out=${out}`]);
  await createRunDir(out, config);
  const model = smallModel(await gpu(), 3);
  try {
    const calls: Calls = { batched: [], scored: [], devEvaluations: 0 };
    const task = await create(config, model);
    const result = await train({
      config,
      model,
      task: recorded(task, calls),
      runDir: out,
      log: quiet,
    });
    const summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
    return { config, calls, result, summary, metrics: await readMetrics(out) };
  } finally {
    model.dispose();
  }
}

// CFIMDB: its 488 test rows (predicted at the end) cost less than SST's 2,210.
const cfimdb = [
  "--task=cfimdb",
  "--strategy=full",
  "--limit=10",
  "--batch-size=2",
  "--epochs=2",
  "--max-length=8",
  "--eval-limit=6",
];
const sentiment = (c: TrainConfig, m: GPT2) => createSentimentTask(c, m, quiet);

const cfimdbFiles = testNeeds(import.meta.url).data(
  "ids-cfimdb-train.csv",
  "ids-cfimdb-dev.csv",
  "ids-cfimdb-test-student.csv",
);

Deno.test(
  "train() with --select-on=heldout never trains on the held-out examples and selects on them",
  cfimdbFiles,
  async () => {
    await inTempDir(async (dir) => {
      const r = await run([...cfimdb, "--select-on=heldout:0.3"], sentiment, dir);
      const { train: kept, heldout } = selectionSplit(
        10,
        { source: "heldout", fraction: 0.3 },
        11711,
      );
      assert.equal(heldout.length, 3);
      assert.ok(r.calls.batched.every((i) => !heldout.includes(i)), "a held-out example trained");
      assert.deepEqual([...new Set(r.calls.batched)].sort((a, b) => a - b), kept);
      assert.deepEqual(
        r.calls.scored,
        [heldout, heldout],
        "selection scored the held-out examples",
      );
      assert.equal(r.calls.devEvaluations, 1, "dev is looked at once, after the last epoch");
      assert.equal(r.metrics.length, 2);
      for (const m of r.metrics) {
        assert.equal(typeof m.heldout_accuracy, "number");
        assert.ok(!("dev_accuracy" in m), "no dev score during training");
      }
      assert.deepEqual(r.summary.select, { metric: "heldout_accuracy", mode: "max" });
      assert.equal(r.summary.select_on, "heldout:0.3");
      assert.equal(r.summary.heldout_examples, 3);
      const best = r.metrics.findIndex((m) =>
        m.best === true && m.heldout_accuracy === r.summary.bestMetric
      );
      assert.ok(best >= 0);
      assert.equal(r.summary.best_epoch, r.metrics.filter((m) => m.best === true).at(-1)!.epoch);
      assert.equal(typeof r.summary.last_epoch.dev_accuracy, "number");
      assert.equal(typeof r.summary.selected.dev_accuracy, "number");
      assert.deepEqual(r.result.selectedMetrics, r.summary.selected);
    });
  },
);

Deno.test(
  "train() with --select-on=dev reports the last epoch's and the best epoch's dev scores apart",
  cfimdbFiles,
  async () => {
    await inTempDir(async (dir) => {
      const r = await run([...cfimdb, "--select-on=dev"], sentiment, dir);
      assert.deepEqual(r.calls.scored, []);
      assert.equal(r.calls.devEvaluations, 2);
      assert.equal(r.summary.heldout_examples, 0);
      assert.equal(r.calls.batched.length, 20, "every example trains every epoch");
      const last = r.metrics.at(-1)!;
      const bestLine = r.metrics.filter((m) => m.best === true).at(-1)!;
      assert.equal(r.summary.last_epoch.dev_accuracy, last.dev_accuracy);
      assert.equal(r.summary.last_epoch.dev_loss, last.dev_loss);
      assert.equal(r.summary.best_epoch, bestLine.epoch);
      assert.equal(r.summary.selected.dev_accuracy, bestLine.dev_accuracy);
      assert.equal(
        r.summary.selected.dev_accuracy,
        Math.max(...r.metrics.map((m) => m.dev_accuracy as number)),
      );
    });
  },
);

Deno.test("the sonnet task selects on held-out training sonnets when asked", async () => {
  await inTempDir(async (dir) => {
    const r = await run(
      [
        "--task=sonnet",
        "--strategy=full",
        "--limit=4",
        "--batch-size=2",
        "--epochs=2",
        "--max-length=24",
        "--eval-limit=1",
        "--max-new-tokens=4",
        "--select-on=heldout:0.25",
      ],
      (c, m) => createSonnetTask(c, m, quiet),
      dir,
    );
    const { heldout } = selectionSplit(4, { source: "heldout", fraction: 0.25 }, 11711);
    assert.equal(heldout.length, 1);
    assert.ok(r.calls.batched.every((i) => i !== heldout[0]));
    assert.deepEqual(r.calls.scored, [heldout, heldout]);
    for (const m of r.metrics) {
      assert.ok((m.heldout_perplexity as number) > 1);
      assert.ok((m.heldout_token_accuracy as number) >= 0);
      assert.ok(!("dev_perplexity" in m));
    }
    assert.deepEqual(r.summary.select, { metric: "heldout_perplexity", mode: "min" });
    assert.equal(typeof r.summary.last_epoch.dev_perplexity, "number");
    assert.equal(typeof r.summary.selected.dev_perplexity, "number");
    assert.equal(typeof r.summary.selected.chrf, "number");
  });
});
