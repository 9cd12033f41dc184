/**
 * Sonnet generation: the study's controls as logits processors, and N samples per prompt.
 *
 * Sample k (0-based) of prompt p (its index in the prompt list) draws from the random stream
 * `sampleStream(p, k)` of the split's seed, so it does not depend on the batch it is generated in
 * or on how many samples are asked for. Sample 0 is also generated in exactly the batches a
 * one-sample run uses (chunks of {@linkcode GENERATION_BATCH} prompts): `--samples=N` writes the
 * same first sample, byte for byte, as `--samples=1`. The other samples are generated in groups
 * ({@linkcode sampleGroups}) that fill a batch with several samples of the same prompts.
 *
 * Files: sample 0 goes to the CS224N file (`generated_sonnets_dev.txt`), sample k ≥ 1 to the file
 * {@linkcode sampleFileName} names (`generated_sonnets_dev_sample2.txt` for k = 1), in the same
 * CS224N format, so that `deno task eval` scores any of them.
 *
 * @module
 */
import { generate } from "../../model/generate.ts";
import type { GPT2 } from "../../model/gpt2.ts";
import {
  type LogitsProcessor,
  MAX_SAMPLES_PER_PROMPT,
  sampleStream,
} from "../../model/sampling.ts";
import { decode, encode, EOS_ID } from "../../model/tokenizer.ts";
import type { Sonnet } from "../data/sonnet_data.ts";
import type { GenerationSettings } from "../engine/train_defaults.ts";
import {
  newlineBoost,
  punctuationBoost,
  repetitionWindowPenalty,
  stopAtLines,
} from "./sonnet_controls.ts";

/** Sequences per generation batch (the 12 dev or test prompts at once). */
export const GENERATION_BATCH = 12;

/** One generated sonnet: its prompt's number and its text (the prompt lines included). */
export interface GeneratedSonnet {
  /** The sonnet's number (its prompt's). */
  number: number;
  /** The whole text, prompt lines first, trimmed. */
  text: string;
}

