/**
 * The Quora paraphrase task on the shared engine, in the framing its strategy row names
 * (`options.framing`):
 *
 * - `linear` (strategies `linear`, `taskc`): `"{s1} {separator} {s2}"` → GPT-2 → the pooled
 *   final hidden state (`--pooling`; last real token by default) → dropout → a linear head to 2
 *   classes; cross-entropy (with `--label-smoothing`, averaged over `--msd-samples` dropout
 *   masks), full fine-tuning, optionally with layer-wise rates. `taskc` is this framing with the
 *   study's Task C options set in its row.
 * - `cloze`: CS224N's prompt and GPT-2's own LM head (`cloze.ts`), no new parameters.
 *
 * Data: `quora-train.csv` and `quora-dev.csv` from the data folder (`--limit` and `--eval-limit`
 * take their first rows), bad rows reported with file and line and skipped; `quora-test-student.csv`
 * when the folder has it (CS224N's unlabelled test file; without it no test predictions are
 * written and the log says so). Questions are preprocessed as CS224N does unless
 * `--preprocess=none`. Pairs longer than `--max-length` (else the model's context) are cut from
 * the start of each question evenly (`pair_sequences.ts`).
 *
 * Outputs in the run folder: `quora-dev-out.csv` and `quora-test-out.csv`
 * (`id,Predicted_Is_Paraphrase`) from the selected epoch's weights, the full dev report
 * `dev_report.json` (with the confusion matrix), one report per evaluation in
 * `dev_reports.jsonl`. `metrics.jsonl` gets `dev_accuracy` (the selection metric),
 * `dev_macro_f1`, `dev_precision`/`dev_recall`/`dev_f1` of the paraphrase class, per-class
 * precision and recall, and `dev_loss` (for `cloze`: the cross-entropy over the two answer
 * logits).
 *
 * @module
 */
import { join } from "node:path";
import { classificationReport } from "../../eval/classification.ts";
import type { Tensor } from "../../kernels/tensor.ts";
import type { GPT2 } from "../../model/gpt2.ts";
import { padBatch } from "../../model/tokenizer.ts";
import { createClassifierHead } from "../classification/classifier_head.ts";
import { classifierLoss, classifierSettings } from "../classification/classifier_training.ts";
import { attachStrategy, STRATEGY_DIR } from "../../strategies/registry.ts";
import { predictClasses, type Predictions } from "../classification/predict.ts";
import { meanCrossEntropy } from "../classification/report.ts";
import { formatLoadSummary } from "../data/csv.ts";
import { dataFile } from "../data/data_dir.ts";
import { ensureDataFiles } from "../data/data_fetch.ts";
import { loadQuora, type ParaphraseExample } from "../data/paraphrase_data.ts";
import { writePredictionsCsv, writeTextAtomic } from "../data/writers.ts";
import type { TrainingTask } from "../engine/task.ts";
import type { TrainConfig } from "../engine/train_config.ts";
import { clozeLoss, predictCloze } from "./cloze.ts";
import { clozePrompt, linearPairText, type PairTemplate, pairTokens } from "./pair_sequences.ts";
import { paraphraseMetrics } from "./paraphrase_metrics.ts";
import { preprocessor } from "./preprocess.ts";

/** CS224N's Quora file names. */
export const QUORA_FILES: Readonly<Record<"train" | "dev" | "test", string>> = Object.freeze({
  train: "quora-train.csv",
  dev: "quora-dev.csv",
  test: "quora-test-student.csv",
});

/** Output file names of a Quora run. */
export const QUORA_OUTPUTS: Readonly<Record<"dev" | "test" | "report" | "reports", string>> = Object
  .freeze({
    dev: "quora-dev-out.csv",
    test: "quora-test-out.csv",
    report: "dev_report.json",
    reports: "dev_reports.jsonl",
  });

/** A host-side batch of pairs: right-padded token ids, mask and labels. */
export interface PairBatch {
  /** Token ids, B × T. */
  ids: Int32Array;
  /** 1 at real tokens, 0 at padding. */
  mask: Float32Array;
  /** B. */
  batch: number;
  /** T. */
  seqLen: number;
  /** Gold labels (B): 1 paraphrase, 0 not. */
  labels: number[];
}

/** How one framing trains and predicts. */
interface Framing {
  loss(batch: PairBatch, seed: number): Tensor;
  predict(sequences: readonly number[][]): Promise<Predictions>;
  extraParams(): Map<string, Tensor>;
}

/**
 * Reads one Quora file, logs its counts and skipped rows (file and line), preprocesses the
 * questions; an empty result is an error naming the file.
 */
