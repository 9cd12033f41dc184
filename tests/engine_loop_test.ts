/**
 * The shared training loop on a GPT-2 small enough to take 1,000 steps in seconds (vocabulary
 * 64, blocks of width 32, 16 positions; random token batches): GPU memory stays flat, and a
 * non-finite loss stops the run naming the step and the last good checkpoint.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { acquireGpu } from "../kernels/gpu.ts";
import { scale } from "../kernels/elementwise.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { lmLoss } from "../model/lm_loss.ts";
import { seededRandom } from "../model/sampling.ts";
import { createRunDir } from "../tasks/engine/run_dir.ts";
import type { TrainingTask } from "../tasks/engine/task.ts";
import { parseTrainArgs, type TrainConfig } from "../tasks/engine/train_config.ts";
import { train, TrainingDiverged } from "../tasks/engine/trainer.ts";
import { smallModel } from "./small_model.ts";
import { inTempDir } from "./temp_dir.ts";

const VOCAB = 64;
const SEQ = 8;

interface Batch {
  ids: Int32Array;
  mask: Float32Array;
  batch: number;
  seqLen: number;
}

/** A language-model task on `size` random sequences; `onStep` sees each step before its loss. */
function randomLmTask(
  model: GPT2,
  config: TrainConfig,
  size: number,
  onStep: (step: number) => number = () => 1,
): TrainingTask<Batch> {
  const random = seededRandom(7);
  const data = Array.from(
    { length: size },
    () => Int32Array.from({ length: SEQ }, () => Math.floor(random() * VOCAB)),
  );
  model.setTrainable(true);
  return {
    trainSize: size,
    makeBatch: (indices) => ({
      ids: Int32Array.from(indices.flatMap((i) => [...data[i]])),
      mask: new Float32Array(indices.length * SEQ).fill(1),
      batch: indices.length,
      seqLen: SEQ,
    }),
    loss(batch, ctx) {
      const { loss } = lmLoss(model, batch, { training: true, seed: ctx.seed });
      const factor = onStep(ctx.step);
      return { loss: factor === 1 ? loss : scale(loss, factor), tokens: batch.ids.length };
    },
    extraParams: () => new Map(),
    paramGroups: () => [{ params: model.trainable(), lr: config.lr, weightDecay: 0, name: "all" }],
    evaluate: () => Promise.resolve({ dev_loss: 1 }),
    finish: () => Promise.resolve({}),
  };
}

function configFor(out: string, flags: string[]): TrainConfig {
  const config = parseTrainArgs(["--task=sonnet", "--batch-size=1", `--out=${out}`, ...flags]);
  return { ...config, select: { metric: "dev_loss", mode: "min" } };
}

Deno.test("train() keeps GPU memory (pool + live) flat over 1,000 steps of a tiny GPT-2", async () => {
  await inTempDir(async (out) => {
    const gpu = await acquireGpu();
    const model = smallModel(gpu, 1, { vocabSize: VOCAB, nPositions: 16, nLayer: 1 });
    const config = configFor(out, ["--epochs=1", "--save-every=0", "--lr=1e-3"]);
    await createRunDir(out, config);
    const seen = new Map<number, number>();
    const task = randomLmTask(model, config, 1000, (step) => {
      const { liveBytes, pooledBytes } = gpu.memory();
      if (step % 100 === 0 || step === 999) seen.set(step, liveBytes + pooledBytes);
      return 1;
    });
    const result = await train({ config, model, task, runDir: out, log: () => {} });
    assert.equal(result.steps, 1000);
    const at100 = seen.get(100)!;
    for (const [step, bytes] of seen) {
      if (step >= 100) assert.equal(bytes, at100, `GPU bytes at step ${step} vs step 100`);
    }
    model.dispose();
  });
});

Deno.test("train() throws naming step, epoch and the last good checkpoint when the loss turns NaN", async () => {
  await inTempDir(async (out) => {
    const gpu = await acquireGpu();
    const model = smallModel(gpu, 1, { vocabSize: VOCAB, nPositions: 16 });
    const config = configFor(out, ["--epochs=2", "--save-every=2"]);
    await createRunDir(out, config);
    const task = randomLmTask(model, config, 4, (step) => (step === 6 ? NaN : 1));
    await assert.rejects(
      () => train({ config, model, task, runDir: out, log: () => {} }),
      (error: Error) => {
        assert.ok(error instanceof TrainingDiverged);
        assert.match(
          error.message,
          new RegExp(
            "the loss is NaN at step 7 \\(epoch 2, batch 3\\); the run stops\\. Last good " +
              `checkpoint: ${join(out, "checkpoint")} \\(step 6, resume with --resume=`,
          ),
        );
        return true;
      },
    );
    model.dispose();
  });
});
