/**
 * GPT-2 research toolkit on WebGPU: GPT-2 as WGSL compute kernels with autograd, Hugging Face
 * checkpoints and tokenizer, generation, the CS224N data sets, fine-tuning strategies and the
 * study's metrics.
 *
 * This module holds the main entry points; each part has its own module with everything in it:
 * `./kernels/mod.ts`, `./model/mod.ts`, `./tasks/mod.ts`, `./strategies/mod.ts`, `./eval/mod.ts`
 * (the package's `./kernels`, `./model`, … exports).
 *
 * @example
 * ```ts
 * import { decode, encode, generate, loadModel } from "./mod.ts";
 * const model = await loadModel("tiny"); // "gpt2" downloads GPT-2 124M once
 * const { tokens } = await generate(model, [encode("Shall I compare thee")], { maxNewTokens: 8 });
 * console.log(decode(tokens[0]));
 * model.dispose();
 * ```
 *
 * @module
 */

// Runtime: device, tensors, autograd, optimizer.
export { acquireGpu, Gpu } from "./kernels/gpu.ts";
export { Tensor, tensorFrom } from "./kernels/tensor.ts";
export { backward } from "./kernels/autograd.ts";
export { AdamW } from "./kernels/adamw.ts";

// GPT-2: loading and saving, the model, tokenizer, loss, generation.
export { gradientsByName, loadModel, type LoadModelOptions, saveModel } from "./model/load.ts";
export { GPT2 } from "./model/gpt2.ts";
export { type GPT2Config, PRESETS } from "./model/config.ts";
export { decode, encode, EOS_ID, padBatch } from "./model/tokenizer.ts";
export { lmLoss } from "./model/lm_loss.ts";
export { generate, type GenerateOptions, type GenerateResult } from "./model/generate.ts";

// Tasks, training and scoring.
export { runTraining } from "./tasks/cli/train.ts";
export { findTask, TASKS } from "./tasks/registry.ts";
export { ensureDataFiles } from "./tasks/data/data_fetch.ts";
export { scoreSonnetFiles } from "./eval/sonnet_scores.ts";
