/**
 * Learning checks for tasks and strategies: train a strategy through the real pipeline (command
 * line, task, engine, optimizer groups, schedule, unfreezing) on a handful of real training
 * examples with the `tiny` model, and measure the training examples' loss and accuracy (in
 * evaluation mode, through the task's `evaluateExamples`) before and after. A case passes when
 * the loss falls to at most `lossRatio` × its start and the accuracy metric, below `level`
 * before training, reaches it. A learning rate of zero, a frozen model, a schedule stuck at zero
 * or a pooling index that ignores the sentence fail. Labels that are wrong but consistent would
 * still be memorised: those are the data loaders' tests' business.
 *
 * A new task or strategy adds one {@linkcode LearningCase} to `tests/learning_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { acquireGpu } from "../kernels/gpu.ts";
import { loadModel } from "../model/load.ts";
import { createTask } from "../tasks/cli/train.ts";
import { testDataDir } from "./fixture.ts";
import { createRunDir } from "../tasks/engine/run_dir.ts";
import type { TrainingTask } from "../tasks/engine/task.ts";
import { parseTrainArgs } from "../tasks/engine/train_config.ts";
import { train } from "../tasks/engine/trainer.ts";

/** One learning check: a strategy's flags, the number of steps, and what it must reach. */
export interface LearningCase {
  /** `deno task train` flags: task, strategy, `--limit`, `--max-length`, `--lr`, `--epochs`, …
   * (`--model=tiny`, `--data-dir`, `--out` and `--select-on=dev` are added). */
  args: readonly string[];
  /** Key of `evaluateExamples(…, "train")` that must reach `level`, e.g. `train_accuracy`. */
  metric: string;
  /** Level the metric must reach after training (and be below before it). */
  level: number;
  /** The training examples' mean loss after training must be at most this × before. */
  lossRatio: number;
}

/** What {@linkcode measureLearning} measured. */
export interface LearningResult {
  /** `evaluateExamples(every training example, "train")` before the first step. */
  before: Record<string, number>;
  /** The same after the last step. */
  after: Record<string, number>;
  /** Training loss of every optimizer step, in order (dropout on). */
  stepLosses: number[];
}

/**
 * Trains `c` through the engine (dev evaluation and final outputs skipped: the weights stay the
 * last step's) and measures its training examples before and after.
 *
 * @example
 * Not run by the doc tests (`ignore`): it trains for over a minute on a CPU;
 * `tests/learning_test.ts` runs it for every task and strategy.
 *
 * ```ts ignore
 * const r = await measureLearning({
 *   args: ["--task=sonnet", "--strategy=full", "--limit=2", "--max-length=12", "--epochs=4"],
 *   metric: "train_token_accuracy",
 *   level: 0.5,
 *   lossRatio: 0.3,
 * });
 * console.log(r.before.train_loss, r.after.train_loss, r.stepLosses.length); // ≈ 10.8, lower, 4
 * ```
 */
export async function measureLearning(c: LearningCase): Promise<LearningResult> {
  const out = await Deno.makeTempDir({ prefix: "learning-" });
  const quiet = () => {};
  try {
    const config = parseTrainArgs([
      "--model=tiny",
      ...c.args,
      `--data-dir=${testDataDir()}`,
      `--out=${out}`,
      "--select-on=dev",
    ]);
    // One (skipped) evaluation, after the last epoch: the trainer then writes `best/` once, not
    // once per epoch (the whole file's system CPU time fell from 27.6 to 17.4 s with this).
    config.evalEveryEpochs = config.epochs;
    await createRunDir(out, config);
    const dropout = config.modelDropout;
    const model = await loadModel(config.model, {
      gpu: await acquireGpu(),
      seed: config.seed,
      configOverrides: { embdPdrop: dropout, attnPdrop: dropout, residPdrop: dropout },
    });
    try {
      const task = await createTask(config, model, quiet);
      if (!task.evaluateExamples) throw new Error(`${config.task}: no evaluateExamples()`);
      const all = Array.from({ length: task.trainSize }, (_, i) => i);
      const before = await task.evaluateExamples(all, "train");
      const stepLosses: number[] = [];
      // Each (skipped) evaluation reports a selection metric better than the one before (there is
      // one), so the kept checkpoint, which the trainer restores at the end, holds the last weights.
      let evaluations = 0;
      const better = () => ++evaluations * (config.select.mode === "max" ? 1 : -1);
      const trainOnly: TrainingTask = {
        ...task,
        evaluate: () => Promise.resolve({ [config.select.metric]: better() }),
        finish: () => Promise.resolve({}),
      };
      await train({
        config,
        model,
        task: trainOnly,
        runDir: out,
        log: quiet,
        progress: { update: (u) => void stepLosses.push(u.loss ?? NaN), log: quiet, done: quiet },
      });
      const after = await task.evaluateExamples(all, "train");
      return { before, after, stepLosses };
    } finally {
      model.dispose();
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

/**
 * Asserts that `r` shows learning as `c` states: the loss fell to at most `lossRatio` × its
 * start, and the metric went from below `level` to at least `level`. Messages carry the numbers.
 *
 * @example
 * ```ts
 * const c = { args: ["--task=sonnet"], metric: "train_token_accuracy", level: 0.5, lossRatio: 0.3 };
 * // (what measureLearning(c) returns)
 * const before = { train_loss: 10.8, train_token_accuracy: 0 };
 * const after = { train_loss: 1.2, train_token_accuracy: 0.9 };
 * assertLearned(c, { before, after, stepLosses: [10.8, 6.1, 1.9] }); // 1.2 ≤ 0.3 × 10.8; 0 < 0.5 ≤ 0.9
 * ```
 */
export function assertLearned(c: LearningCase, r: LearningResult): void {
  const where = `${c.args.join(" ")}: ${JSON.stringify({ before: r.before, after: r.after })}`;
  const [lossBefore, lossAfter] = [r.before.train_loss, r.after.train_loss];
  assert.ok(Number.isFinite(lossBefore) && Number.isFinite(lossAfter), `no train_loss: ${where}`);
  assert.ok(
    lossAfter <= c.lossRatio * lossBefore,
    `loss ${lossBefore.toFixed(4)} → ${lossAfter.toFixed(4)}, ratio ${
      (lossAfter / lossBefore).toFixed(3)
    } > ${c.lossRatio}: ${where}`,
  );
  assert.ok(r.before[c.metric] < c.level, `${c.metric} already ≥ ${c.level} untrained: ${where}`);
  assert.ok(r.after[c.metric] >= c.level, `${c.metric} below ${c.level} after training: ${where}`);
}
