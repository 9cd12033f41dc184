/**
 * The training loop shared by every task: seeded data order, AdamW over the task's parameter
 * groups with a learning-rate schedule, gradient clipping, evaluation each epoch, the best
 * checkpoint kept by the task's metric on dev or on held-out training examples (`--select-on`),
 * resumable checkpoints (Ctrl-C, `--resume`), and the run folder's metrics and summary, which
 * reports the last epoch's dev scores and the selected epoch's apart.
 *
 * @module
 */
import { join } from "node:path";
import { AdamW } from "../../kernels/adamw.ts";
import { backward, zeroGrad } from "../../kernels/autograd.ts";
import { clipGradNorm } from "../../kernels/clip.ts";
import { assertFiniteLoss } from "../../kernels/cross_entropy.ts";
import type { GPT2 } from "../../model/gpt2.ts";
import { seededRandom } from "../../model/sampling.ts";
import { makeSchedule } from "../../strategies/schedules.ts";
import type { ProgressReporter } from "./progress.ts";
import { appendMetrics, writeSummary } from "./run_dir.ts";
import {
  formatSelectOn,
  SELECT_ON_DEV,
  selectionMetric,
  type SelectionSplit,
  selectionSplit,
} from "./selection.ts";
import type { TrainingTask } from "./task.ts";
import type { TrainConfig } from "./train_config.ts";
import { loadResumeState, restoreWeights, saveTrainingCheckpoint } from "./training_checkpoint.ts";

/** Folders inside a run folder. */
export const RUN_CHECKPOINTS = { resume: "checkpoint", best: "best" } as const;

/** Inputs of {@link train}. */
export interface TrainerOptions {
  /** Resolved configuration. */
  config: TrainConfig;
  /** The model (its trainable flags set by the task/strategy). */
  model: GPT2;
  /** The task. */
  task: TrainingTask;
  /** The run folder (created by the caller). */
  runDir: string;
  /** Progress output (bar or periodic lines). */
  progress?: ProgressReporter;
  /** Informational messages. */
  log?: (message: string) => void;
  /** Set `requested` to stop after the current step with a resumable checkpoint (Ctrl-C). */
  interrupt?: { requested: boolean };
  /** Continue from the run folder's resumable checkpoint. */
  resume?: boolean;
}

/** Outcome of {@link train}. */
export interface TrainResult {
  /** Whether the run ended or was interrupted (resumable). */
  status: "completed" | "interrupted";
  /** Optimizer steps taken. */
  steps: number;
  /** Best value of the selection metric, on dev or held-out examples (null: never evaluated). */
  bestMetric: number | null;
  /** 1-based epoch of the kept checkpoint (null when never evaluated). */
  bestEpoch: number | null;
  /** Dev metrics of the kept (selected) checkpoint's final outputs (empty when interrupted). */
  selectedMetrics: Record<string, number>;
  /** Dev metrics of the weights after the last epoch (empty when interrupted). */
  lastEpochMetrics: Record<string, number>;
}

