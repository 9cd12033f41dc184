/**
 * The training loop shared by every task: seeded data order, AdamW over the task's parameter
 * groups with a learning-rate schedule, gradient clipping, evaluation each epoch, the best
 * checkpoint kept by the task's metric on dev or on held-out training examples (`--select-on`),
 * resumable checkpoints (Ctrl-C, `--resume`), and the run folder's metrics and summary, which
 * reports the last epoch's dev scores and the selected epoch's apart.
 *
 * Reliability: the resumable checkpoint is saved every `--save-every` steps (default every
 * {@linkcode SAVE_EVERY_MINUTES} minutes) and at each epoch end, with the epoch's running loss
 * sums, so a resumed epoch reports the `train_loss` an uninterrupted one does; on `--resume`,
 * checkpoint folders stranded by a crash mid-save are repaired and `metrics.jsonl` is cut back to
 * the lines the checkpoint had seen. A non-finite loss stops the run naming the step and the last
 * good checkpoint ({@linkcode TrainingDiverged}); a loss far above its start is a warning. `best/`
 * is written at the first evaluation whatever its value. Ctrl-C stops after the current step, or
 * between the parts of the final outputs.
 *
 * @module
 */
import { join } from "node:path";
import { AdamW } from "../../kernels/adamw.ts";
import { backward, zeroGrad } from "../../kernels/autograd.ts";
import { clipGradNorm } from "../../kernels/clip.ts";
import type { GPT2 } from "../../model/gpt2.ts";
import { seededRandom } from "../../model/sampling.ts";
import { makeSchedule } from "../../strategies/schedules.ts";
import { pathExists } from "../../model/path_exists.ts";
import { repairCheckpoints } from "./checkpoint_repair.ts";
import { finishControl, FinishInterrupted } from "./finish_control.ts";
import type { ProgressReporter } from "./progress.ts";
import { appendMetrics, readMetrics, truncateMetrics, writeSummary } from "./run_dir.ts";
import {
  formatSelectOn,
  SELECT_ON_DEV,
  selectionMetric,
  type SelectionSplit,
  selectionSplit,
} from "./selection.ts";
import type { TrainingTask } from "./task.ts";
import type { TrainConfig } from "./train_config.ts";
import { SAVE_EVERY_MINUTES } from "./train_defaults.ts";
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

/** A loss this many times its first value gets a warning (the run may be diverging). */
export const LOSS_WARN_FACTOR = 4;

/** Thrown when a training loss is not finite: names the step and the last good checkpoint. */
export class TrainingDiverged extends Error {
  /** An error with `message` (naming the step and the last good checkpoint). */
  constructor(message: string) {
    super(message);
    this.name = "TrainingDiverged";
  }
}

/** The loop state saved in the resumable checkpoint (`train_state.json`). */
interface LoopState {
  step: number;
  /** Epoch in progress (0-based) and batches of it taken. */
  epoch: number;
  batchInEpoch: number;
  bestMetric: number | null;
  /** 1-based epoch of the kept checkpoint (null: none yet). */
  bestEpoch: number | null;
  totalSteps: number;
  /** Running sums of the epoch in progress. */
  lossSum: number;
  lossCount: number;
  tokens: number;
  epochSeconds: number;
  /** Per optimizer group, the sum of its effective rate over the epoch's steps. */
  rateSums: number[];
  /** Lines of metrics.jsonl written when the state was saved. */
  metricsRecords: number;
  /** Step of the last evaluation (-1: none). */
  lastEvalStep: number;
  /** The run's first step loss (for the divergence warning). */
  firstLoss: number | null;
}

