/**
 * The table of training defaults per task and strategy, assembled from the task registry: each
 * task folder holds its own rows (the study's numbers from SEED.md; where it gives none, the row's
 * `source` says what it borrows) and `tasks/registry.ts` lists the tasks, so `--help`, the README
 * table and `defaultConfig` all read one table. `train_config.ts` parses the command line that
 * overrides these values and re-exports everything here.
 *
 * Shared choices: model `gpt2` (the study's GPT-2 124M; `tiny` for smoke tests, or a folder with
 * an HF checkpoint); seed 11711 and weight decay 0 (the study follows the CS224N project, whose
 * scripts pass their AdamW only a learning rate: its default weight decay is 0.0, seed 11711);
 * AdamW betas (0.9, 0.999) and eps 1e-8 (PyTorch's); no gradient clipping (neither the study
 * nor CS224N clips; `--grad-clip N` turns it on); constant learning rate unless the strategy
 * names a schedule; no warm-up; evaluation every epoch; sequences up to the model's context.
 * The kept checkpoint is chosen on 10% of the training examples held out (`heldout:0.1`) unless
 * the row reproduces one of the study's experiments: those choose on dev, as the study did
 * (`--select-on` overrides either way).
 * `dropout` is the classification head's; `modelDropout` is GPT-2's own (embeddings, attention,
 * residuals: 0.1, as pretrained and as CS224N leaves it).
 *
 * @module
 */

import type { ScheduleName, ScheduleOptions } from "../../strategies/schedules.ts";
import { findStrategy, STRATEGIES } from "../../strategies/registry.ts";
import { TASKS } from "../registry.ts";
import { SELECT_ON_HELDOUT, type SelectOn } from "./selection.ts";

/** A `--task` name (one of {@linkcode TASK_NAMES}). */
export type TaskName = string;

/** The task names, in registry (and `--help`) order. */
export const TASK_NAMES: readonly TaskName[] = Object.freeze(TASKS.map((t) => t.name));

/** Strategy-specific settings (each strategy reads its own). */
export interface StrategyOptions {
  /** `last-blocks`: how many of the last blocks train (the study's sonnet baseline: 4). */
  lastBlocks?: number;
  /** Unlikelihood: weight α of the token-level unlikelihood term (Welleck et al. 2019: 1). */
  unlikelihoodWeight?: number;
  /** Unlikelihood negatives: `context` (Welleck et al.) or `window:K` (the study's K = 5). */
  unlikelihoodCandidates?: string;
  /** Prefix-tuning: virtual tokens per layer (Li & Liang 2021, table-to-text: 10). */
  prefixLength?: number;
  /** Prefix-tuning: hidden width of the reparametrisation MLP (Li & Liang: 512). */
  prefixHidden?: number;
  /** `prefix-offset`: where its offset is added, `final` or `blocks` (our reading of the study). */
  offsetAt?: string;
  /** LoRA rank r (PEFT's GPT-2 examples and the issue: 8). */
  loraRank?: number;
  /** LoRA scaling numerator α (the update is scaled by α / r): 16. */
  loraAlpha?: number;
  /** LoRA dropout on the adapter input: 0.05. */
  loraDropout?: number;
  /** LoRA target layers of each block (`c_attn`, `attn.c_proj`, `mlp.c_fc`, `mlp.c_proj`). */
  loraTargets?: string[];
  /** ULMFiT: each lower group's rate is the one above divided by this (2.6). */
  discriminativeFactor?: number;
  /** ULMFiT: transformer blocks per layer group (`--ulmfit-groups`; default: every group unfreezes). */
  ulmfitBlocksPerGroup?: number;
  /** Paraphrase framing: a classification head on "s1 SEP s2", or CS224N's cloze prompt. */
  framing?: "linear" | "cloze";
  /** Paraphrase `linear` framing: the literal text between the questions (`--separator`). */
  separator?: string;
  /** Paraphrase: question preprocessing (`--preprocess`): CS224N's or none. */
  preprocess?: "cs224n" | "none";
  /** Pooling (`--pooling`): weight of the masked mean, the last token gets 1 − this (Task C: 0.7). */
  poolMeanWeight?: number;
  /** Multi-sample dropout (`--msd-samples`): dropout masks averaged per example (Task C: 3). */
  dropoutSamples?: number;
  /** Layer-wise rates (`--lower-lr-scale` …): multipliers of lower blocks, upper blocks, head (Task C: 0.5, 1, 2). */
  lowerLayerScale?: number;
  /** See `lowerLayerScale`. */
  upperLayerScale?: number;
  /** See `lowerLayerScale`. */
  headScale?: number;
}

