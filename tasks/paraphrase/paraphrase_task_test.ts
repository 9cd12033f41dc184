import assert from "node:assert/strict";
import { join } from "node:path";
import { AdamW } from "../../kernels/adamw.ts";
import { backward, zeroGrad } from "../../kernels/autograd.ts";
import { testGpu } from "../../kernels/testing.ts";
import { loadModel } from "../../model/load.ts";
import { testDataFile, testNeeds } from "../../tests/fixture.ts";
import { smallModel } from "../../tests/small_model.ts";
import { parseTrainArgs } from "../engine/train_config.ts";
import { createParaphraseTask } from "./paraphrase_task.ts";

const gpu = testGpu();
const PAIRS = 16;
const needs = testNeeds(import.meta.url);

/** A data folder whose train and dev files are both the first 16 pairs of the real train file. */
async function sixteenPairs(dir: string): Promise<void> {
  const lines = (await Deno.readTextFile(testDataFile("quora-train.csv")!)).split("\n");
  const text = lines.slice(0, PAIRS + 1).join("\n") + "\n";
  await Deno.writeTextFile(join(dir, "quora-train.csv"), text);
  await Deno.writeTextFile(join(dir, "quora-dev.csv"), text);
}

/**
 * Trains a framing on the 16 pairs (one full batch per step, GPT-2's own dropout off) and returns
 * the first and last losses and the accuracy on those pairs afterwards.
 */
async function learn(strategy: string, flags: string[], steps: number) {
  const dir = await Deno.makeTempDir({ prefix: `quora-learn-${strategy}-` });
  try {
    await sixteenPairs(dir);
    const config = parseTrainArgs([
      "--task=quora",
      `--strategy=${strategy}`,
      "--model=tiny",
      `--data-dir=${dir}`,
      `--out=${dir}`,
      `--batch-size=${PAIRS}`,
      "--max-length=40",
      ...flags,
    ]);
    const g = await gpu();
    const model = await loadModel("tiny", {
      gpu: g,
      seed: 5,
      configOverrides: { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 },
    });
    const task = await createParaphraseTask(config, model, () => {});
    assert.equal(task.trainSize, PAIRS);
    const groups = task.paramGroups();
    const optimizer = new AdamW(groups);
    const batch = task.makeBatch(Array.from({ length: PAIRS }, (_, i) => i));
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      losses.push(
        await g.scopeAsync(async () => {
          const { loss } = task.loss(batch, { step, epoch: 0, seed: step + 1 });
          backward(loss);
          optimizer.step();
          zeroGrad(groups.flatMap((group) => group.params));
          return await loss.item();
        }),
      );
    }
    const metrics = await task.evaluate();
    optimizer.dispose();
    for (const p of task.extraParams().values()) p.dispose();
    model.dispose();
    const last = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
    return { first: losses[0], last, accuracy: metrics.dev_accuracy, losses };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(
  "quora linear framing learns 16 pairs when trained a few dozen steps",
  needs.data("quora-train.csv"),
  async () => {
    const r = await learn("linear", ["--lr=1e-3"], 20);
    assert.ok(r.last < 0.2 * r.first, `loss ${r.first} → ${r.last}: ${r.losses}`);
    assert.equal(r.accuracy, 1, `accuracy ${r.accuracy}`);
  },
);

Deno.test(
  "quora cloze framing learns 16 pairs when trained a few dozen steps",
  needs.data("quora-train.csv"),
  async () => {
    // full-vocabulary cross-entropy starts near ln 50257 ≈ 10.8; ranking yes/no needs far less
    const r = await learn("cloze", ["--lr=2e-3"], 16);
    assert.ok(r.last < 0.5 * r.first, `loss ${r.first} → ${r.last}: ${r.losses}`);
    assert.equal(r.accuracy, 1, `accuracy ${r.accuracy}`);
  },
);

Deno.test(
  "quora taskc recipe learns 16 pairs when trained a few dozen steps",
  needs.data("quora-train.csv"),
  async () => {
    // this loop applies no schedule: the recipe's other parts (mixed pooling, 3 dropout samples at
    // 0.2, label smoothing 0.1, layer-wise rates 0.5/1/2) all act
    // (smoothing 0.1 over 2 classes floors the loss at the entropy of (0.95, 0.05) ≈ 0.199)
    const r = await learn("taskc", ["--lr=1e-3"], 20);
    assert.ok(r.last < 0.5 * r.first, `loss ${r.first} → ${r.last}: ${r.losses}`);
    assert.equal(r.accuracy, 1, `accuracy ${r.accuracy}`);
  },
);

Deno.test("createParaphraseTask() throws naming the file when no pair of it is usable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "quora-empty-" });
  try {
    const header = "\tid\tsentence1\tsentence2\tis_duplicate\n";
    await Deno.writeTextFile(
      join(dir, "quora-train.csv"),
      header + "0\ta\tQ?\tR?\t\n1\tb\tQ?\tR?\tyes\n",
    );
    await Deno.writeTextFile(join(dir, "quora-dev.csv"), header + "0\tc\tQ?\tR?\t1.0\n");
    const config = parseTrainArgs(["--task=quora", `--data-dir=${dir}`, `--out=${dir}`]);
    const model = smallModel(await gpu(), 3); // the strategy attaches, then the data fail
    const log: string[] = [];
    try {
      await assert.rejects(
        createParaphraseTask(config, model, (m) => log.push(m)),
        /quora-train\.csv: no usable question pairs/,
      );
    } finally {
      model.dispose();
    }
    assert.match(
      log[0],
      /quora-train\.csv: loaded 0, skipped 2 \(line 2: missing label.*line 3: non-numeric label "yes"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