/** The order of training examples in an epoch: a seeded shuffle, the same on every run. */
export function epochOrder(size: number, seed: number, epoch: number): number[] {
  const random = seededRandom((seed * 1000003 + epoch * 7919) >>> 0);
  const order = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Dropout seed of a step: a function of the run's seed and the step only. */
export function stepSeed(seed: number, step: number): number {
  return (Math.imul(seed, 2654435761) + step * 40503) >>> 0;
}

/**
 * The run's split of the training examples for `config.selectOn` (every example trains when
 * selecting on dev). Throws naming the flag when the task cannot score held-out examples.
 *
 * @example
 * ```ts
 * const { train, heldout } = runSplit(config, task); // heldout: what selection is scored on
 * ```
 */
export function runSplit(config: TrainConfig, task: TrainingTask): SelectionSplit {
  const selectOn = config.selectOn ?? SELECT_ON_DEV;
  if (selectOn.source === "heldout" && !task.evaluateExamples) {
    throw new Error(
      `--select-on=${formatSelectOn(selectOn)}: task ${config.task} cannot score held-out ` +
        `training examples; use --select-on=dev`,
    );
  }
  return selectionSplit(task.trainSize, selectOn, config.seed);
}

/** The metrics the run selects on: dev, or the held-out training examples. */
function selectionMetrics(
  task: TrainingTask,
  split: SelectionSplit,
): Promise<Record<string, number>> {
  return split.heldout.length === 0 || !task.evaluateExamples
    ? task.evaluate()
    : task.evaluateExamples(split.heldout, "heldout");
}

function better(value: number, best: number | null, mode: "max" | "min"): boolean {
  if (!Number.isFinite(value)) return false;
  return best === null || (mode === "max" ? value > best : value < best);
}

/**
 * Runs training to the end (or to an interrupt), then the task's final outputs with the best
 * weights.
 */
export async function train(options: TrainerOptions): Promise<TrainResult> {
  const { config, model, task, runDir } = options;
  const log = options.log ?? ((m: string) => console.error(m));
  const gpu = model.gpu;
  const extras = task.extraParams();
  const groups = task.paramGroups();
  const baseLr = groups.map((g) => g.lr);
  const optimizer = new AdamW(groups, { betas: config.adamBetas, eps: config.adamEps });
  const split = runSplit(config, task);
  const selectOn = config.selectOn ?? SELECT_ON_DEV;
  const selectKey = selectionMetric(config.select.metric, selectOn);
  if (split.heldout.length > 0) {
    log(
      `selecting on ${split.heldout.length} held-out training examples (${selectKey}); ` +
        `${split.train.length} train; dev is scored at the end only`,
    );
  }
  const stepsPerEpoch = Math.ceil(split.train.length / config.batchSize);
  const totalSteps = Math.min(config.epochs * stepsPerEpoch, config.maxSteps ?? Infinity);
  const schedule = makeSchedule(config.schedule, {
    ...config.scheduleOptions,
    warmupSteps: config.warmup,
  });
  const resumeDir = join(runDir, RUN_CHECKPOINTS.resume);
  const bestDir = join(runDir, RUN_CHECKPOINTS.best);
  let step = 0;
  let startEpoch = 0;
  let startBatch = 0;
  let bestMetric: number | null = null;
  let bestEpoch: number | null = null;
  let lastEval: { step: number; dev: Record<string, number> | null } | null = null;
  if (options.resume) {
    const saved = await loadResumeState(resumeDir);
    await restoreWeights(resumeDir, model, extras);
    optimizer.importState(saved.optimizer);
    ({ step, epoch: startEpoch, batchInEpoch: startBatch } = saved.state as {
      step: number;
      epoch: number;
      batchInEpoch: number;
    });
    bestMetric = (saved.state.bestMetric as number | null) ?? null;
    bestEpoch = (saved.state.bestEpoch as number | null) ?? null;
    log(`resumed at step ${step} (epoch ${startEpoch + 1}, batch ${startBatch})`);
  }
  const saveResumable = (epoch: number, batchInEpoch: number) =>
    saveTrainingCheckpoint(resumeDir, model, extras, {
      optimizer,
      state: { step, epoch, batchInEpoch, bestMetric, bestEpoch, totalSteps },
    });
  // Per optimizer group, the sum over the epoch's steps of its effective rate (0 while frozen).
  let rateSums = groups.map(() => 0);
  const effectiveRates = (steps: number) =>
    Object.fromEntries(groups.map((g, i) => [
      `lr_${g.name ?? i}`,
      rateSums[i] / Math.max(1, steps),
    ]));
  const evaluate = async (
    epoch: number,
    trainLoss: number,
    seconds: number,
    tokens: number,
    rates: Record<string, number> = {},
  ) => {
    const metrics = await selectionMetrics(task, split);
    lastEval = { step, dev: split.heldout.length === 0 ? metrics : null };
    const value = metrics[selectKey];
    const isBest = better(value, bestMetric, config.select.mode);
    if (isBest) {
      bestMetric = value;
      bestEpoch = epoch + 1;
      await saveTrainingCheckpoint(bestDir, model, extras);
    }
    await appendMetrics(runDir, {
      epoch: epoch + 1,
      step,
      train_loss: trainLoss,
      tokens_per_second: tokens / Math.max(seconds, 1e-9),
      epoch_seconds: seconds,
      ...rates,
      ...metrics,
      best: isBest,
    });
    const shown = Object.entries(metrics)
      .filter(([k]) => !/_(precision|recall)_\d+$/.test(k)) // per-class values: see metrics.jsonl
      .map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ");
    options.progress?.log(`epoch ${epoch + 1}: train loss ${trainLoss.toFixed(4)}; ${shown}`);
  };
  for (let epoch = startEpoch; epoch < config.epochs && step < totalSteps; epoch++) {
    task.onEpochStart?.(epoch);
    const order = epochOrder(split.train.length, config.seed, epoch).map((i) => split.train[i]);
    const t0 = performance.now();
    let lossSum = 0;
    let lossCount = 0;
    let tokens = 0;
    rateSums = groups.map(() => 0);
    for (let b = epoch === startEpoch ? startBatch : 0; b < stepsPerEpoch; b++) {
      if (step >= totalSteps) break;
      const batch = task.makeBatch(order.slice(b * config.batchSize, (b + 1) * config.batchSize));
      const multiplier = schedule(step, totalSteps);
      groups.forEach((g, i) => {
        g.lr = baseLr[i] * multiplier;
        if (g.params.some((p) => p.requiresGrad)) rateSums[i] += g.lr;
      });
      const { value, count } = await gpu.scopeAsync(async () => {
        const { loss, tokens } = task.loss(batch, {
          step,
          epoch,
          seed: stepSeed(config.seed, step),
        });
        backward(loss);
        const trainable = groups.flatMap((g) => g.params).filter((p) => p.grad);
        if (config.gradClip > 0) clipGradNorm(trainable, config.gradClip);
        optimizer.step();
        zeroGrad(trainable);
        return { value: await loss.item(), count: tokens };
      });
      assertFiniteLoss(value, `step ${step + 1} (epoch ${epoch + 1}, batch ${b + 1})`);
      step++;
      lossSum += value;
      lossCount++;
      tokens += count;
      options.progress?.update({ epoch, step: b + 1, loss: value, tokens: count });
      if (options.interrupt?.requested) {
        await saveResumable(epoch, b + 1);
        options.progress?.done();
        log(`interrupted: resumable checkpoint at step ${step} in ${resumeDir}`);
        optimizer.dispose();
        return {
          status: "interrupted",
          steps: step,
          bestMetric,
          bestEpoch,
          selectedMetrics: {},
          lastEpochMetrics: {},
        };
      }
    }
    startBatch = 0;
    const seconds = (performance.now() - t0) / 1000;
    const epochDone = step % stepsPerEpoch === 0 || step >= totalSteps;
    if (epochDone && ((epoch + 1) % config.evalEveryEpochs === 0 || step >= totalSteps)) {
      await evaluate(
        epoch,
        lossSum / Math.max(1, lossCount),
        seconds,
        tokens,
        effectiveRates(lossCount),
      );
    }
    await saveResumable(epoch + 1, 0);
  }
  options.progress?.done();
  if ((lastEval as { step: number } | null)?.step !== step && step > 0 && bestMetric === null) {
    await evaluate(config.epochs - 1, NaN, 0, 0);
  }
  optimizer.dispose();
  const lastEpochMetrics = await lastEpochDev(task, lastEval, step);
  if (bestMetric !== null) await restoreWeights(bestDir, model, extras);
  const selectedMetrics = await task.finish(runDir);
  await writeSummary(runDir, {
    task: config.task,
    strategy: config.strategy,
    steps: step,
    select: { ...config.select, metric: selectKey },
    select_on: formatSelectOn(selectOn),
    heldout_examples: split.heldout.length,
    best_epoch: bestEpoch,
    bestMetric,
    last_epoch: lastEpochMetrics,
    selected: selectedMetrics,
  });
  return {
    status: "completed",
    steps: step,
    bestMetric,
    bestEpoch,
    selectedMetrics,
    lastEpochMetrics,
  };
}

/**
 * Dev metrics of the weights after the last epoch: the last evaluation's when it scored dev at
 * the last step, else one dev evaluation now (the first look at dev when selecting on held-out
 * examples).
 */
async function lastEpochDev(
  task: TrainingTask,
  lastEval: { step: number; dev: Record<string, number> | null } | null,
  step: number,
): Promise<Record<string, number>> {
  if (lastEval && lastEval.step === step && lastEval.dev) return lastEval.dev;
  return await task.evaluate();
}
