/**
 * The sentiment tasks: SST-5 (`sst`, 5 classes) and CFIMDB (`cfimdb`, 2 classes). GPT-2 reads
 * each sentence (cut to `--max-length` tokens, else the model's context; the first tokens are
 * kept), the classification head classifies its last real token, cross-entropy trains it.
 * Sentences are lower-cased first, as CS224N's `load_data` does (`sentence.lower().strip()` on
 * train, dev and test), unless `--lowercase=false`.
 * The run's strategy comes from the strategy registry (`strategies/registry.ts`). The
 * classification options shared with paraphrase (`classifier_training.ts`: `--pooling`,
 * `--msd-samples`) apply here too, and layer-wise rates with `full`.
 *
 * Outputs in the run folder: CS224N's prediction files `<task>-dev-out.csv` and
 * `<task>-test-out.csv` (`id,Predicted_Sentiment`, every test row), the best checkpoint's full
 * dev report `dev_report.json` (accuracy, macro scores, per-class scores, confusion matrix), and
 * one such report per evaluation in `dev_reports.jsonl` (written to `config.out`, the run folder
 * `deno task train` uses). The engine's `metrics.jsonl` gets the numeric dev metrics:
 * `dev_accuracy` (the selection metric), `dev_macro_f1`, `dev_precision_<k>`, `dev_recall_<k>`
 * and `dev_loss`; held-out training examples get the same names with `heldout_`.
 *
 * @module
 */
import { join } from "node:path";
import { classificationReport } from "../../eval/classification.ts";
import type { GPT2 } from "../../model/gpt2.ts";
import { encode, padBatch } from "../../model/tokenizer.ts";
import { attachStrategy, STRATEGY_DIR } from "../../strategies/registry.ts";
import { createClassifierHead } from "../classification/classifier_head.ts";
import { classifierLoss, classifierSettings } from "../classification/classifier_training.ts";
import { predictClasses } from "../classification/predict.ts";
import { meanCrossEntropy, reportMetrics } from "../classification/report.ts";
import { formatLoadSummary } from "../data/csv.ts";
import { dataFile } from "../data/data_dir.ts";
import { ensureDataFiles } from "../data/data_fetch.ts";
import {
  CFIMDB_NUM_CLASSES,
  loadSentiment,
  type SentimentExample,
  SST_NUM_CLASSES,
} from "../data/sentiment_data.ts";
import type { TrainingTask } from "../engine/task.ts";
import type { TrainConfig } from "../engine/train_config.ts";
import { writePredictionsCsv, writeTextAtomic } from "../data/writers.ts";

/** The data of one sentiment task: its files (CS224N's names) and number of classes. */
export interface SentimentSpec {
  /** Labelled training file. */
  train: string;
  /** Labelled dev file. */
  dev: string;
  /** Unlabelled test file. */
  test: string;
  /** Number of classes. */
  numClasses: number;
}

/** The two sentiment tasks. */
export const SENTIMENT_TASKS: Readonly<Record<"sst" | "cfimdb", SentimentSpec>> = Object.freeze({
  sst: {
    train: "ids-sst-train.csv",
    dev: "ids-sst-dev.csv",
    test: "ids-sst-test-student.csv",
    numClasses: SST_NUM_CLASSES,
  },
  cfimdb: {
    train: "ids-cfimdb-train.csv",
    dev: "ids-cfimdb-dev.csv",
    test: "ids-cfimdb-test-student.csv",
    numClasses: CFIMDB_NUM_CLASSES,
  },
});

/**
 * Output file names of a sentiment run (CS224N's prediction names without the mode prefix).
 *
 * @example
 * ```ts
 * sentimentOutputs("sst").dev; // "sst-dev-out.csv"
 * ```
 */
export function sentimentOutputs(task: string): {
  dev: string;
  test: string;
  report: string;
  reports: string;
} {
  return {
    dev: `${task}-dev-out.csv`,
    test: `${task}-test-out.csv`,
    report: "dev_report.json",
    reports: "dev_reports.jsonl",
  };
}

