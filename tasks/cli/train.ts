/**
 * `deno task train --task=<name> [--strategy=<name>] [flags]`: fine-tunes GPT-2 on a task with
 * the study's settings (see `--help`), writes the run folder and prints a summary. Ctrl-C saves
 * a resumable checkpoint and exits with status 130; `--resume=<run folder>` continues it.
 *
 * Start-up validates the flags, the model and the data before the run folder is created, so a
 * failed start leaves nothing behind; one process at a time writes a run folder (`run.lock`).
 * Exit status: 0 done, 130 interrupted (resumable), 3 diverged (non-finite loss), 2 any other
 * error.
 *
 * @module
 */
import { acquireGpu } from "../../kernels/gpu.ts";
import { formatProfile, Profiler } from "../../kernels/profiler.ts";
import { loadModel } from "../../model/load.ts";
import { loadSavedAdapter } from "../../strategies/saved_adapter.ts";
import { DOWNLOADABLE_MODELS } from "../../model/hub.ts";
import { runCommand } from "./run_command.ts";
import { createProgress } from "../engine/progress.ts";
import { checkOutFolder, createRunDir } from "../engine/run_dir.ts";
import { resumedConfig } from "../engine/resume_flags.ts";
import { acquireRunLock, type RunLock } from "../engine/run_lock.ts";
import type { TrainingTask } from "../engine/task.ts";
import { findTask } from "../registry.ts";
import { formatSelectOn } from "../engine/selection.ts";
import { HelpRequested, parseTrainArgs, type TrainConfig } from "../engine/train_config.ts";
import { runSplit, train, TrainingDiverged, type TrainResult } from "../engine/trainer.ts";
import type { GPT2 } from "../../model/gpt2.ts";

/** Builds the task a configuration names, through the task registry. */
export async function createTask(
  config: TrainConfig,
  model: GPT2,
  log: (message: string) => void,
): Promise<TrainingTask> {
  return await findTask(config.task).create(config, model, log);
}

/**
 * Metrics as log lines, `  key: value`, per-class precision and recall left out. A metric with
 * `<key>_mean` and `<key>_sd` beside it (sonnet `--samples=N`) is one line: the first sample's
 * value, then the mean ± sample sd (n − 1) over the `samples` samples.
 *
 * @example
 * ```ts
 * formatMetricLines({ chrf: 30, chrf_mean: 31, chrf_sd: 1, samples: 3 });
 * // "  chrf: 30.0000 (sample 1); 31.0000 ± 1.0000 over 3 samples\n  samples: 3"
 * ```
 */
export function formatMetricLines(m: Record<string, number>): string {
  const value = (v: number) => Number.isInteger(v) ? String(v) : v.toFixed(4);
  const paired = (k: string) => `${k}_mean` in m && `${k}_sd` in m;
  const lines: string[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (/_(precision|recall)_\d+$/.test(k)) continue;
    const base = k.replace(/_(mean|sd)$/, "");
    if (base !== k && base in m && paired(base)) continue; // shown on its metric's line
    if (!paired(k)) {
      lines.push(`  ${k}: ${value(v)}`);
      continue;
    }
    const spread = `${m[`${k}_mean`].toFixed(4)} ± ${m[`${k}_sd`].toFixed(4)}`;
    lines.push(`  ${k}: ${value(v)} (sample 1); ${spread} over ${m.samples} samples`);
  }
  return lines.join("\n");
}

/**
 * The final log of a completed run: the selected checkpoint's dev scores and the last epoch's,
 * named apart (with `--select-on=heldout:F` the selected epoch was chosen without looking at dev).
 *
 * @example
 * ```ts
 * import { parseTrainArgs } from "../engine/train_config.ts";
 * const config = parseTrainArgs(["--task=sst", "--strategy=full", "--epochs=3"]);
 * const result = {
 *   status: "completed" as const, // as `train()` returns it
 *   steps: 12,
 *   bestMetric: 0.41,
 *   bestEpoch: 2,
 *   selectedMetrics: { dev_accuracy: 0.41 },
 *   lastEpochMetrics: { dev_accuracy: 0.39 },
 * };
 * console.log(formatRunEnd(result, config));
 * // done: 12 steps; outputs in runs/sst-full-…
 * // selected (epoch 2 of 3, chosen on dev):
 * //   dev_accuracy: 0.4100
 * // last epoch:
 * //   dev_accuracy: 0.3900
 * ```
 */
export function formatRunEnd(result: TrainResult, config: TrainConfig): string {
  const show = formatMetricLines;
  const on = config.selectOn?.source === "heldout"
    ? `held-out ${formatSelectOn(config.selectOn)}`
    : "dev";
  const chosen = result.bestEpoch === null
    ? "no evaluation: the last weights"
    : `epoch ${result.bestEpoch} of ${config.epochs}, chosen on ${on}`;
  return `done: ${result.steps} steps; outputs in ${config.out}\n` +
    `selected (${chosen}):\n${show(result.selectedMetrics)}\n` +
    `last epoch:\n${show(result.lastEpochMetrics)}`;
}

/** Options of {@link runTraining} (tests inject an interrupt). */
export interface RunOptions {
  /** Interrupt flag; Ctrl-C sets it when not given. */
  interrupt?: { requested: boolean };
  /** Messages (default stderr). */
  log?: (message: string) => void;
  /** Receives the progress display and the per-epoch lines (default stderr). */
  progressWrite?: (text: string) => void;
}