async function loadPairs(
  path: string,
  labelled: boolean,
  preprocess: (s: string) => string,
  log: (m: string) => void,
): Promise<ParaphraseExample[]> {
  const result = await loadQuora(path, { labelled });
  log(formatLoadSummary(path, result));
  if (result.examples.length === 0) throw new Error(`${path}: no usable question pairs`);
  return result.examples.map((e) => ({
    ...e,
    sentence1: preprocess(e.sentence1),
    sentence2: preprocess(e.sentence2),
  }));
}

/** Whether `path` is an existing file. */
async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The token sequences of pairs in a template, and how many were cut. */
function pairSequences(
  pairs: readonly ParaphraseExample[],
  template: PairTemplate,
  maxLength: number,
): { sequences: number[][]; cut: number } {
  let cut = 0;
  const sequences = pairs.map((p) => {
    const t = pairTokens(template, p.sentence1, p.sentence2, maxLength);
    if (t.cut) cut++;
    return t.ids;
  });
  return { sequences, cut };
}

/** The framing a configuration asks for: its loss, prediction and head parameters (if any). */
function makeFraming(config: TrainConfig, model: GPT2): Framing {
  const bs = config.batchSize;
  if (config.options.framing === "cloze") {
    return {
      loss: (b, seed) =>
        clozeLoss(model, b, b.labels, { seed, labelSmoothing: config.labelSmoothing }),
      predict: (sequences) => predictCloze(model, sequences, bs),
      extraParams: () => new Map(),
    };
  }
  const settings = classifierSettings(config);
  const headSeed = (Math.imul(config.seed, 2654435761) + 0x68656164) >>> 0;
  const head = createClassifierHead(model.gpu, model.config.nEmbd, 2, { seed: headSeed });
  const pooling = { poolMeanWeight: settings.poolMeanWeight };
  return {
    loss: (b, seed) => classifierLoss(model, head, b, b.labels, settings, seed),
    predict: (sequences) => predictClasses(model, head, sequences, bs, pooling),
    extraParams: () => head.params(),
  };
}

/** The pairs of a run, preprocessed, limited and tokenized in the row's framing. */
interface PairData {
  train: ParaphraseExample[];
  dev: ParaphraseExample[];
  trainSequences: number[][];
  devSequences: number[][];
  /** Tokenizes more pairs the same way (the test file). */
  tokenize(pairs: readonly ParaphraseExample[]): number[][];
  /** The preprocessing of the questions. */
  clean: (s: string) => string;
}

/** Loads train and dev (logging counts, skipped rows and cut pairs) and tokenizes them. */
async function loadPairData(
  config: TrainConfig,
  maxLength: number,
  log: (m: string) => void,
): Promise<PairData> {
  const dir = config.dataDir;
  const clean = preprocessor(config.options.preprocess ?? "cs224n");
  const separator = config.options.separator ?? "[SEP]";
  const cloze = config.options.framing === "cloze";
  const template: PairTemplate = cloze ? clozePrompt : (a, b) => linearPairText(a, b, separator);
  await ensureDataFiles(dir, [QUORA_FILES.train, QUORA_FILES.dev], { log });
  const train = (await loadPairs(dataFile(dir, QUORA_FILES.train), true, clean, log))
    .slice(0, config.limit ?? undefined);
  const dev = (await loadPairs(dataFile(dir, QUORA_FILES.dev), true, clean, log))
    .slice(0, config.evalLimit ?? undefined);
  const { sequences, cut } = pairSequences(train, template, maxLength);
  log(
    `quora (${cloze ? "cloze" : "linear"} framing): ${train.length} train, ${dev.length} dev ` +
      `pairs; up to ${maxLength} tokens (${cut} train pairs cut)`,
  );
  const tokenize = (pairs: readonly ParaphraseExample[]) =>
    pairSequences(pairs, template, maxLength).sequences;
  return { train, dev, trainSequences: sequences, devSequences: tokenize(dev), tokenize, clean };
}

const PREDICTION_HEADER = "Predicted_Is_Paraphrase";

/** `id,Predicted_Is_Paraphrase` rows of pairs and their predicted classes. */
function predictionRows(pairs: readonly ParaphraseExample[], classes: readonly number[]) {
  return pairs.map((e, i) => ({ id: e.id, value: classes[i] }));
}

/**
 * Writes the test predictions when the data folder has CS224N's test file, else logs that it
 * writes none.
 */
async function writeTestPredictions(
  config: TrainConfig,
  data: PairData,
  framing: Framing,
  runDir: string,
  log: (m: string) => void,
): Promise<void> {
  const testPath = join(config.dataDir, QUORA_FILES.test);
  if (!(await isFile(testPath))) {
    log(`quora: ${testPath} not found: no test predictions written`);
    return;
  }
  const test = await loadPairs(testPath, false, data.clean, log);
  const { classes } = await framing.predict(data.tokenize(test));
  const path = join(runDir, QUORA_OUTPUTS.test);
  await writePredictionsCsv(path, PREDICTION_HEADER, predictionRows(test, classes), "csv");
}

