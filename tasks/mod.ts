/**
 * The CS224N tasks and the training engine: data files (loaders, writers, download), the task
 * registry, the trainer and its run folder, the classification pieces, one folder per task and
 * `runTraining` (the `deno task train` command as a function).
 *
 * @example
 * ```ts
 * import { findTask, TASKS } from "./mod.ts";
 * console.log(TASKS.map((t) => t.name)); // ["sonnet", "sst", "cfimdb", "quora"]
 * console.log(findTask("sonnet").defaults.strategies.last4.lr); // 1e-5
 * ```
 *
 * @module
 */

export * from "./data/data_dir.ts";
export * from "./data/data_files.ts";
export * from "./data/data_fetch.ts";
export * from "./data/csv.ts";
export * from "./data/sentiment_data.ts";
export * from "./data/paraphrase_data.ts";
export * from "./data/sonnet_data.ts";
export * from "./data/writers.ts";
export * from "./engine/task.ts";
export type { StrategyDefaults, TaskDefaults } from "./engine/train_defaults.ts";
export type { SelectionSplit, SelectOn } from "./engine/selection.ts";
export type { FinishControl } from "./engine/finish_control.ts";
export * from "./registry.ts";
export * from "./engine/trainer.ts";
export * from "./engine/train_config.ts";
export * from "./engine/training_checkpoint.ts";
export * from "./engine/run_dir.ts";
export * from "./engine/progress.ts";
export * from "./sonnet/sonnet_controls.ts";
export * from "./sonnet/sonnet_task.ts";
export * from "./classification/classifier_head.ts";
export * from "./classification/predict.ts";
export * from "./classification/report.ts";
export * from "./classification/score_predictions.ts";
export * from "./classification/pooling_choice.ts";
export * from "./classification/multi_sample_dropout.ts";
export * from "./classification/classifier_training.ts";
export * from "./sentiment/sentiment.ts";
export * from "./paraphrase/paraphrase.ts";
export * from "./paraphrase/paraphrase_task.ts";
export * from "./paraphrase/preprocess.ts";
export * from "./paraphrase/pair_sequences.ts";
export * from "./paraphrase/cloze.ts";
export * from "./paraphrase/paraphrase_metrics.ts";
export * from "./sonnet/sonnet.ts";
export * from "./sentiment/sentiment_task.ts";
export * from "./cli/train.ts";
// Experiments: plans of arms × seeds, the grid runner and its report.
export {
  type Arm,
  loadPlan,
  type Plan,
  planFromArms,
  planFromJson,
  type PlanOverrides,
} from "./experiment/plan.ts";
export {
  type CellResult,
  type CellRunner,
  type ExperimentOptions,
  type ExperimentResult,
  runExperiment,
} from "./experiment/runner.ts";
export { type ReportOptions, writeReport } from "./experiment/report.ts";
export type { AnalysisOptions } from "./experiment/analysis.ts";
export type { Cell, CellState } from "./experiment/layout.ts";
export type { CellOutcome } from "./experiment/cell_process.ts";
