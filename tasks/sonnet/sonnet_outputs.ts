/**
 * The sonnet task's final outputs: the generated dev and test sonnets, `--samples=N` per prompt,
 * written as resumable parts, and the dev samples scored from the written files.
 *
 * Files in the run folder (each in CS224N's format, written atomically):
 * - `generated_sonnets_dev.txt`, `generated_sonnets.txt`: sample 1 (CS224N's files; the same bytes
 *   as a `--samples=1` run writes);
 * - `generated_sonnets_dev_sample<j>.txt`, `generated_sonnets_sample<j>.txt`: sample j, for
 *   j = 2 … N.
 *
 * Parts (see `tasks/engine/finish_control.ts`): `dev generations` (sample 1), then `dev
 * generations, samples j–k` per group of {@linkcode sampleGroups}, then the same for the test
 * prompts. After Ctrl-C, `--resume` redoes only the parts not recorded as done.
 *
 * @module
 */
import { join } from "node:path";
import type { GPT2 } from "../../model/gpt2.ts";
import { scoreSonnets, type SonnetScores } from "../../eval/sonnet_scores.ts";
import { sonnetSampleMetrics } from "../../eval/sonnet_samples.ts";
import { pairingProblems, pairSonnetsByNumber } from "../../eval/sonnet_pairing.ts";
import { parseSonnets, type Sonnet } from "../data/sonnet_data.ts";
import { writeSonnetFile } from "../data/writers.ts";
import { type FinishControl, FinishInterrupted } from "../engine/finish_control.ts";
import type { GenerationSettings } from "../engine/train_defaults.ts";
import { generateSonnetSamples, sampleFileName, sampleGroups } from "./sonnet_generation.ts";

/** Output files of the sonnet task inside the run folder (sample 1; see the module doc). */
export const SONNET_OUTPUTS = {
  dev: "generated_sonnets_dev.txt",
  test: "generated_sonnets.txt",
} as const;

/**
 * The name of the finish part that generates the 0-based samples `group` of `split`:
 * `"dev generations"` for `[0]` (the part a one-sample run has), else
 * `"dev generations, samples 2–4"` (1-based, as the files are numbered).
 *
 * @example
 * ```ts
 * import { generationPartName } from "./sonnet_outputs.ts";
 * generationPartName("test", [1]); // "test generations, sample 2"
 * ```
 */
export function generationPartName(split: string, group: readonly number[]): string {
  if (group.length === 1 && group[0] === 0) return `${split} generations`;
  const first = group[0] + 1;
  const last = group[group.length - 1] + 1;
  return `${split} generations, ${first === last ? `sample ${first}` : `samples ${first}–${last}`}`;
}

/** One split to generate: its name, prompts, seed and sample-1 file. */
export interface GenerationSplit {
  /** `dev` or `test` (names the parts). */
  name: string;
  /** The prompts (first lines of each sonnet). */
  prompts: readonly Sonnet[];
  /** Seed of the split's random streams. */
  seed: number;
  /** Sample 1's file name in the run folder. */
  file: string;
}

/**
 * Generates `samples` sonnets per prompt of each split and writes one file per sample into
 * `runDir`, group by group, each group a part of `control` (so Ctrl-C stops between batches and
 * `--resume` keeps the groups already written). Throws {@linkcode FinishInterrupted} on a stop.
 *
 * @example
 * ```ts
 * import { writeGenerationParts } from "./sonnet_outputs.ts";
 * // await writeGenerationParts(model, settings, 3, [{ name: "dev", prompts, seed: 1, file }], dir, control);
 * ```
 */
export async function writeGenerationParts(
  model: GPT2,
  g: GenerationSettings,
  samples: number,
  splits: readonly GenerationSplit[],
  runDir: string,
  control?: FinishControl,
): Promise<void> {
  const stop = () => control?.stopRequested() ?? false;
  const part = control?.part ?? ((_: string, work: () => Promise<void>) => work());
  for (const split of splits) {
    for (const group of sampleGroups(split.prompts.length, samples)) {
      const name = generationPartName(split.name, group);
      await part(name, async () => {
        const out = await generateSonnetSamples(model, split.prompts, g, split.seed, group, {
          stop,
        });
        if (stop()) throw new FinishInterrupted(`during ${name}`);
        for (const [i, sample] of group.entries()) {
          await writeSonnetFile(join(runDir, sampleFileName(split.file, sample)), out[i]);
        }
      });
    }
  }
}

/**
 * Scores each of the `samples` dev files in `runDir` against `gold` (paired by number, exactly as
 * `deno task eval` scores a file). Returns the first sample's scores under the usual names and,
 * for two or more samples, `samples` and every metric's `_mean` and `_sd` (sample sd, n − 1)
 * over the samples. Throws naming the file when its numbers do not pair with the gold's.
 *
 * @example
 * ```ts
 * import { scoreSampleFiles } from "./sonnet_outputs.ts";
 * // const metrics = await scoreSampleFiles(runDir, "generated_sonnets_dev.txt", gold, 3);
 * // metrics.chrf (sample 1), metrics.chrf_mean, metrics.chrf_sd
 * ```
 */
export async function scoreSampleFiles(
  runDir: string,
  file: string,
  gold: readonly Sonnet[],
  samples: number,
): Promise<Record<string, number>> {
  const scores: SonnetScores[] = [];
  for (let k = 0; k < samples; k++) {
    const path = join(runDir, sampleFileName(file, k));
    const generated = parseSonnets(await Deno.readTextFile(path), path).sonnets;
    const pairs = pairSonnetsByNumber(generated, [...gold]);
    const problems = pairingProblems(pairs, path, "the dev gold sonnets");
    if (problems.length > 0) throw new Error(problems.join("; "));
    scores.push(scoreSonnets(pairs.generated, pairs.gold));
  }
  const first: Record<string, number> = { ...scores[0] };
  return samples > 1 ? { ...first, ...sonnetSampleMetrics(scores) } : first;
}
