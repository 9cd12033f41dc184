import assert from "node:assert/strict";
import { join } from "node:path";
import { testGpu } from "../../kernels/testing.ts";
import { loadCheckpointTensors } from "../../model/checkpoint.ts";
import { saveModel } from "../../model/load.ts";
import { smallModel } from "../../tests/small_model.ts";
import { testDataDir, testDataFile, testNeeds } from "../../tests/fixture.ts";
import { loadSentiment } from "../data/sentiment_data.ts";
import {
  createSentimentTask,
  SENTIMENT_TASKS,
  sentimentOutputs,
  sentimentSequences,
} from "./sentiment_task.ts";
import { parseTrainArgs } from "../engine/train_config.ts";
import { encode } from "../../model/tokenizer.ts";
import { runTraining } from "../cli/train.ts";
import { RUN_CHECKPOINTS } from "../engine/trainer.ts";
import { readPredictions } from "../data/writers.ts";

const gpu = testGpu();

Deno.test("sentimentSequences() keeps each sentence's first maxLength tokens and counts the cut", () => {
  const examples = [
    { id: "a", sentence: "Hello world", line: 2 },
    { id: "b", sentence: "Hello", line: 3 },
  ];
  assert.deepEqual(sentimentSequences(examples, 8), {
    sequences: [[15496, 995], [15496]],
    truncated: 0,
  });
  assert.deepEqual(sentimentSequences(examples, 1), {
    sequences: [[15496], [15496]],
    truncated: 1,
  });
});

Deno.test("createSentimentTask() lower-cases every sentence as CS224N unless --lowercase=false", {
  ignore: testDataFile(SENTIMENT_TASKS.sst.train) === null,
}, async () => {
  const path = testDataFile(SENTIMENT_TASKS.sst.train)!;
  const sentence = (await loadSentiment(path, { labelled: true })).examples[0].sentence;
  assert.notEqual(sentence, sentence.toLowerCase(), "the first SST sentence has capitals");
  const model = smallModel(await gpu(), 7);
  try {
    for (const [flag, text] of [["true", sentence.toLowerCase()], ["false", sentence]]) {
      const config = parseTrainArgs([
        "--task=sst",
        "--limit=1",
        `--lowercase=${flag}`,
        `--data-dir=${join(path, "..")}`,
      ]);
      const task = await createSentimentTask(config, model, () => {});
      assert.deepEqual([...task.makeBatch([0]).ids], encode(text), `--lowercase=${flag}`);
    }
  } finally {
    model.dispose();
  }
});

/** Saves the small random GPT-2 as an HF checkpoint folder and returns its tensors. */
async function smallCheckpoint(dir: string): Promise<Map<string, Float32Array>> {
  const model = smallModel(await gpu(), 7);
  await saveModel(model, dir);
  model.dispose();
  return (await loadCheckpointTensors(dir)).tensors;
}

/** Names of the tensors of the run's last (resumable) checkpoint that differ from `start`. */
async function movedTensors(runDir: string, start: Map<string, Float32Array>): Promise<string[]> {
  const { tensors } = await loadCheckpointTensors(join(runDir, RUN_CHECKPOINTS.resume));
  return [...start].filter(([name, data]) => tensors.get(name)!.some((v, i) => v !== data[i]))
    .map(([name]) => name);
}