/** One sequence of a generation batch: which prompt (index in the list) and which sample. */
export interface SampleSlot {
  /** Index of the prompt in the prompt list. */
  prompt: number;
  /** 0-based sample index. */
  sample: number;
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

function checkCount(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/**
 * The sample indices 0 … `samples` − 1 split into the groups generated together: `[0]` first (the
 * batches of a one-sample run), then groups of ⌊`batchSize` / prompts per chunk⌋ samples (one
 * sample per group when the prompts fill a batch). Throws naming a bad count.
 *
 * @example
 * ```ts
 * import { sampleGroups } from "./sonnet_generation.ts";
 * sampleGroups(2, 8, 12); // [[0], [1, 2, 3, 4, 5, 6], [7]]
 * sampleGroups(12, 3, 12); // [[0], [1], [2]]
 * ```
 */
export function sampleGroups(
  promptCount: number,
  samples: number,
  batchSize: number = GENERATION_BATCH,
): number[][] {
  checkCount("sampleGroups: promptCount", promptCount, 0);
  checkCount("sampleGroups: samples", samples, 1, MAX_SAMPLES_PER_PROMPT);
  checkCount("sampleGroups: batchSize", batchSize, 1);
  const perGroup = Math.max(
    1,
    Math.floor(batchSize / Math.max(1, Math.min(promptCount, batchSize))),
  );
  const groups = [[0]];
  for (let k = 1; k < samples; k += perGroup) {
    groups.push(Array.from({ length: Math.min(perGroup, samples - k) }, (_, i) => k + i));
  }
  return groups;
}

/**
 * The batches that generate the samples `group` of `promptCount` prompts: the prompts in chunks of
 * `batchSize`, each chunk once per sample of the group (so every batch holds the same prompts as
 * that chunk's batch in a one-sample run). A group from {@linkcode sampleGroups} keeps each batch
 * within `batchSize` sequences.
 *
 * @example
 * ```ts
 * import { sampleBatches } from "./sonnet_generation.ts";
 * sampleBatches(2, [1, 2], 12);
 * // [[{ prompt: 0, sample: 1 }, { prompt: 1, sample: 1 }, { prompt: 0, sample: 2 }, { prompt: 1, sample: 2 }]]
 * ```
 */
export function sampleBatches(
  promptCount: number,
  group: readonly number[],
  batchSize: number = GENERATION_BATCH,
): SampleSlot[][] {
  checkCount("sampleBatches: promptCount", promptCount, 0);
  checkCount("sampleBatches: batchSize", batchSize, 1);
  const batches: SampleSlot[][] = [];
  for (let start = 0; start < promptCount; start += batchSize) {
    const end = Math.min(promptCount, start + batchSize);
    const batch: SampleSlot[] = [];
    for (const sample of group) {
      for (let prompt = start; prompt < end; prompt++) batch.push({ prompt, sample });
    }
    batches.push(batch);
  }
  return batches;
}

/**
 * The file of sample `sample` (0-based) beside `file`: `file` itself for sample 0, else
 * `<name>_sample<sample + 1>.<ext>`.
 *
 * @example
 * ```ts
 * import { sampleFileName } from "./sonnet_generation.ts";
 * sampleFileName("generated_sonnets_dev.txt", 0); // "generated_sonnets_dev.txt"
 * sampleFileName("generated_sonnets_dev.txt", 1); // "generated_sonnets_dev_sample2.txt"
 * ```
 */
export function sampleFileName(file: string, sample: number): string {
  checkCount("sampleFileName: sample", sample, 0, MAX_SAMPLES_PER_PROMPT - 1);
  if (sample === 0) return file;
  const dot = file.lastIndexOf(".");
  const slash = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  const [stem, ext] = dot > slash ? [file.slice(0, dot), file.slice(dot)] : [file, ""];
  return `${stem}_sample${sample + 1}${ext}`;
}

/** Options of {@linkcode generateSonnetSamples}. */
export interface SampleOptions {
  /** Sequences per batch (default {@linkcode GENERATION_BATCH}). */
  batchSize?: number;
  /** Checked between batches and tokens; true gives up early (the result is then partial). */
  stop?: () => boolean;
}

/**
 * Generates samples `group` (0-based sample indices) of a 14-line sonnet from each prompt (prompt
 * lines kept in the text), sample k of prompt p from stream `sampleStream(p, k)` of `seed`.
 * Returns one list per entry of `group`, in prompt order; when `stop` asked to stop the lists are
 * incomplete and the caller must discard them.
 *
 * @example
 * ```ts
 * import { generateSonnetSamples } from "./sonnet_generation.ts";
 * // const [first, second] = await generateSonnetSamples(model, prompts, settings, 11711, [0, 1]);
 * ```
 */
export async function generateSonnetSamples(
  model: GPT2,
  prompts: readonly Sonnet[],
  g: GenerationSettings,
  seed: number,
  group: readonly number[],
  { batchSize = GENERATION_BATCH, stop = () => false }: SampleOptions = {},
): Promise<GeneratedSonnet[][]> {
  const room = model.contextRoom;
  const texts = prompts.map((p) => p.text + "\n");
  const promptIds = texts.map((t) => encode(t).slice(-Math.max(1, room - 1)));
  const out: GeneratedSonnet[][] = group.map(() => new Array(prompts.length));
  const processors = sonnetProcessors(g);
  for (const batch of sampleBatches(prompts.length, group, batchSize)) {
    const ids = batch.map((s) => promptIds[s.prompt]);
    const lines = stopAtLines(g.stopAtLines, batch.map((s) => texts[s.prompt]));
    const { tokens } = await generate(model, ids, {
      maxNewTokens: Math.min(g.maxNewTokens, room - Math.max(...ids.map((x) => x.length))),
      temperature: g.temperature,
      topP: g.topP,
      sample: g.temperature > 0,
      seed,
      streams: batch.map((s) => sampleStream(s.prompt, s.sample)),
      processors,
      stopWhen: (generated, b) => stop() || lines(generated, b),
    });
    if (stop()) return out; // Ctrl-C: the caller discards the partial result
    batch.forEach((s, b) => {
      const body = decode(tokens[b].filter((t) => t !== EOS_ID));
      out[group.indexOf(s.sample)][s.prompt] = {
        number: prompts[s.prompt].number,
        text: (texts[s.prompt] + body).trim(),
      };
    });
  }
  return out;
}

/**
 * Generates one 14-line sonnet from each prompt's first lines (prompt lines kept in the text):
 * sample 0 of {@linkcode generateSonnetSamples}.
 *
 * @example
 * ```ts
 * import { generateSonnets } from "./sonnet_generation.ts";
 * // const sonnets = await generateSonnets(model, prompts, settings, 11711);
 * ```
 */
export async function generateSonnets(
  model: GPT2,
  prompts: Sonnet[],
  g: GenerationSettings,
  seed: number,
  batchSize: number = GENERATION_BATCH,
  stop: () => boolean = () => false,
): Promise<GeneratedSonnet[]> {
  const [first] = await generateSonnetSamples(model, prompts, g, seed, [0], { batchSize, stop });
  return first;
}
