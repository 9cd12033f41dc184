/**
 * The sonnet task: fine-tune GPT-2 as a language model on Shakespeare's sonnets 1–131, select by
 * dev perplexity on the gold sonnets 132–143 (the study's way) or by perplexity on held-out
 * training sonnets (`--select-on=heldout:F`: `heldout_perplexity`, `heldout_token_accuracy`),
 * then generate the dev and test sonnets from their first three lines with the study's controls
 * and score the dev generations.
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
import { generate } from "../../model/generate.ts";
import type { GPT2 } from "../../model/gpt2.ts";
import { lmLoss } from "../../model/lm_loss.ts";
import type { LogitsProcessor } from "../../model/sampling.ts";
import { decode, encode, EOS_ID, padBatch } from "../../model/tokenizer.ts";
import { attachStrategy, STRATEGY_DIR } from "../../strategies/registry.ts";
import { dataFile } from "../data/data_dir.ts";
import { ensureDataFiles } from "../data/data_fetch.ts";
import { loadSonnets, parseSonnets, type Sonnet } from "../data/sonnet_data.ts";
import {
  newlineBoost,
  punctuationBoost,
  repetitionWindowPenalty,
  stopAtLines,
} from "./sonnet_controls.ts";
import { PROMPT_LINES, scoreSonnets } from "../../eval/sonnet_scores.ts";
import { pairingProblems, pairSonnetsByNumber } from "../../eval/sonnet_pairing.ts";
import { FinishInterrupted } from "../engine/finish_control.ts";
import type { TrainingTask } from "../engine/task.ts";
import type { GenerationSettings, TrainConfig } from "../engine/train_config.ts";
import { writeSonnetFile } from "../data/writers.ts";
import { nextTokenScores } from "./next_token_scores.ts";

/** Output files of the sonnet task inside the run folder. */
export const SONNET_OUTPUTS = {
  dev: "generated_sonnets_dev.txt",
  test: "generated_sonnets.txt",
} as const;

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

/** The study's generation controls as logits processors. */
export function sonnetProcessors(g: GenerationSettings): LogitsProcessor[] {
  const out: LogitsProcessor[] = [
    punctuationBoost({ afterWords: g.punctuationAfterWords, boost: g.punctuationBoost }),
    newlineBoost({ afterWords: g.newlineAfterWords, boost: g.newlineBoost }),
  ];
  if (g.repetitionPenalty !== 1) {
    out.push(repetitionWindowPenalty({ window: g.repetitionWindow, penalty: g.repetitionPenalty }));
  }
  return out;
}

/**
 * Generates a 14-line sonnet from each prompt's first lines (prompt lines kept in the text).
 */
export async function generateSonnets(
  model: GPT2,
  prompts: Sonnet[],
  g: GenerationSettings,
  seed: number,
  batchSize = 12,
  stop: () => boolean = () => false,
): Promise<{ number: number; text: string }[]> {
  const out: { number: number; text: string }[] = [];
  for (let i = 0; i < prompts.length; i += batchSize) {
    const chunk = prompts.slice(i, i + batchSize);
    const texts = chunk.map((p) => p.text + "\n");
    const room = model.contextRoom;
    const ids = texts.map((t) => encode(t).slice(-Math.max(1, room - 1)));
    const { tokens } = await generate(model, ids, {
      maxNewTokens: Math.min(g.maxNewTokens, room - Math.max(...ids.map((x) => x.length))),
      temperature: g.temperature,
      topP: g.topP,
      sample: g.temperature > 0,
      seed: seed + i,
      processors: sonnetProcessors(g),
      stopWhen: stopOrLines(stop, stopAtLines(g.stopAtLines, texts)),
    });
    if (stop()) return out; // Ctrl-C: the caller discards the partial result
    chunk.forEach((p, b) => {
      const body = decode(tokens[b].filter((t) => t !== EOS_ID));
      out.push({ number: p.number, text: (texts[b] + body).trim() });
    });
  }
  return out;
}

function stopOrLines(
  stop: () => boolean,
  lines: (generated: readonly number[], b: number) => boolean,
): (generated: readonly number[], b: number) => boolean {
  return (generated, b) => stop() || lines(generated, b);
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
      const stop = () => control?.stopRequested() ?? false;
      const part = control?.part ?? ((_: string, work: () => Promise<void>) => work());
      await part("dev generations", async () => {
        const dev = await generateSonnets(model, devPrompts, g, config.seed, 12, stop);
        if (stop()) throw new FinishInterrupted("during dev generations");
        await writeSonnetFile(join(runDir, SONNET_OUTPUTS.dev), dev);
      });
      await part("test generations", async () => {
        const test = await generateSonnets(model, testPrompts, g, config.seed + 1000, 12, stop);
        if (stop()) throw new FinishInterrupted("during test generations");
        await writeSonnetFile(join(runDir, SONNET_OUTPUTS.test), test);
      });
      await strategy.save?.(join(runDir, STRATEGY_DIR));
      const { perplexity: dev_perplexity } = await wholePerplexity();
      const { perplexity: dev_perplexity_continuation } = await continuationPerplexity(
        model,
        goldContinuations.sequences,
        goldContinuations.contextLengths,
        config.batchSize,
      );
      // Scored from the written file, exactly as `deno task eval` scores it, paired by number.
      const devFile = join(runDir, SONNET_OUTPUTS.dev);
      const generated = parseSonnets(await Deno.readTextFile(devFile), devFile).sonnets;
      const pairs = pairSonnetsByNumber(generated, gold);
      const problems = pairingProblems(pairs, devFile, "the dev gold sonnets");
      if (problems.length > 0) throw new Error(problems.join("; "));
      const scores = scoreSonnets(pairs.generated, pairs.gold);
      return { dev_perplexity, dev_perplexity_continuation, ...scores };
    },
  };
}
