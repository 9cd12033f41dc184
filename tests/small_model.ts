/**
 * A small random GPT-2 for tests: the real 50,257-token vocabulary (so the tokenizer's ids
 * work) but 2 blocks of width 32 with 2 heads and 64 positions, so that a forward, a backward
 * and a checkpoint take milliseconds on the software adapter.
 *
 * @module
 */
import type { Gpu } from "../kernels/gpu.ts";
import { type GPT2Config, PRESETS } from "../model/config.ts";
import { GPT2 } from "../model/gpt2.ts";
import { initParameters } from "../model/init.ts";

/** The small configuration (GPT-2's dropout rates unless overridden). */
export const SMALL_CONFIG: Readonly<GPT2Config> = Object.freeze({
  ...PRESETS.tiny,
  nLayer: 2,
  nEmbd: 32,
  nHead: 2,
  nPositions: 64,
});

/**
 * A randomly initialised small GPT-2 on `gpu`.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "../kernels/gpu.ts";
 * const model = smallModel(await acquireGpu(), 1, { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 });
 * console.log(model.config.nEmbd); // 32
 * model.dispose();
 * ```
 */
export function smallModel(gpu: Gpu, seed = 0, overrides: Partial<GPT2Config> = {}): GPT2 {
  const config = { ...SMALL_CONFIG, ...overrides };
  return GPT2.fromTensors(gpu, config, initParameters(config, seed));
}
