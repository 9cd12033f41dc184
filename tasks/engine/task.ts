/**
 * What the shared training engine needs from a task: batches, a differentiable loss, extra
 * parameters (heads, prefixes, adapters), optimizer groups, dev evaluation and final outputs.
 * Sonnet, sentiment and paraphrase tasks each implement it.
 *
 * @module
 */
import type { ParamGroup } from "../../kernels/adamw.ts";
import type { Tensor } from "../../kernels/tensor.ts";
import type { GPT2 } from "../../model/gpt2.ts";
import type { FinishControl } from "./finish_control.ts";
import type { TaskDefaults, TrainConfig } from "./train_defaults.ts";

/** Context of one training step. */
export interface StepContext {
  /** 0-based optimizer step. */
  step: number;
  /** 0-based epoch. */
  epoch: number;
  /** Dropout seed of this step (derived from the run's seed and the step). */
  seed: number;
}

/** A differentiable loss and how many tokens it covered (for tokens/s). */
export interface StepLoss {
  /** Scalar loss (1-element tensor). */
  loss: Tensor;
  /** Tokens processed in the forward pass. */
  tokens: number;
}

/**
 * A task as the engine runs it. `B` is the task's host-side batch.
 */
export interface TrainingTask<B = unknown> {
  /** Number of training examples (after `--limit`). */
  readonly trainSize: number;
  /** Builds the host-side batch of the given training example indices. */
  makeBatch(indices: number[]): B;
  /** Forward pass and loss of a batch, in training mode (dropout on). */
  loss(batch: B, context: StepContext): StepLoss;
  /** Parameters beyond GPT-2's (a classification head, prefixes, LoRA), by unique name. */
  extraParams(): Map<string, Tensor>;
  /** Optimizer parameter groups (every trainable tensor in exactly one group). */
  paramGroups(): ParamGroup[];
  /** Called before each epoch (gradual unfreezing changes what trains here). */
  onEpochStart?(epoch: number): void;
  /** Dev metrics; must include the metric the run selects its best checkpoint by. */
  evaluate(): Promise<Record<string, number>>;
  /**
   * Metrics of the given training examples in evaluation mode (no dropout), keyed as
   * {@linkcode evaluate}'s with `prefix` in place of `dev` (`heldout_accuracy`,
   * `train_perplexity`, …). The engine calls it with the held-out examples to select on when
   * `--select-on=heldout:F`; learning tests call it on the examples that trained. A task without
   * it can only select on dev.
   */
  evaluateExamples?(indices: readonly number[], prefix: string): Promise<Record<string, number>>;
  /**
   * After training, with the best weights loaded: writes predictions or generations into the
   * run folder and returns the final metrics. Long work runs as `control.part(...)` so that
   * Ctrl-C stops it and `--resume` redoes only the parts not done (`control` is absent when the
   * caller needs neither).
   */
  finish(runDir: string, control?: FinishControl): Promise<Record<string, number>>;
}

/** How `deno task eval` scores a task's output files without a model. */
export interface TaskEvaluation {
  /** The file flags it takes, all required (e.g. `["pred", "gold"]`). */
  flags: readonly string[];
  /** Those of `flags` that may be given more than once (e.g. several generated samples). */
  repeatable?: readonly string[];
  /**
   * Reads the files named by those flags, scores them, and returns the report text. With
   * `strict`, what would be a warning about the files is an error. `files` holds each flag's
   * first value; `repeated` every value of a repeatable flag given more than once.
   */
  run(
    files: Readonly<Record<string, string>>,
    warn: (message: string) => void,
    options?: { strict?: boolean; repeated?: Readonly<Record<string, readonly string[]>> },
  ): Promise<string>;
}

/**
 * One entry of the task registry (`tasks/registry.ts`): everything `deno task train` and
 * `deno task eval` need to know about a task. A new task is a folder under `tasks/` exporting one
 * of these, plus one line in the registry.
 */
export interface TaskDefinition {
  /** The `--task` name. */
  name: string;
  /** One line for `--help` and the README. */
  summary: string;
  /** The task's rows of the defaults table, its selection metric and generation settings. */
  defaults: TaskDefaults;
  /** Builds the task for a run (loads data, attaches heads, sets which parameters train). */
  create(
    config: TrainConfig,
    model: GPT2,
    log: (message: string) => void,
  ): Promise<TrainingTask>;
  /** `deno task eval --task=<name>`. */
  evaluation: TaskEvaluation;
}