/**
 * The run's split of the training examples for `config.selectOn` (every example trains when
 * selecting on dev). Throws naming the flag when the task cannot score held-out examples.
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * import { findTask } from "../registry.ts";
 * import { parseTrainArgs } from "./train_config.ts";
 * const config = parseTrainArgs(["--task=sonnet", "--model=tiny", "--select-on=heldout:0.1"]);
 * const model = await loadModel(config.model);
 * const task = await findTask(config.task).create(config, model, () => {});
 * const { train, heldout } = runSplit(config, task); // heldout: what selection is scored on
 * console.log(train.length, heldout.length); // 118 13: 10% of the 131 sonnets held out
 * model.dispose();
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

function startEpoch(s: LoopState, epoch: number): void {
  Object.assign(s, { epoch, batchInEpoch: 0, lossSum: 0, lossCount: 0, tokens: 0 });
  s.epochSeconds = 0;
  s.rateSums = s.rateSums.map(() => 0);
}

function num(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** Restores the saved loop state; older checkpoints lack the running sums (taken as empty). */
function loopStateFrom(saved: Record<string, unknown>, fresh: LoopState, records: number) {
  const s: LoopState = { ...fresh };
  s.step = num(saved.step, 0);
  s.epoch = num(saved.epoch, 0);
  s.batchInEpoch = num(saved.batchInEpoch, 0);
  s.bestMetric = typeof saved.bestMetric === "number" && Number.isFinite(saved.bestMetric)
    ? saved.bestMetric
    : null;
  s.bestEpoch = typeof saved.bestEpoch === "number" ? saved.bestEpoch : null;
  s.lossSum = num(saved.lossSum, 0);
  s.lossCount = num(saved.lossCount, 0);
  s.tokens = num(saved.tokens, 0);
  s.epochSeconds = num(saved.epochSeconds, 0);
  if (Array.isArray(saved.rateSums)) {
    s.rateSums = fresh.rateSums.map((_, i) => num((saved.rateSums as unknown[])[i], 0));
  }
  s.metricsRecords = num(saved.metricsRecords, records);
  s.lastEvalStep = num(saved.lastEvalStep, -1);
  s.firstLoss = typeof saved.firstLoss === "number" ? saved.firstLoss : null;
  return s;
}

/**
 * Runs training to the end (or to an interrupt), then the task's final outputs with the best
 * weights.
 */