/**
 * Runs one training command line end to end and returns the trainer's result.
 *
 * @example
 * ```ts
 * const out = await Deno.makeTempDir(); // the run folder
 * const result = await runTraining([
 *   "--task=sonnet", "--model=tiny", "--max-steps=1", "--limit=2", "--eval-limit=1",
 *   "--max-new-tokens=4", `--out=${out}`,
 * ], { log: () => {} });
 * console.log(result.status, result.steps); // "completed" 1
 * ```
 */
export async function runTraining(argv: string[], options: RunOptions = {}): Promise<TrainResult> {
  const log = options.log ?? ((m: string) => console.error(m));
  // --profile is a switch of this command, not of the saved configuration.
  const profile = argv.includes("--profile");
  const args = argv.filter((a) => a !== "--profile");
  const resumed = await resumedConfig(args, log);
  const config = resumed ?? parseTrainArgs(args);
  const resume = config.resume;
  let lock: RunLock | null = null;
  if (resume !== null) {
    lock = await acquireRunLock(resume, log);
    log(`resuming ${resume} with its saved configuration`);
  } else {
    await checkOutFolder(config.out);
  }
  let model: GPT2 | null = null;
  let profiler: Profiler | null = null;
  const gpu = await acquireGpu();
  try {
    log(`adapter: ${gpu.describe()}`);
    if (profile) {
      profiler = new Profiler(gpu.device);
      gpu.profiler = profiler;
      profiler.start();
      log("--profile: every dispatch is timed (each in its own compute pass)");
    }
    const dropout = config.modelDropout;
    const loaded = await loadModel(config.model, {
      gpu,
      seed: config.seed,
      revision: config.revision,
      configOverrides: { embdPdrop: dropout, attnPdrop: dropout, residPdrop: dropout },
    }).catch((e) => Promise.reject(withOfflineHint(e, config)));
    model = loaded;
    if (config.adapter) {
      const adapter = await loadSavedAdapter(loaded, config.adapter);
      log(`--adapter: loaded ${adapter.kind} from ${config.adapter} (frozen)`);
    }
    checkMaxLength(config, loaded);
    const task = await createTask(config, loaded, log);
    runSplit(config, task); // --select-on must suit the task before anything is written
    if (resume === null) {
      // Everything is validated: only now does the run folder appear.
      await createRunDir(config.out, config);
      lock = await acquireRunLock(config.out, log);
    }
    return await trainWithCtrlC(config, loaded, task, options, log);
  } finally {
    if (profiler) {
      log(
        `\nprofile of the whole run (kernels, host buckets):\n${
          formatProfile(await profiler.report(gpu), 30)
        }`,
      );
      gpu.profiler = null;
      profiler.dispose();
    }
    model?.dispose();
    lock?.release();
  }
}

function checkMaxLength(config: TrainConfig, model: GPT2): void {
  const context = model.config.nPositions;
  if (config.maxLength !== null && config.maxLength > context) {
    throw new Error(
      `--max-length: the model's context is ${context} tokens, got ${
        JSON.stringify(String(config.maxLength))
      }`,
    );
  }
}

async function trainWithCtrlC(
  config: TrainConfig,
  model: GPT2,
  task: TrainingTask,
  options: RunOptions,
  log: (message: string) => void,
): Promise<TrainResult> {
  const resume = config.resume;
  const stepsPerEpoch = Math.max(
    1,
    Math.ceil(runSplit(config, task).train.length / config.batchSize),
  );
  const totalSteps = Math.max(
    1,
    Math.min(config.epochs * stepsPerEpoch, config.maxSteps ?? Infinity),
  );
  const progress = createProgress({
    totalEpochs: config.epochs,
    stepsPerEpoch,
    totalSteps,
    write: options.progressWrite,
  });
  const interrupt = options.interrupt ?? { requested: false };
  const onSigint = () => {
    if (interrupt.requested) Deno.exit(130);
    interrupt.requested = true;
    log(
      "\nCtrl-C: stopping after this step (or this part of the final outputs) with a " +
        "resumable checkpoint (again to quit at once)",
    );
  };
  if (!options.interrupt) Deno.addSignalListener("SIGINT", onSigint);
  try {
    const result = await train({
      config,
      model,
      task,
      runDir: config.out,
      progress,
      log,
      interrupt,
      resume: resume !== null,
    });
    if (result.status === "completed") log(formatRunEnd(result, config));
    else {
      log(`resume with: deno task train --resume=${config.out}`);
    }
    return result;
  } finally {
    if (!options.interrupt) Deno.removeSignalListener("SIGINT", onSigint);
  }
}

/** Adds the offline command to a failure to find a hub model's weights. */
function withOfflineHint(error: unknown, config: TrainConfig): unknown {
  if (!(DOWNLOADABLE_MODELS as readonly string[]).includes(config.model)) return error;
  return new Error(
    `${(error as Error).message} To try the toolkit offline now, train the small random model ` +
      `instead: deno task train --task=${config.task} --model=tiny`,
    { cause: error },
  );
}

if (import.meta.main) {
  await runCommand(Deno.args, null, async (argv) => {
    try {
      const result = await runTraining(argv);
      return result.status === "interrupted" ? 130 : 0;
    } catch (error) {
      if (error instanceof TrainingDiverged) {
        console.error(`error: ${error.message}`);
        return 3;
      }
      if (!(error instanceof HelpRequested)) throw error;
      const profileLine = `${"  --profile".padEnd(30)}print per-kernel device time and host time`;
      throw new HelpRequested(error.message.replace(/^ {2}--help, -h/m, `${profileLine}\n$&`));
    }
  });
}
