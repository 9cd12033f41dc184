/**
 * The Quora paraphrase task's registry entry: its rows of the defaults table (SEED.md's
 * paraphrase settings), selection by dev accuracy, and `deno task eval --task=quora --pred FILE
 * --gold FILE`. Training is not built yet: `create` says so.
 *
 * @module
 */
import { formatClassificationReport } from "../classification/report.ts";
import { scorePredictions } from "../classification/score_predictions.ts";
import { formatLoadSummary } from "../data/csv.ts";
import { parseQuora } from "../data/paraphrase_data.ts";
import type { TaskDefinition } from "../engine/task.ts";
import type { TaskDefaults } from "../engine/train_defaults.ts";

/** The Quora rows of the defaults table; `linear` (the study's baseline) is the default. */
// deno-fmt-ignore
export const QUORA_DEFAULTS: TaskDefaults = {
  strategies: {
    linear: { uses: "full", epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0, source: "SEED.md paraphrase baseline" },
    cloze: { uses: "full", epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0, hasHead: false, source: "SEED.md bs/lr; baseline's epochs" },
    taskc: {
      uses: "full", epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0.2, labelSmoothing: 0.1, schedule: "cosine", scheduleOptions: { minLrRatio: 0 },
      options: { poolMeanWeight: 0.7, dropoutSamples: 3, lowerLayerScale: 0.5, upperLayerScale: 1, headScale: 2 },
      source: "SEED.md Task C; dropout 0.2, the middle of its 0.1–0.3",
    },
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
  create() {
    return Promise.reject(
      new Error("--task quora: training is not available in this version yet (eval is)"),
    );
  },
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
        formatClassificationReport(s.report);
    },
  },
};