/** Trains each strategy for 2 steps on `task` and checks the run folder. */
async function endToEnd(task: "sst" | "cfimdb", testRows: number): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: `sentiment-${task}-` });
  try {
    const modelDir = join(dir, "model");
    const start = await smallCheckpoint(modelDir);
    const testIds = (await loadSentiment(testDataFile(SENTIMENT_TASKS[task].test)!, {
      labelled: false,
    })).examples.map((e) => e.id);
    assert.equal(testIds.length, testRows);
    const strategies = ["full", "last-linear", "ulmfit", ...(task === "sst" ? ["lora"] : [])];
    for (const strategy of strategies) {
      const out = join(dir, strategy);
      // ulmfit: 8 examples at batch 8 = 1 step per epoch, so 2 steps cover epochs 0 and 1
      const limit = strategy === "ulmfit" ? 8 : 16;
      const messages: string[] = [];
      const result = await runTraining([
        `--task=${task}`,
        `--strategy=${strategy}`,
        `--model=${modelDir}`,
        `--data-dir=${testDataDir()}`,
        `--limit=${limit}`,
        "--eval-limit=8",
        "--max-steps=2",
        "--batch-size=8",
        "--max-length=48",
        "--select-on=dev", // one dev report per evaluation (held-out selection: tests/selection_test.ts)
        `--out=${out}`,
      ], { interrupt: { requested: false }, log: (m) => messages.push(m) });
      const where = `${task}/${strategy}`;
      assert.equal(result.status, "completed", where);
      assert.equal(result.steps, 2, where);
      assert.ok(messages.some((m) => /ids-\w+-train\.csv: loaded \d+, skipped 0/.test(m)), where);
      const metrics = (await Deno.readTextFile(join(out, "metrics.jsonl"))).trim().split("\n")
        .map((l) => JSON.parse(l));
      assert.equal(metrics.length, strategy === "ulmfit" ? 2 : 1, `${where} evaluations`);
      const K = SENTIMENT_TASKS[task].numClasses;
      for (const key of ["dev_accuracy", "dev_macro_f1", `dev_precision_${K - 1}`, "dev_loss"]) {
        assert.equal(typeof metrics[0][key], "number", `${where}: ${key}`);
      }
      const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
      assert.deepEqual(summary.select, { metric: "dev_accuracy", mode: "max" });
      assert.equal(
        summary.selected.dev_accuracy,
        result.bestMetric,
        `${where}: best weights at finish`,
      );
      const names = sentimentOutputs(task);
      const dev = await readPredictions(join(out, names.dev));
      const test = await readPredictions(join(out, names.test));
      assert.equal(dev.header, "Predicted_Sentiment");
      assert.equal(dev.rows.length, 8, `${where} dev rows`);
      assert.deepEqual(test.rows.map((r) => r.id), testIds, `${where} test ids`);
      assert.ok(test.rows.every((r) => /^\d$/.test(r.value) && Number(r.value) < K), where);
      assert.match(await Deno.readTextFile(join(out, names.test)), /^id,Predicted_Sentiment\n/);
      const report = JSON.parse(await Deno.readTextFile(join(out, names.report)));
      assert.equal(report.confusion.length, K);
      assert.equal(report.confusion.flat().reduce((a: number, b: number) => a + b, 0), 8);
      assert.equal(report.accuracy, summary.selected.dev_accuracy);
      const perEpoch = (await Deno.readTextFile(join(out, names.reports))).trim().split("\n");
      assert.equal(perEpoch.length, metrics.length, `${where}: one full report per evaluation`);
      const moved = await movedTensors(out, start);
      if (strategy === "full") assert.ok(moved.includes("h.0.attn.c_attn.weight"), where);
      if (strategy === "last-linear") assert.deepEqual(moved, [], `${where}: GPT-2 is frozen`);
      if (strategy === "lora") {
        assert.deepEqual(moved, [], `${where}: GPT-2 is frozen`);
        const config = JSON.parse(
          await Deno.readTextFile(join(out, "adapter/adapter_config.json")),
        );
        assert.deepEqual([config.peft_type, config.task_type], ["LORA", "SEQ_CLS"]);
        await Deno.stat(join(out, "adapter/adapter_model.safetensors"));
      }
      if (strategy === "ulmfit") {
        // epoch 0 trains the head, epoch 1 also h.1 and ln_f; h.0 and the embeddings stay frozen
        const unfrozen = [...start.keys()].filter((n) => /^(h\.1\.|ln_f\.)/.test(n));
        assert.deepEqual(moved, unfrozen, `${where}: exactly the unfrozen groups moved`);
        // the effective rate of every group per epoch: 0 while frozen, the group's rate after
        assert.equal(metrics[0].lr_embeddings, 0);
        assert.equal(metrics[0]["lr_h.1+ln_f"], 0);
        assert.ok(metrics[0].lr_head > 0 && metrics[1]["lr_h.1+ln_f"] > 0, where);
        assert.ok(metrics[1]["lr_h.1+ln_f"] < metrics[1].lr_head, `${where}: ÷2.6 below`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const needs = testNeeds(import.meta.url);
const files = (task: "sst" | "cfimdb") => {
  const { train, dev, test } = SENTIMENT_TASKS[task];
  return needs.data(train, dev, test);
};

Deno.test(
  "sentiment task runs full, last-linear, ulmfit and lora end to end on SST-5",
  files("sst"),
  async () => {
    await endToEnd("sst", 2210);
  },
);

Deno.test(
  "sentiment task runs full, last-linear and ulmfit end to end on CFIMDB",
  files("cfimdb"),
  async () => {
    await endToEnd("cfimdb", 488);
  },
);