/**
 * Builds the `quora` task for a run (see the module doc): loads and preprocesses the pairs
 * (logging loaded and skipped counts), tokenizes them in the row's framing, and sets up the
 * head (if any) and the optimizer groups.
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * import { parseTrainArgs } from "../engine/train_config.ts";
 * // a data folder with two small Quora files (CS224N's columns); see `deno task data`
 * const data = await Deno.makeTempDir();
 * const header = "\tid\tsentence1\tsentence2\tis_duplicate\n";
 * const rows = "0\tq0\tHow do I learn?\tHow can I learn?\t1.0\n1\tq1\tIs it red?\tWhy now?\t0.0\n";
 * await Deno.writeTextFile(`${data}/quora-train.csv`, header + rows);
 * await Deno.writeTextFile(`${data}/quora-dev.csv`, header + rows);
 * const out = await Deno.makeTempDir(); // the run folder (evaluate() logs its reports there)
 * const argv = ["--task=quora", "--strategy=cloze", "--model=tiny", `--data-dir=${data}`];
 * const config = parseTrainArgs([...argv, `--out=${out}`]);
 * const model = await loadModel(config.model);
 * const task = await createParaphraseTask(config, model); // logs the loaded and skipped rows
 * console.log(task.trainSize, await task.evaluate()); // 2 { dev_accuracy: …, dev_f1: …, … }
 * // `train({ config, model, task, runDir })` (tasks/engine/trainer.ts) runs it, as `deno task train` does
 * model.dispose();
 * ```
 */
export async function createParaphraseTask(
  config: TrainConfig,
  model: GPT2,
  log: (message: string) => void = (m) => console.error(m),
): Promise<TrainingTask<PairBatch>> {
  const framing = makeFraming(config, model);
  const strategy = attachStrategy(config, model, framing.extraParams(), log);
  // After the strategy: an attention prefix takes part of the context.
  const maxLength = Math.min(config.maxLength ?? Infinity, model.contextRoom);
  const data = await loadPairData(config, maxLength, log);
  const { train, dev, trainSequences } = data;
  const devGold = dev.map((e) => e.label!);
  let epoch = 0;
  const report = async () => {
    const p = await framing.predict(data.devSequences);
    const r = classificationReport(devGold, p.classes, 2);
    const metrics = { ...paraphraseMetrics(r), dev_loss: meanCrossEntropy(p.logits, devGold) };
    return { p, r, metrics };
  };
  return {
    trainSize: trainSequences.length,
    makeBatch(indices) {
      const b = padBatch(indices.map((i) => trainSequences[i]));
      const labels = indices.map((i) => train[i].label!);
      return { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen, labels };
    },
    loss: (batch, ctx) => ({
      loss: framing.loss(batch, ctx.seed),
      tokens: batch.mask.reduce((a, b) => a + b, 0),
    }),
    extraParams: () => new Map([...framing.extraParams(), ...strategy.params()]),
    paramGroups: () => strategy.paramGroups(),
    onEpochStart(e) {
      epoch = e;
      strategy.onEpochStart?.(e);
    },
    async evaluate() {
      const { r, metrics } = await report();
      const line = JSON.stringify({ epoch: epoch + 1, examples: dev.length, ...r }) + "\n";
      await Deno.writeTextFile(join(config.out, QUORA_OUTPUTS.reports), line, { append: true });
      return metrics;
    },
    async finish(runDir, control) {
      await strategy.beforeInference?.();
      // The test predictions are one resumable part (Ctrl-C stops the run after it); the dev
      // ones give the final metrics and are always made.
      const part = control?.part ?? ((_: string, work: () => Promise<void>) => work());
      await part(
        "test predictions",
        () => writeTestPredictions(config, data, framing, runDir, log),
      );
      const { p, r, metrics } = await report();
      const devPath = join(runDir, QUORA_OUTPUTS.dev);
      await writePredictionsCsv(devPath, PREDICTION_HEADER, predictionRows(dev, p.classes), "csv");
      const full = { task: "quora", examples: dev.length, numClasses: 2, ...r };
      await writeTextAtomic(
        join(runDir, QUORA_OUTPUTS.report),
        JSON.stringify(full, null, 2) + "\n",
      );
      log(`quora dev confusion (rows gold, columns predicted): ${JSON.stringify(r.confusion)}`);
      await strategy.save?.(join(runDir, STRATEGY_DIR));
      return metrics;
    },
  };
}
