/**
 * The sonnet task: fine-tune GPT-2 as a language model on Shakespeare's sonnets 1–131, select by
 * dev perplexity on the gold sonnets 132–143 (the study's way) or by perplexity on held-out
 * training sonnets (`--select-on=heldout:F`: `heldout_perplexity`, `heldout_token_accuracy`),
 * then generate the dev and test sonnets from their first three lines with the study's controls
 * (`--samples=N` sonnets per prompt: `sonnet_generation.ts`, `sonnet_outputs.ts`) and score the
 * dev generations (with N > 1 also as mean ± sd over the samples).
 *
 * Model perplexity is reported two ways, named apart: `dev_perplexity` on whole gold sonnets
 * (every token, cut at `--max-length`; after every epoch, the selection metric) and, in the final
 * metrics of the selected checkpoint only (it costs one more pass over the gold sonnets),
 * `dev_perplexity_continuation` on the tokens of lines 4–14 given lines 1–3 (what generation from
 * the prompt asks of the model; cut at the model's context length only).
 *
 * @module
 */
import { join } from "node:path";
import { add } from "../../kernels/elementwise.ts";
import { splitAfterLines } from "../../eval/continuation.ts";
import { continuationPerplexity, modelPerplexity } from "../../eval/model_perplexity.ts";
import type { GPT2 } from "../../model/gpt2.ts";
import { lmLoss } from "../../model/lm_loss.ts";
import { MAX_SAMPLES_PER_PROMPT } from "../../model/sampling.ts";
import { encode, EOS_ID, padBatch } from "../../model/tokenizer.ts";
import { attachStrategy, STRATEGY_DIR } from "../../strategies/registry.ts";
import { dataFile } from "../data/data_dir.ts";
import { ensureDataFiles } from "../data/data_fetch.ts";
import { loadSonnets, type Sonnet } from "../data/sonnet_data.ts";
import { PROMPT_LINES } from "../../eval/sonnet_scores.ts";
import type { TrainingTask } from "../engine/task.ts";
import type { TrainConfig } from "../engine/train_config.ts";
import { nextTokenScores } from "./next_token_scores.ts";
import { scoreSampleFiles, SONNET_OUTPUTS, writeGenerationParts } from "./sonnet_outputs.ts";

// Generation and the output files live in their own modules; re-exported as the task's API.
export * from "./sonnet_generation.ts";
export {
  generationPartName,
  type GenerationSplit,
  scoreSampleFiles,
  SONNET_OUTPUTS,
} from "./sonnet_outputs.ts";

/** A batch of whole sonnets, right-padded. */
export interface SonnetBatch {
  /** Token ids, (batch, seqLen) row-major, padded with EOS. */
  ids: Int32Array;
  /** 1 for a real token, 0 for padding. */
  mask: Float32Array;
  /** Sonnets in the batch. */
  batch: number;
  /** Tokens per row. */
  seqLen: number;
}

/** Token ids of each sonnet followed by EOS, truncated to `maxLength`. */
export function sonnetSequences(sonnets: Sonnet[], maxLength: number): number[][] {
  return sonnets.map((s) => [...encode(s.text), EOS_ID].slice(0, maxLength));
}

/**
 * Each gold sonnet as tokens of its first `promptLines` lines (the context) followed by the rest
 * and EOS, truncated to `maxLength`, with the context's length: the input of
 * `continuationPerplexity`. The text is split after the prompt's last newline, so the two parts
 * tokenize as the prompt does when generating.
 */
export function continuationSequences(
  sonnets: Sonnet[],
  promptLines: number,
  maxLength: number,
): { sequences: number[][]; contextLengths: number[] } {
  const sequences: number[][] = [];
  const contextLengths: number[] = [];
  for (const s of sonnets) {
    const [head, tail] = splitAfterLines(s.text, promptLines);
    const context = encode(head);
    const seq = [...context, ...encode(tail), EOS_ID].slice(0, maxLength);
    if (context.length >= seq.length) {
      throw new Error(
        `sonnet ${s.number} (line ${s.line}): its first ${promptLines} lines fill the ` +
          `${maxLength}-token limit; no continuation token is left to score`,
      );
    }
    sequences.push(seq);
    contextLengths.push(context.length);
  }
  return { sequences, contextLengths };
}

/** The data files the sonnet task reads (they ship with the module). */
export const SONNET_FILES = [
  "sonnets.txt",
  "TRUE_sonnets_held_out_dev.txt",
  "sonnets_held_out_dev.txt",
  "sonnets_held_out.txt",
] as const;

