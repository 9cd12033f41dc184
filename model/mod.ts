/**
 * GPT-2: configuration and presets, Hugging Face checkpoints (safetensors, hub download and
 * cache), the tokenizer, the model, its LM loss and generation.
 *
 * @example
 * ```ts
 * import { decode, encode, generate, loadModel } from "./mod.ts";
 * const model = await loadModel("tiny");
 * const out = await generate(model, [encode("Shall I")], { maxNewTokens: 4, seed: 1 });
 * console.log(decode(out.tokens[0]));
 * ```
 *
 * @module
 */

export * from "./config.ts";
export * from "./atomic_write.ts";
export * from "./path_exists.ts";
export * from "./safetensors.ts";
export * from "./checkpoint.ts";
export * from "./hf_cache.ts";
export * from "./hub.ts";
export * from "./tokenizer.ts";
export * from "./init.ts";
export * from "./gpt2.ts";
export * from "./lm_loss.ts";
export * from "./sampling.ts";
export * from "./generate.ts";
export * from "./cached_decoder.ts";
export * from "./load.ts";