/** A host-side batch: right-padded token ids, mask and labels. */
export interface SentimentBatch {
  /** Token ids, B × T. */
  ids: Int32Array;
  /** 1 at real tokens, 0 at padding. */
  mask: Float32Array;
  /** B. */
  batch: number;
  /** T (the longest sequence in the batch). */
  seqLen: number;
  /** Gold classes (B). */
  labels: number[];
}

/**
 * Token ids of each example's sentence, cut to its first `maxLength` tokens, and how many were
 * cut. (Loaded sentences are never empty, so no sequence is.)
 *
 * @example
 * ```ts
 * sentimentSequences([{ id: "a", sentence: "Fine .", line: 2 }], 1);
 * // { sequences: [[34389]], truncated: 1 }
 * ```
 */
export function sentimentSequences(
  examples: readonly SentimentExample[],
  maxLength: number,
): { sequences: number[][]; truncated: number } {
  let truncated = 0;
  const sequences = examples.map((e) => {
    const ids = encode(e.sentence);
    if (ids.length > maxLength) truncated++;
    return ids.slice(0, maxLength);
  });
  return { sequences, truncated };
}

/** Loads one file, prints its counts (and skipped rows), and returns its examples. */
async function load(
  dir: string,
  name: string,
  labelled: boolean,
  numClasses: number,
  lowercase: boolean,
  log: (m: string) => void,
): Promise<SentimentExample[]> {
  const result = await loadSentiment(dataFile(dir, name), { labelled, numClasses, lowercase });
  log(formatLoadSummary(name, result));
  if (result.examples.length === 0) throw new Error(`${join(dir, name)}: no usable rows`);
  return result.examples;
}

/**
 * Builds the `sst` or `cfimdb` task for a run: loads and tokenizes the files (printing loaded and
 * skipped counts), creates the head, and sets which parameters train.
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * import { parseTrainArgs } from "../engine/train_config.ts";
 * // a data folder with three small SST files (CS224N's columns); see `deno task data`
 * const data = await Deno.makeTempDir();
 * const rows = ["0\ta1\ta fine , moving film .\t4", "1\tb2\tdull and long .\t0"];
 * const labelled = ["\tid\tsentence\tsentiment", ...rows].join("\n") + "\n";
 * await Deno.writeTextFile(`${data}/ids-sst-train.csv`, labelled);
 * await Deno.writeTextFile(`${data}/ids-sst-dev.csv`, labelled);
 * await Deno.writeTextFile(`${data}/ids-sst-test-student.csv`, "\tid\tsentence\n0\tc3\tfine .\n");
 * const out = await Deno.makeTempDir(); // the run folder (evaluate() logs its reports there)
 * const argv = ["--task=sst", "--strategy=ulmfit", "--model=tiny", `--data-dir=${data}`];
 * const config = parseTrainArgs([...argv, `--out=${out}`]);
 * const model = await loadModel(config.model);
 * const task = await createSentimentTask(config, model); // logs the loaded and skipped rows
 * console.log(task.trainSize, await task.evaluate()); // 2 { dev_accuracy: …, dev_macro_f1: …, … }
 * // `train({ config, model, task, runDir })` (tasks/engine/trainer.ts) runs it, as `deno task train` does
 * model.dispose();
 * ```
 */