/**
 * Builds the sonnet task for a run: loads the files, sets which parameters train.
 */
export async function createSonnetTask(
  config: TrainConfig,
  model: GPT2,
  log: (message: string) => void = (m) => console.error(m),
): Promise<TrainingTask<SonnetBatch>> {
  const g = config.generation;
  if (!g) throw new Error("sonnet task: the configuration has no generation settings");
  // A run folder's config.json from before --samples has none: it generated one sample.
  const samples = g.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1 || samples > MAX_SAMPLES_PER_PROMPT) {
    throw new Error(
      `sonnet task: --samples (generation.samples) must be an integer in [1, ${MAX_SAMPLES_PER_PROMPT}], got ${samples}`,
    );
  }
  const strategy = attachStrategy(config, model, new Map(), log);
  const maxLength = Math.min(config.maxLength ?? Infinity, model.contextRoom);
  await ensureDataFiles(config.dataDir, SONNET_FILES, { log });
  const train = (await loadSonnets(dataFile(config.dataDir, "sonnets.txt"))).sonnets
    .slice(0, config.limit ?? undefined);
  const gold = (await loadSonnets(dataFile(config.dataDir, "TRUE_sonnets_held_out_dev.txt")))
    .sonnets.slice(0, config.evalLimit ?? undefined);
  const devPrompts = (await loadSonnets(dataFile(config.dataDir, "sonnets_held_out_dev.txt")))
    .sonnets.slice(0, config.evalLimit ?? undefined);
  const testPrompts = (await loadSonnets(dataFile(config.dataDir, "sonnets_held_out.txt")))
    .sonnets.slice(0, config.evalLimit ?? undefined);
  const sequences = sonnetSequences(train, maxLength);
  const goldSequences = sonnetSequences(gold, maxLength);
  // Cut at the model's context, not --max-length: a short training length must not cut away
  // the lines being scored (the prompt alone can be longer than 40 tokens).
  const goldContinuations = continuationSequences(gold, PROMPT_LINES, model.contextRoom);
  const wholePerplexity = () => modelPerplexity(model, goldSequences, config.batchSize);
  log(
    `sonnets: ${train.length} train, ${gold.length} dev gold, ${testPrompts.length} test prompts`,
  );
  return {
    trainSize: sequences.length,
    makeBatch(indices) {
      const b = padBatch(indices.map((i) => sequences[i]));
      return { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen };
    },
    loss(batch, ctx) {
      const { loss, hidden, targets, count } = lmLoss(model, batch, {
        training: true,
        seed: ctx.seed,
      });
      const logits = () => model.logits(hidden);
      const extra = strategy.extraLoss?.({ logits, input: batch, targets, count });
      return {
        loss: extra ? add(loss, extra) : loss,
        tokens: batch.mask.reduce((a, b) => a + b, 0),
      };
    },
    extraParams: () => strategy.params(),
    paramGroups: () => strategy.paramGroups(),
    onEpochStart: (e) => strategy.onEpochStart?.(e),
    async evaluate() {
      const r = await wholePerplexity();
      return { dev_loss: r.loss, dev_perplexity: r.perplexity };
    },
    async evaluateExamples(indices, prefix) {
      const r = await nextTokenScores(model, indices.map((i) => sequences[i]));
      return {
        [`${prefix}_loss`]: r.loss,
        [`${prefix}_perplexity`]: r.perplexity,
        [`${prefix}_token_accuracy`]: r.accuracy,
      };
    },
    async finish(runDir, control) {
      await strategy.beforeInference?.();
      await writeGenerationParts(
        model,
        g,
        samples,
        [
          { name: "dev", prompts: devPrompts, seed: config.seed, file: SONNET_OUTPUTS.dev },
          {
            name: "test",
            prompts: testPrompts,
            seed: config.seed + 1000,
            file: SONNET_OUTPUTS.test,
          },
        ],
        runDir,
        control,
      );
      await strategy.save?.(join(runDir, STRATEGY_DIR));
      const { perplexity: dev_perplexity } = await wholePerplexity();
      const { perplexity: dev_perplexity_continuation } = await continuationPerplexity(
        model,
        goldContinuations.sequences,
        goldContinuations.contextLengths,
        config.batchSize,
      );
      // Scored from the written files, exactly as `deno task eval` scores them, paired by number:
      // the first sample under the usual names, mean and sd over the samples beside them.
      const scores = await scoreSampleFiles(runDir, SONNET_OUTPUTS.dev, gold, samples);
      return { dev_perplexity, dev_perplexity_continuation, ...scores };
    },
  };
}
