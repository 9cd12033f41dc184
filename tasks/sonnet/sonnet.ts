/**
 * The sonnet task's registry entry: its rows of the defaults table (SEED.md's sonnet settings;
 * rows the study gives no number for say what they borrow), the selection metric, the study's
 * generation controls, and `deno task eval --task=sonnet --generated FILE --gold FILE`.
 *
 * @module
 */
import { formatSonnetScores, scoreSonnetFiles } from "../../eval/sonnet_scores.ts";
import type { TaskDefinition } from "../engine/task.ts";
import type { GenerationSettings, TaskDefaults } from "../engine/train_defaults.ts";
import { CONTROL_DEFAULTS } from "./sonnet_controls.ts";
import { createSonnetTask } from "./sonnet_task.ts";
import { SELECT_ON_DEV } from "../engine/selection.ts";

const GENERATION: Readonly<GenerationSettings> = Object.freeze({
  temperature: 1.2,
  topP: 0.9,
  maxNewTokens: 200,
  stopAtLines: CONTROL_DEFAULTS.lines,
  punctuationAfterWords: CONTROL_DEFAULTS.punctuationAfterWords,
  punctuationBoost: CONTROL_DEFAULTS.punctuationBoost,
  newlineAfterWords: CONTROL_DEFAULTS.newlineAfterWords,
  newlineBoost: CONTROL_DEFAULTS.newlineBoost,
  repetitionWindow: CONTROL_DEFAULTS.repetitionWindow,
  repetitionPenalty: 1,
});

const LAST4 = { lastBlocks: 4 };
/** The study's own experiments choose their epoch on dev (gold perplexity), as the study did. */
const STUDY = { selectOn: SELECT_ON_DEV };

/** The sonnet rows of the defaults table; `last4` (the study's baseline) is the default. */
// deno-fmt-ignore
export const SONNET_DEFAULTS: TaskDefaults = {
  strategies: {
    last4: { epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0, uses: "last-blocks", options: LAST4, ...STUDY, source: "SEED.md sonnet baseline; selects on dev as the study" },
    full: { epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0, source: "baseline's settings, all parameters; selects on held-out 10% of train" },
  },
  select: { metric: "dev_perplexity", mode: "min" },
  hasHead: false,
  generation: GENERATION,
};

/** The sonnet task: Shakespeare's sonnets as language modelling, then generation. */
export const SONNET_TASK: TaskDefinition = {
  name: "sonnet",
  summary: "Shakespeare sonnets: LM fine-tuning, generation from 3 lines, chrF and poetry metrics",
  defaults: SONNET_DEFAULTS,
  create: createSonnetTask,
  evaluation: {
    flags: ["generated", "gold"],
    async run(files, warn) {
      const generated = await Deno.readTextFile(files.generated);
      const gold = await Deno.readTextFile(files.gold);
      return formatSonnetScores(
        scoreSonnetFiles(generated, files.generated, gold, files.gold, warn),
      );
    },
  },
};
