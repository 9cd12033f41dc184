/**
 * Which GPT-2 parameters train. Freezing sets `requiresGrad = false`, so autograd does no work
 * for frozen parameters and the optimizer keeps no state for them (not a zero learning rate).
 *
 * @module
 */
import type { GPT2 } from "../model/gpt2.ts";

/** Index of the block a parameter belongs to (`h.{i}.…`), or null. */
export function blockIndex(name: string): number | null {
  const m = /^h\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : null;
}

/** Trains every GPT-2 parameter. */
export function trainAll(model: GPT2): void {
  model.setTrainable(true);
}

/** Freezes all of GPT-2 (only extra parameters such as a head, prefixes or adapters train). */
export function freezeAll(model: GPT2): void {
  model.setTrainable(false);
}

/**
 * Trains only the last `count` transformer blocks (the study's sonnet baseline: 4); embeddings
 * (and with them the tied LM head) and the final LayerNorm stay frozen.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny"); // 2 blocks
 * trainLastBlocks(model, 1); // h.1 only (of GPT-2 124M: 4 gives h.8 … h.11)
 * console.log(model.trainable().length); // 12: the tensors of one block
 * model.dispose();
 * ```
 */
export function trainLastBlocks(model: GPT2, count: number): void {
  const L = model.config.nLayer;
  if (!Number.isInteger(count) || count < 1 || count > L) {
    throw new Error(`trainLastBlocks: count must be an integer in [1, ${L}], got ${count}`);
  }
  model.setTrainable(false);
  model.setTrainable(true, (name) => (blockIndex(name) ?? -1) >= L - count);
}
