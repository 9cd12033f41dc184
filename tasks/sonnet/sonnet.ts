/**
 * The sonnet task's registry entry: its rows of the defaults table (SEED.md's sonnet settings;
 * rows the study gives no number for say what they borrow), the selection metric, the study's
 * generation controls, and `deno task eval --task=sonnet --generated FILE --gold FILE` (several
 * `--generated` files, e.g. the samples of a `--samples=N` run: mean ± sd over them).
 *
 * @module
 */
import { formatSonnetScores, scoreSonnetFiles } from "../../eval/sonnet_scores.ts";
import { formatSonnetSampleStats, sonnetSampleStats } from "../../eval/sonnet_samples.ts";
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
  samples: 1,
});

const LAST4 = { lastBlocks: 4 };
const PREFIX = { prefixLength: 10, prefixHidden: 512 };
const UL = { unlikelihoodWeight: 1, unlikelihoodCandidates: "context" };
const LORA = { loraRank: 8, loraAlpha: 16, loraDropout: 0.05, loraTargets: ["c_attn"] };
const LORA_SOURCE =
  "baseline's bs/epochs; r 8, α 16, dropout 0.05 on c_attn (issue 9, PEFT's usual GPT-2 setting); lr 2e-4 of Hu et al. 2021 (GPT-2 on E2E)";
const OFFSET = { prefixLength: 10, prefixHidden: 512, offsetAt: "blocks" };
const OFFSET_SOURCE =
  "the study's Task B as it describes it (one mean-pooled MLP offset on every hidden state); baseline's bs/epochs; the study gives no P, width, site or lr: P 10, MLP 512, lr 5e-5 borrowed from Li & Liang 2021, site: every block's input (our reading); selects on dev as the study";
/** The study's own experiments choose their epoch on dev (gold perplexity), as the study did. */
const STUDY = { selectOn: SELECT_ON_DEV };

/** The sonnet rows of the defaults table; `last4` (the study's baseline) is the default. */
// deno-fmt-ignore
export const SONNET_DEFAULTS: TaskDefaults = {
  strategies: {
    last4: { epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0, uses: "last-blocks", options: LAST4, ...STUDY, source: "SEED.md sonnet baseline; selects on dev as the study" },
    full: { epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0, source: "baseline's settings, all parameters; selects on held-out 10% of train" },
    unlikelihood: { epochs: 10, batchSize: 8, lr: 1e-5, dropout: 0, ...STUDY, options: { ...LAST4, ...UL }, source: "Task A: baseline + unlikelihood; α 1 and context candidates of Welleck et al. 2019; selects on dev as the study" },
    prefix: { epochs: 10, batchSize: 8, lr: 5e-5, dropout: 0, ...STUDY, options: PREFIX, source: "Task B: baseline's bs/epochs; P 10, MLP 512, lr 5e-5 of Li & Liang 2021; selects on dev as the study" },
    "prefix-unlikelihood": { epochs: 10, batchSize: 8, lr: 5e-5, dropout: 0, ...STUDY, options: { ...PREFIX, ...UL }, source: "Task C: Task B + unlikelihood; selects on dev as the study" },
    lora: { epochs: 10, batchSize: 8, lr: 2e-4, dropout: 0, options: LORA, source: LORA_SOURCE + "; selects on held-out 10% of train" },
    "prefix-offset": { epochs: 10, batchSize: 8, lr: 5e-5, dropout: 0, ...STUDY, options: OFFSET, source: OFFSET_SOURCE },
    "prefix-offset-unlikelihood": { epochs: 10, batchSize: 8, lr: 5e-5, dropout: 0, ...STUDY, options: { ...OFFSET, unlikelihoodWeight: 1, unlikelihoodCandidates: "window:5" }, source: "the study's Task C as it describes it: prefix-offset + unlikelihood over its 5-token window (our reading: α 1); selects on dev as the study" },
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
    repeatable: ["generated"],
    async run(files, warn, options) {
      const gold = await Deno.readTextFile(files.gold);
      const generatedFiles = options?.repeated?.generated ?? [files.generated];
      const scores = await Promise.all(generatedFiles.map(async (file) => {
        const generated = await Deno.readTextFile(file);
        return scoreSonnetFiles(generated, file, gold, files.gold, {
          warn,
          strict: options?.strict,
        });
      }));
      return scores.length === 1
        ? formatSonnetScores(scores[0])
        : formatSonnetSampleStats(sonnetSampleStats(scores), generatedFiles);
    },
  },
};
