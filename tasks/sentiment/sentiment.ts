/**
 * The sentiment tasks' registry entries (`sst`, `cfimdb`): their rows of the defaults table
 * (SEED.md's settings), selection by dev accuracy, and `deno task eval --task=sst|cfimdb --pred
 * FILE --gold FILE`.
 *
 * @module
 */
import { formatClassificationReport } from "../classification/report.ts";
import { type PredictionScore, scorePredictions } from "../classification/score_predictions.ts";
import { formatLoadSummary } from "../data/csv.ts";
import { CFIMDB_NUM_CLASSES, parseSentiment, SST_NUM_CLASSES } from "../data/sentiment_data.ts";
import type { TaskDefinition } from "../engine/task.ts";
import type { TaskDefaults } from "../engine/train_defaults.ts";
import { SELECT_ON_DEV } from "../engine/selection.ts";
import { createSentimentTask } from "./sentiment_task.ts";

const ULMFIT = { schedule: "slanted", scheduleOptions: { cutFrac: 0.1, ratio: 32 } } as const;
const ULMFIT_OPT = { discriminativeFactor: 2.6 };
const LORA = { loraRank: 8, loraAlpha: 16, loraDropout: 0.05, loraTargets: ["c_attn"] };
const LORA_SOURCE =
  "baseline's bs/epochs/dropout; r 8, α 16, dropout 0.05 on c_attn (issue 9); lr 2e-4 of Hu et al. 2021 (GPT-2)";
const PREFIX = { prefixLength: 10, prefixHidden: 512 };
const PREFIX_SOURCE = "baseline's bs/epochs/dropout; P 10, MLP 512, lr 5e-5 of Li & Liang 2021";
const SELECT = { metric: "dev_accuracy", mode: "max" } as const;
/** The study's own experiments choose their epoch on dev, as the study did. */
const STUDY = { selectOn: SELECT_ON_DEV };

/** The SST-5 rows of the defaults table; `full` (the study's baseline) is the default. */
// deno-fmt-ignore
export const SST_DEFAULTS: TaskDefaults = {
  strategies: {
    full: { epochs: 6, batchSize: 64, lr: 2e-5, dropout: 0.3, ...STUDY, source: "SEED.md SST-5 baseline; selects on dev as the study" },
    "last-linear": { epochs: 6, batchSize: 64, lr: 1e-3, dropout: 0.3, ...STUDY, source: "SEED.md lr; baseline's bs/epochs/dropout; selects on dev as the study" },
    ulmfit: { epochs: 10, batchSize: 64, lr: 1e-3, dropout: 0.3, ...ULMFIT, options: ULMFIT_OPT, ...STUDY, source: "SEED.md SST-5 ULMFiT; selects on dev as the study" },
    lora: { epochs: 6, batchSize: 64, lr: 2e-4, dropout: 0.3, options: LORA, source: LORA_SOURCE },
    prefix: { epochs: 6, batchSize: 64, lr: 5e-5, dropout: 0.3, options: PREFIX, source: PREFIX_SOURCE },
  },
  select: SELECT,
  hasHead: true,
  generation: null,
  lowercase: true,
};

/** The CFIMDB rows of the defaults table. */
// deno-fmt-ignore
export const CFIMDB_DEFAULTS: TaskDefaults = {
  strategies: {
    full: { epochs: 6, batchSize: 8, lr: 2e-5, dropout: 0.3, ...STUDY, source: "SEED.md CFIMDB baseline; selects on dev as the study" },
    "last-linear": { epochs: 6, batchSize: 8, lr: 1e-3, dropout: 0.3, ...STUDY, source: "SEED.md lr; baseline's bs/epochs/dropout; selects on dev as the study" },
    ulmfit: { epochs: 10, batchSize: 8, lr: 1e-3, dropout: 0.3, ...ULMFIT, options: ULMFIT_OPT, source: "not run by the study: SST-5 ULMFiT with CFIMDB's bs; selects on held-out 10% of train" },
    lora: { epochs: 6, batchSize: 8, lr: 2e-4, dropout: 0.3, options: LORA, source: LORA_SOURCE },
    prefix: { epochs: 6, batchSize: 8, lr: 5e-5, dropout: 0.3, options: PREFIX, source: PREFIX_SOURCE },
  },
  select: SELECT,
  hasHead: true,
  generation: null,
  lowercase: true,
};

/** A scored sentiment predictions file, with the gold file's load summary. */
export interface SentimentScore extends PredictionScore {
  /** The gold file's loaded and skipped counts (one line). */
  goldSummary: string;
}

/**
 * Scores a predictions file's text (`id,Predicted_Sentiment`, either CS224N style) against a
 * labelled sentiment file's text; see {@linkcode scorePredictions} for the errors it names.
 *
 * @example
 * ```ts
 * const gold = "id\tsentence\tsentiment\na\tGood .\t1\nb\tBad .\t0\n";
 * const s = scoreSentimentPredictions("id,Predicted_Sentiment\na,1\nb,1\n", "p.csv", gold, "g.csv", 2);
 * s.report.accuracy; // 0.5
 * ```
 */
export function scoreSentimentPredictions(
  predText: string,
  predName: string,
  goldText: string,
  goldName: string,
  numClasses: number,
): SentimentScore {
  const gold = parseSentiment(goldText, goldName, { labelled: true, numClasses });
  const score = scorePredictions(predText, predName, gold.examples, goldName, {
    column: "Predicted_Sentiment",
    numClasses,
  });
  return { ...score, goldSummary: formatLoadSummary(goldName, gold) };
}

function sentimentTask(name: string, defaults: TaskDefaults, numClasses: number, summary: string) {
  const definition: TaskDefinition = {
    name,
    summary,
    defaults,
    create: createSentimentTask,
    evaluation: {
      flags: ["pred", "gold"],
      async run(files) {
        const predText = await Deno.readTextFile(files.pred);
        const goldText = await Deno.readTextFile(files.gold);
        const s = scoreSentimentPredictions(predText, files.pred, goldText, files.gold, numClasses);
        return `${s.goldSummary}\n${name}: ${s.examples} predictions scored\n\n` +
          formatClassificationReport(s.report);
      },
    },
  };
  return definition;
}

/** SST-5: five-way sentence sentiment. */
export const SST_TASK: TaskDefinition = sentimentTask(
  "sst",
  SST_DEFAULTS,
  SST_NUM_CLASSES,
  "SST-5 sentence sentiment (5 classes): classification head on GPT-2",
);

/** CFIMDB: binary movie-review sentiment. */
export const CFIMDB_TASK: TaskDefinition = sentimentTask(
  "cfimdb",
  CFIMDB_DEFAULTS,
  CFIMDB_NUM_CLASSES,
  "CFIMDB movie-review sentiment (2 classes): classification head on GPT-2",
);
