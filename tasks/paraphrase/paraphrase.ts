/**
 * The Quora paraphrase task's registry entry: its rows of the defaults table (SEED.md's
 * paraphrase settings: `linear`, `cloze`, `taskc`), selection by dev accuracy, the task
 * (`paraphrase_task.ts`), and `deno task eval --task=quora --pred FILE --gold FILE` (accuracy,
 * macro F1, the paraphrase class's precision, recall and F1, the confusion matrix).
 *
 * @module
 */
import { formatClassificationReport } from "../classification/report.ts";
import { scorePredictions } from "../classification/score_predictions.ts";
import { formatLoadSummary } from "../data/csv.ts";
import { parseQuora } from "../data/paraphrase_data.ts";
import type { TaskDefinition } from "../engine/task.ts";
import type { TaskDefaults } from "../engine/train_defaults.ts";
import { createParaphraseTask } from "./paraphrase_task.ts";
import { SELECT_ON_DEV } from "../engine/selection.ts";
import { formatPositiveClass } from "./paraphrase_metrics.ts";

const TEXT = { preprocess: "cs224n", separator: "[SEP]" } as const;
const LORA = { loraRank: 8, loraAlpha: 16, loraDropout: 0.05, loraTargets: ["c_attn"] };
const PREFIX = { prefixLength: 10, prefixHidden: 512 };
/** The study's experiments choose their epoch on dev, as the study did (no held-out scoring yet). */
const STUDY = { selectOn: SELECT_ON_DEV };

/**
 * The Quora rows of the defaults table; `linear` (the study's baseline) is the default. The row
 * key is the framing's `--strategy` name; `options.framing` says which framing it runs.
 */
// deno-fmt-ignore
export const QUORA_DEFAULTS: TaskDefaults = {
  strategies: {
    linear: { uses: "full", epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0, options: { framing: "linear", ...TEXT }, ...STUDY, source: "SEED.md paraphrase baseline; selects on dev as the study" },
    cloze: { uses: "full", epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0, hasHead: false, options: { framing: "cloze", preprocess: "cs224n" }, ...STUDY, source: "SEED.md bs/lr; baseline's epochs; selects on dev as the study" },
    taskc: {
      uses: "full", epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0.2, labelSmoothing: 0.1, schedule: "cosine", scheduleOptions: { minLrRatio: 0 },
      options: { framing: "linear", ...TEXT, poolMeanWeight: 0.7, dropoutSamples: 3, lowerLayerScale: 0.5, upperLayerScale: 1, headScale: 2 },
      ...STUDY, source: "SEED.md Task C; dropout 0.2, the middle of its 0.1–0.3; selects on dev as the study",
    },
    lora: { epochs: 10, batchSize: 8, lr: 2e-4, dropout: 0, ...STUDY, options: { framing: "linear", ...TEXT, ...LORA }, source: "linear framing, baseline's bs/epochs; r 8, α 16, dropout 0.05 on c_attn (issue 9); lr 2e-4 of Hu et al. 2021; selects on dev (no held-out scoring for quora yet)" },
    prefix: { epochs: 10, batchSize: 8, lr: 5e-5, dropout: 0, ...STUDY, options: { framing: "linear", ...TEXT, ...PREFIX }, source: "linear framing, baseline's bs/epochs; P 10, MLP 512, lr 5e-5 of Li & Liang 2021; selects on dev (no held-out scoring for quora yet)" },
  },
  select: { metric: "dev_accuracy", mode: "max" },
  hasHead: true,
  generation: null,
};

/** Quora question pairs: is the second question a paraphrase of the first? */
export const QUORA_TASK: TaskDefinition = {
  name: "quora",
  summary: "Quora question pairs: paraphrase or not (linear head, cloze yes/no, Task C recipe)",
  defaults: QUORA_DEFAULTS,
  create: createParaphraseTask,
  evaluation: {
    flags: ["pred", "gold"],
    async run(files) {
      const predText = await Deno.readTextFile(files.pred);
      const gold = parseQuora(await Deno.readTextFile(files.gold), files.gold, { labelled: true });
      const s = scorePredictions(
        predText,
        files.pred,
        gold.examples.map((e) => ({
          id: e.id,
          line: e.line,
          label: e.label ?? null,
        })),
        files.gold,
        { column: "Predicted_Is_Paraphrase", numClasses: 2 },
      );
      return `${formatLoadSummary(files.gold, gold)}\nquora: ${s.examples} predictions scored\n\n` +
        formatClassificationReport(s.report) + `\n${formatPositiveClass(s.report)}\n`;
    },
  },
};