/** Sonnet generation settings (the study's controls; see `sonnet_controls.ts`). */
export interface GenerationSettings {
  /** Softmax temperature (CS224N's `sonnet_generation.py` default 1.2; 0 = greedy). */
  temperature: number;
  /** Nucleus mass (CS224N's default 0.9). */
  topP: number;
  /** Cap on new tokens per sonnet (200: enough for 11 lines; stopping at 14 lines ends earlier). */
  maxNewTokens: number;
  /** Stop once the sonnet has this many lines (14). */
  stopAtLines: number;
  /** Raise punctuation once a line has this many words (~8) … */
  punctuationAfterWords: number;
  /** … by this much (added to the logits). */
  punctuationBoost: number;
  /** Raise the newline once a line has this many words (~12) … */
  newlineAfterWords: number;
  /** … by this much. */
  newlineBoost: number;
  /** Repetition window penalty: window … */
  repetitionWindow: number;
  /** … and penalty; 1 = off (the default). */
  repetitionPenalty: number;
  /** Sonnets generated per prompt (`--samples`, default 1); the CS224N files keep the first. */
  samples: number;
}

/** What the best checkpoint is chosen by. */
export interface SelectMetric {
  /** Metric name as written to `metrics.jsonl`. */
  metric: string;
  /** Whether larger or smaller is better. */
  mode: "max" | "min";
}

/** A resolved training configuration (written to the run's `config.json`). */
export interface TrainConfig {
  /** `--task`. */
  task: TaskName;
  /** `--strategy` (a key of {@linkcode TASK_STRATEGIES}). */
  strategy: string;
  /** `--model`: `gpt2`, `tiny` (another preset) or an HF checkpoint folder. */
  model: string;
  /** `--revision`: the hub branch, tag or commit of a named `--model` (absent: `main`). */
  revision?: string;
  /** `--data-dir`, else `$GPT2_DATA_DIR`, else the data cache (`~/.cache/gpt2-webgpu/data`). */
  dataDir: string;
  /** `--out`: the run folder. */
  out: string;
  /** `--resume`: the run folder to continue, or null. */
  resume: string | null;
  /** `--adapter`: a saved adapter folder (LoRA, prefix or offset) loaded onto the base model. */
  adapter?: string;
  /** Passes over the training data. */
  epochs: number;
  /** Examples per optimizer step. */
  batchSize: number;
  /** Base learning rate (the top group's for discriminative/layer-wise rates). */
  lr: number;
  /** AdamW decoupled weight decay. */
  weightDecay: number;
  /** Classification head dropout (0 where there is no head). */
  dropout: number;
  /** GPT-2's own dropout (embeddings, attention probabilities, residual branches). */
  modelDropout: number;
  /** Cross-entropy label smoothing ε. */
  labelSmoothing: number;
  /** Seed of data order, dropout, initialisation and sampling. */
  seed: number;
  /** Stop after this many optimizer steps (null: run every epoch). */
  maxSteps: number | null;
  /**
   * Save the resumable checkpoint every this many steps as well as at epoch ends (0: only at
   * epoch ends; null: every {@linkcode SAVE_EVERY_MINUTES} minutes of training).
   */
  saveEvery: number | null;
  /** Use only the first N training examples (null: all). */
  limit: number | null;
  /** Evaluate on only the first N dev examples (null: all). */
  evalLimit: number | null;
  /** Truncate sequences to this many tokens (null: the model's context). */
  maxLength: number | null;
  /** Clip the global gradient norm to this (0: off). */
  gradClip: number;
  /** Learning-rate schedule (`strategies/schedules.ts`). */
  schedule: ScheduleName;
  /** Linear warm-up steps (for `constant`, `linear`, `cosine`). */
  warmup: number;
  /** The schedule's other options (`cutFrac`/`ratio` for slanted, `minLrRatio` for cosine). */
  scheduleOptions: ScheduleOptions;
  /** AdamW β1, β2. */
  adamBetas: [number, number];
  /** AdamW ε. */
  adamEps: number;
  /** Evaluate on dev every this many epochs (1). */
  evalEveryEpochs: number;
  /** The registry strategy the row uses (`strategies/registry.ts`). */
  uses: string;
  /** Whether the strategy has a classification head (`--dropout` applies). */
  hasHead: boolean;
  /** What the kept (best) checkpoint is chosen by. */
  select: SelectMetric;
  /** Where that metric is measured: dev (the study's way) or held-out training examples. */
  selectOn: SelectOn;
  /** Lower-case the text as CS224N's loader does (null: the task has no such choice). */
  lowercase: boolean | null;
  /** Strategy-specific settings. */
  options: StrategyOptions;
  /** Sonnet generation settings (null for the other tasks). */
  generation: GenerationSettings | null;
  /** Where the defaults come from (the table row's note). */
  source: string;
}