export async function train(options: TrainerOptions): Promise<TrainResult> {
  const { config, model, task, runDir } = options;
  const log = options.log ?? ((m: string) => console.error(m));
  const stopAsked = () => options.interrupt?.requested ?? false;
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
  let s: LoopState = {
    step: 0,
    epoch: 0,
    batchInEpoch: 0,
    bestMetric: null,
    bestEpoch: null,
    totalSteps,
    lossSum: 0,
    lossCount: 0,
    tokens: 0,
    epochSeconds: 0,
    rateSums: groups.map(() => 0),
    metricsRecords: 0,
    lastEvalStep: -1,
    firstLoss: null,
  };
  let savedStep: number | null = null;
  // Dev metrics of the last evaluation when it scored dev (not held-out examples).
  let lastEvalDev: Record<string, number> | null = null;
  if (options.resume) {
    for (const m of await repairCheckpoints(runDir, Object.values(RUN_CHECKPOINTS))) log(m);
    if (await pathExists(resumeDir)) {
      const saved = await loadResumeState(resumeDir);
      await restoreWeights(resumeDir, model, extras);
      optimizer.importState(saved.optimizer);
      s = loopStateFrom(saved.state, { ...s }, (await readMetrics(runDir)).length);
      s.totalSteps = totalSteps;
      savedStep = s.step;
      log(`resumed at step ${s.step} (epoch ${s.epoch + 1}, batch ${s.batchInEpoch})`);
    } else {
      log(`${resumeDir} was never saved (the run stopped before its first save): from step 0`);
    }
    // Every per-evaluation log (metrics.jsonl, a task's dev_reports.jsonl) is cut back alike.
    const logs: string[] = [];
    for await (const e of Deno.readDir(runDir)) {
      if (e.isFile && e.name.endsWith(".jsonl")) logs.push(e.name);
    }
    for (const name of logs.sort()) {
      const dropped = await truncateMetrics(runDir, s.metricsRecords, name);
      if (dropped > 0) log(`${name}: removed ${dropped} line(s) written after the checkpoint`);
    }
  }
  let lastSaveTime = performance.now();
  const saveResumable = async () => {
    await saveTrainingCheckpoint(resumeDir, model, extras, { optimizer, state: { ...s } });
    savedStep = s.step;
    lastSaveTime = performance.now();
  };
  const saveDue = () =>
    config.saveEvery === null || config.saveEvery === undefined
      ? performance.now() - lastSaveTime >= SAVE_EVERY_MINUTES * 60_000
      : config.saveEvery > 0 && s.step % config.saveEvery === 0;
  // Per optimizer group, the epoch's mean effective rate (0 while frozen), from s.rateSums.
  const effectiveRates = (steps: number) =>
    Object.fromEntries(groups.map((g, i) => [
      `lr_${g.name ?? i}`,
      (s.rateSums[i] ?? 0) / Math.max(1, steps),
    ]));
  const evaluate = async (
    epoch: number,
    trainLoss: number,
    seconds: number,
    tokens: number,
    rates: Record<string, number> = {},
  ) => {
    const metrics = await selectionMetrics(task, split);
    s.lastEvalStep = s.step;
    lastEvalDev = split.heldout.length === 0 ? metrics : null;
    const value = metrics[selectKey];
    const isBest = better(value, s.bestMetric, config.select.mode);
    const first = !(await pathExists(bestDir));
    if (isBest) {
      s.bestMetric = value;
      s.bestEpoch = epoch + 1;
    }
    if (isBest || first) await saveTrainingCheckpoint(bestDir, model, extras, undefined, s.step);
    await appendMetrics(runDir, {
      epoch: epoch + 1,
      step: s.step,
      train_loss: trainLoss,
      tokens_per_second: tokens / Math.max(seconds, 1e-9),
      epoch_seconds: seconds,
      ...rates,
      ...metrics,
      best: isBest || first,
    });
    s.metricsRecords++;
    const shown = Object.entries(metrics)
      .filter(([k]) => !/_(precision|recall)_\d+$/.test(k)) // per-class values: see metrics.jsonl
      .map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ");
    options.progress?.log(`epoch ${epoch + 1}: train loss ${trainLoss.toFixed(4)}; ${shown}`);
  };
  const diverged = (value: number, epoch: number, b: number) => {
    const last = savedStep === null
      ? "none saved yet"
      : `${resumeDir} (step ${savedStep}, resume with --resume=${runDir})`;
    return new TrainingDiverged(
      `training diverged: the loss is ${value} at step ${s.step + 1} (epoch ${epoch + 1}, ` +
        `batch ${b + 1}); the run stops. Last good checkpoint: ${last}` +
        (s.bestMetric === null ? "" : `; best weights so far in ${bestDir}`) +
        `. Try a lower --lr (it is ${config.lr}) or --grad-clip`,
    );
  };
  let warned = false;
  const interrupted = (where: string): TrainResult => {
    options.progress?.done();
    log(`interrupted ${where}: resumable checkpoint at step ${s.step} in ${resumeDir}`);
    optimizer.dispose();
    return {
      status: "interrupted" as const,
      steps: s.step,
      bestMetric: s.bestMetric,
      bestEpoch: s.bestEpoch,
      selectedMetrics: {},
      lastEpochMetrics: {},
    };
  };
  for (let epoch = s.epoch; epoch < config.epochs && s.step < totalSteps; epoch++) {
    if (epoch !== s.epoch) startEpoch(s, epoch);
    task.onEpochStart?.(epoch);
    const order = epochOrder(split.train.length, config.seed, epoch).map((i) => split.train[i]);
    const t0 = performance.now() - s.epochSeconds * 1000;
    const elapsed = () => (performance.now() - t0) / 1000;
    for (let b = s.batchInEpoch; b < stepsPerEpoch && s.step < totalSteps; b++) {
      const batch = task.makeBatch(order.slice(b * config.batchSize, (b + 1) * config.batchSize));
      const multiplier = schedule(s.step, totalSteps);
      groups.forEach((g, i) => {
        g.lr = baseLr[i] * multiplier;
        if (g.params.some((p) => p.requiresGrad)) s.rateSums[i] = (s.rateSums[i] ?? 0) + g.lr;
      });
      const { value, count } = await gpu.scopeAsync(async () => {
        const { loss, tokens } = task.loss(batch, {
          step: s.step,
          epoch,
          seed: stepSeed(config.seed, s.step),
        });
        backward(loss);
        const trainable = groups.flatMap((g) => g.params).filter((p) => p.grad);
        if (config.gradClip > 0) clipGradNorm(trainable, config.gradClip);
        optimizer.step();
        zeroGrad(trainable);
        return { value: await loss.item(), count: tokens };
      });
      if (!Number.isFinite(value)) {
        optimizer.dispose();
        throw diverged(value, epoch, b);
      }
      s.firstLoss ??= value;
      if (!warned && value > LOSS_WARN_FACTOR * s.firstLoss) {
        warned = true;
        options.progress?.log(
          `warning: the loss ${value.toPrecision(5)} at step ${s.step + 1} is far above its ` +
            `start (${s.firstLoss.toPrecision(5)}): the run may be diverging (--lr ${config.lr})`,
        );
      }
      s.step++;
      s.batchInEpoch = b + 1;
      s.lossSum += value;
      s.lossCount++;
      s.tokens += count;
      options.progress?.update({ epoch, step: b + 1, loss: value, tokens: count });
      s.epochSeconds = elapsed();
      if (stopAsked()) {
        await saveResumable();
        return interrupted(`at step ${s.step}`);
      }
      if (b + 1 < stepsPerEpoch && s.step < totalSteps && saveDue()) await saveResumable();
    }
    const seconds = elapsed();
    const epochDone = s.batchInEpoch >= stepsPerEpoch;
    const due = (epoch + 1) % config.evalEveryEpochs === 0 || s.step >= totalSteps;
    if ((epochDone || s.step >= totalSteps) && due && s.lastEvalStep !== s.step) {
      const rates = effectiveRates(s.lossCount);
      await evaluate(epoch, s.lossSum / Math.max(1, s.lossCount), seconds, s.tokens, rates);
    }
    if (epochDone) startEpoch(s, epoch + 1);
    await saveResumable();
    if (stopAsked()) return interrupted(`after epoch ${epoch + 1}`);
  }
  options.progress?.done();
  if (s.lastEvalStep !== s.step && s.step > 0 && !(await pathExists(bestDir))) {
    await evaluate(config.epochs - 1, NaN, 0, 0);
    await saveResumable();
  }
  optimizer.dispose();
  const lastEpochMetrics = await lastEpochDev(task, lastEvalDev, s.lastEvalStep, s.step);
  if (await pathExists(bestDir)) await restoreWeights(bestDir, model, extras);
  let selectedMetrics: Record<string, number>;
  try {
    selectedMetrics = await task.finish(
      runDir,
      await finishControl(runDir, s.step, stopAsked, log),
    );
  } catch (error) {
    if (!(error instanceof FinishInterrupted)) throw error;
    log(`${error.message}: --resume redoes only the final outputs not written yet`);
    return interrupted("during the final outputs");
  }
  await writeSummary(runDir, {
    task: config.task,
    strategy: config.strategy,
    steps: s.step,
    select: { ...config.select, metric: selectKey },
    select_on: formatSelectOn(selectOn),
    heldout_examples: split.heldout.length,
    best_epoch: s.bestEpoch,
    bestMetric: s.bestMetric,
    last_epoch: lastEpochMetrics,
    selected: selectedMetrics,
  });
  return {
    status: "completed",
    steps: s.step,
    bestMetric: s.bestMetric,
    bestEpoch: s.bestEpoch,
    selectedMetrics,
    lastEpochMetrics,
  };
}

/**
 * Dev metrics of the weights after the last epoch: the last evaluation's when it scored dev at
 * the last step, else one dev evaluation now (the first look at dev when selecting on held-out
 * examples, or after a resume).
 */
async function lastEpochDev(
  task: TrainingTask,
  lastDev: Record<string, number> | null,
  lastEvalStep: number,
  step: number,
): Promise<Record<string, number>> {
  if (lastDev && lastEvalStep === step) return lastDev;
  return await task.evaluate();
}