export async function createSentimentTask(
  config: TrainConfig,
  model: GPT2,
  log: (message: string) => void = (m) => console.error(m),
): Promise<TrainingTask<SentimentBatch>> {
  if (config.task !== "sst" && config.task !== "cfimdb") {
    throw new Error(`createSentimentTask(): task '${config.task}' is not sst or cfimdb`);
  }
  const task = config.task;
  const spec = SENTIMENT_TASKS[task];
  const K = spec.numClasses;
  const headSeed = (Math.imul(config.seed, 2654435761) + 0x68656164) >>> 0;
  const head = createClassifierHead(model.gpu, model.config.nEmbd, K, { seed: headSeed });
  const strategy = attachStrategy(config, model, head.params(), log);
  const maxLength = Math.min(config.maxLength ?? Infinity, model.contextRoom);
  await ensureDataFiles(config.dataDir, [spec.train, spec.dev, spec.test], { log });
  const lowercase = config.lowercase ?? false; // runs saved before the flag lower-cased nothing
  const train = (await load(config.dataDir, spec.train, true, K, lowercase, log))
    .slice(0, config.limit ?? undefined);
  const dev = (await load(config.dataDir, spec.dev, true, K, lowercase, log))
    .slice(0, config.evalLimit ?? undefined);
  const { sequences, truncated } = sentimentSequences(train, maxLength);
  const devSequences = sentimentSequences(dev, maxLength).sequences;
  log(
    `${task}: ${train.length} train, ${dev.length} dev examples; up to ${maxLength} tokens ` +
      `(${truncated} train sequences cut)${lowercase ? "; lower-cased as CS224N" : ""}`,
  );
  const settings = classifierSettings(config);
  const pooling = { poolMeanWeight: settings.poolMeanWeight };
  const outputs = sentimentOutputs(task);
  const devGold = dev.map((e) => e.label!);
  let epoch = 0;
  const report = async () => {
    const p = await predictClasses(model, head, devSequences, config.batchSize, pooling);
    return { p, report: classificationReport(devGold, p.classes, K) };
  };
  return {
    trainSize: sequences.length,
    makeBatch(indices) {
      const b = padBatch(indices.map((i) => sequences[i]));
      const labels = indices.map((i) => train[i].label!);
      return { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen, labels };
    },
    loss(batch, ctx) {
      const loss = classifierLoss(model, head, batch, batch.labels, settings, ctx.seed);
      return { loss, tokens: batch.mask.reduce((a, b) => a + b, 0) };
    },
    extraParams: () => new Map([...head.params(), ...strategy.params()]),
    paramGroups: () => strategy.paramGroups(),
    onEpochStart(e) {
      epoch = e;
      strategy.onEpochStart?.(e);
    },
    async evaluate() {
      const { p, report: r } = await report();
      const line = { epoch: epoch + 1, examples: dev.length, ...r };
      await Deno.writeTextFile(join(config.out, outputs.reports), JSON.stringify(line) + "\n", {
        append: true,
      });
      return { ...reportMetrics(r), dev_loss: meanCrossEntropy(p.logits, devGold) };
    },
    async evaluateExamples(indices, prefix) {
      const p = await predictClasses(
        model,
        head,
        indices.map((i) => sequences[i]),
        config.batchSize,
        pooling,
      );
      const gold = indices.map((i) => train[i].label!);
      const r = classificationReport(gold, p.classes, K);
      return { ...reportMetrics(r, prefix), [`${prefix}_loss`]: meanCrossEntropy(p.logits, gold) };
    },
    async finish(runDir, control) {
      await strategy.beforeInference?.();
      const rows = (examples: SentimentExample[], classes: number[]) =>
        examples.map((e, i) => ({ id: e.id, value: classes[i] }));
      // The test predictions are one resumable part; the dev ones give the final metrics and are
      // always made.
      const part = control?.part ?? ((_: string, work: () => Promise<void>) => work());
      await part("test predictions", async () => {
        const test = await load(config.dataDir, spec.test, false, K, lowercase, log);
        const testPred = await predictClasses(
          model,
          head,
          sentimentSequences(test, maxLength).sequences,
          config.batchSize,
          pooling,
        );
        await writePredictionsCsv(
          join(runDir, outputs.test),
          "Predicted_Sentiment",
          rows(test, testPred.classes),
          "csv",
        );
      });
      const { p, report: r } = await report();
      await writePredictionsCsv(
        join(runDir, outputs.dev),
        "Predicted_Sentiment",
        rows(dev, p.classes),
        "csv",
      );
      await strategy.save?.(join(runDir, STRATEGY_DIR));
      const full = { task, examples: dev.length, numClasses: K, ...r };
      await writeTextAtomic(join(runDir, outputs.report), JSON.stringify(full, null, 2) + "\n");
      log(`${task} dev confusion (rows gold, columns predicted): ${JSON.stringify(r.confusion)}`);
      return { ...reportMetrics(r), dev_loss: meanCrossEntropy(p.logits, devGold) };
    },
  };
}
