/**
 * Before/after rows of the decoding changes, measured in the same run: the concatenating KV
 * cache against the in-place cache with its recorded step (model/cached_decoder.ts), and host
 * sampling against sampling on the device (kernels/sample_tokens.ts). Called by
 * `deno task bench`; run alone for the `tiny` rows only:
 * `deno run -A tests/bench_decode.ts`.
 *
 * @module
 */
import { acquireGpu, type Gpu } from "../kernels/gpu.ts";
import { PRESETS } from "../model/config.ts";
import { generate, type GenerateOptions } from "../model/generate.ts";
import { GPT2 } from "../model/gpt2.ts";
import { initParameters } from "../model/init.ts";

/** One before → after row. */
export interface ChangeRow {
  /** What was measured. */
  what: string;
  /** Median ms per decoding step before. */
  before: number;
  /** Median ms per decoding step after. */
  after: number;
}

/**
 * Median wall time of each of `fns` over `reps` rounds after one warm-up round; each round runs
 * every variant once, in turn, so a change of the machine's load hits all of them alike.
 */
async function interleavedMedians(
  fns: (() => Promise<unknown>)[],
  reps: number,
): Promise<number[]> {
  for (const fn of fns) await fn();
  const times: number[][] = fns.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (const [i, fn] of fns.entries()) {
      const t0 = performance.now();
      await fn();
      times[i].push(performance.now() - t0);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(reps / 2)]);
}

/**
 * Per-step time of generating `steps` tokens after a 16-token prompt at batch 1 and 12, top-p
 * 0.9, each variant against the earlier path, interleaved in one run.
 *
 * @example
 * ```ts ignore
 * // minutes on a software adapter: run by `deno task bench`, not as a doc test
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny");
 * printChangeRows(await decodeChangeRows(model, "tiny"));
 * ```
 */
export async function decodeChangeRows(
  model: GPT2,
  label: string,
  steps = 16,
  reps = 5,
): Promise<ChangeRow[]> {
  const rows: ChangeRow[] = [];
  for (const batch of [1, 12]) {
    const prompts = Array.from(
      { length: batch },
      () => Array.from({ length: 16 }, (_, i) => 464 + i),
    );
    const base: GenerateOptions = {
      maxNewTokens: steps,
      stopTokens: [],
      temperature: 1,
      topP: 0.9,
      seed: 1,
    };
    const run = (extra: Partial<GenerateOptions>) => () =>
      generate(model, prompts, { ...base, ...extra });
    const [concat, inPlace, device] = await interleavedMedians(
      [run({ inPlaceCache: false }), run({}), run({ sampleOn: "device" })],
      reps,
    );
    rows.push({
      what:
        `${label} generation batch ${batch}: concatenated cache → in-place cache, recorded step`,
      before: concat / steps,
      after: inPlace / steps,
    }, {
      what: `${label} generation batch ${batch}, in-place cache: host sampling → sampleOn "device"`,
      before: inPlace / steps,
      after: device / steps,
    });
  }
  return rows;
}

/** Prints change rows as Markdown table rows. */
export function printChangeRows(rows: ChangeRow[]): void {
  for (const r of rows) {
    console.log(
      `| ${r.what} | ${r.before.toFixed(1)} → ${r.after.toFixed(1)} ms/step ` +
        `(${
          (r.before / r.after).toFixed(2)
        }×) | 16-token prompt, 16 new, top-p 0.9, prefill included |`,
    );
  }
}

async function main(gpu: Gpu) {
  const config = PRESETS.tiny;
  const model = GPT2.fromTensors(gpu, config, initParameters(config, 0));
  console.log(
    `adapter: ${gpu.describe()}\n\n| change | before → after | detail |\n| --- | --- | --- |`,
  );
  printChangeRows(await decodeChangeRows(model, "tiny"));
  model.dispose();
}

if (import.meta.main) await main(await acquireGpu());