/** One row of the defaults table: a strategy's settings on one task. */
export interface StrategyDefaults {
  /** Passes over the training data. */
  epochs: number;
  /** Examples per optimizer step. */
  batchSize: number;
  /** Base learning rate. */
  lr: number;
  /** Classification head dropout (0 where there is no head). */
  dropout: number;
  /** The registry strategy it runs (default: the row's `--strategy` name). */
  uses?: string;
  /** Where the numbers come from (SEED.md, a paper, or what the row borrows). */
  source: string;
  /** Learning-rate schedule (default constant). */
  schedule?: ScheduleName;
  /** The schedule's options. */
  scheduleOptions?: ScheduleOptions;
  /** Cross-entropy label smoothing ε (default 0). */
  labelSmoothing?: number;
  /** Strategy-specific settings. */
  options?: StrategyOptions;
  /** False for a strategy without a classification head (default: the task's `hasHead`). */
  hasHead?: boolean;
  /** Where the kept checkpoint is chosen (default held-out 10%; the study's rows: dev). */
  selectOn?: SelectOn;
  /** Gradient clipping norm (default 0: off, as in the study). */
  gradClip?: number;
}

/** A task's part of the defaults table, held in the task's folder. */
export interface TaskDefaults {
  /** Its strategies' rows; the first is the task's default strategy. */
  strategies: Readonly<Record<string, StrategyDefaults>>;
  /** What the kept (best) checkpoint is chosen by. */
  select: SelectMetric;
  /** Whether its strategies have a classification head unless a row says otherwise. */
  hasHead: boolean;
  /** Generation settings (tasks that generate text), else null. */
  generation: Readonly<GenerationSettings> | null;
  /** Whether the task lower-cases its text by default (absent: `--lowercase` does not apply). */
  lowercase?: boolean;
}

/** Per task, its strategies; the first is the task's default. */
export const TASK_STRATEGIES: Readonly<Record<TaskName, readonly string[]>> = Object.freeze(
  Object.fromEntries(TASKS.map((t) => [t.name, Object.keys(t.defaults.strategies)])),
);

/**
 * Minutes between resumable saves when `--save-every` is not given: a GPT-2 124M epoch on a CPU
 * (hours) then loses at most this much, plus one step, to a crash; a save of GPT-2 124M with its
 * AdamW moments writes about 1.5 GB.
 */
export const SAVE_EVERY_MINUTES = 10;

const COMMON = {
  model: "gpt2",
  saveEvery: null,
  resume: null,
  weightDecay: 0,
  modelDropout: 0.1,
  labelSmoothing: 0,
  seed: 11711,
  maxSteps: null,
  limit: null,
  evalLimit: null,
  maxLength: null,
  gradClip: 0,
  schedule: "constant",
  warmup: 0,
  evalEveryEpochs: 1,
  adamEps: 1e-8,
} as const;

/**
 * The defaults of `task` and `strategy` (the task's first strategy when omitted), before flags;
 * a fresh object each call. Throws naming the task or strategy when unknown.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "./train_defaults.ts";
 * const c = defaultConfig("sst", "ulmfit");
 * console.log(c.batchSize, c.epochs, c.lr, c.schedule); // 64 10 0.001 "slanted"
 * ```
 */
export function defaultConfig(
  task: string,
  strategy?: string,
  paths: { out?: string; dataDir?: string } = {},
): TrainConfig {
  if (!(TASK_NAMES as readonly string[]).includes(task)) {
    throw new Error(
      `--task: unknown task ${JSON.stringify(task)}; expected ${TASK_NAMES.join(", ")}`,
    );
  }
  const t = task as TaskName;
  const name = strategy ?? TASK_STRATEGIES[t][0];
  if (!TASK_STRATEGIES[t].includes(name)) {
    const registered = STRATEGIES.find((s) => s.name === name);
    const why = registered && !registered.tasks.includes(t)
      ? ` (it applies to ${registered.tasks.join(", ")})`
      : "";
    throw new Error(
      `--strategy: unknown strategy ${JSON.stringify(name)} for --task=${t}${why}; ` +
        `expected ${TASK_STRATEGIES[t].join(", ")}`,
    );
  }
  const defaults = TASKS.find((d) => d.name === t)!.defaults;
  const { options, scheduleOptions, hasHead, uses, selectOn, ...row } = defaults.strategies[name];
  const registered = findStrategy(uses ?? name, t);
  return {
    task: t,
    strategy: name,
    uses: registered.name,
    ...COMMON,
    ...row,
    dataDir: paths.dataDir ?? "./data",
    out: paths.out ?? `runs/${t}-${name}`,
    scheduleOptions: { ...scheduleOptions },
    adamBetas: [0.9, 0.999],
    hasHead: hasHead ?? defaults.hasHead,
    select: { ...defaults.select },
    selectOn: { ...(selectOn ?? SELECT_ON_HELDOUT) },
    lowercase: defaults.lowercase ?? null,
    options: { ...options },
    generation: defaults.generation ? { ...defaults.generation } : null,
  };
}
