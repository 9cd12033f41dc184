/**
 * GPT-2 research toolkit on WebGPU: GPT-2 as WGSL compute kernels with autograd, Hugging Face
 * checkpoints and tokenizer, generation, the CS224N data sets, fine-tuning strategies and the
 * study's metrics.
 *
 * @example
 * ```ts
 * import { encode, generate, loadModel, decode } from "./mod.ts";
 * const model = await loadModel("gpt2");
 * const { tokens } = await generate(model, [encode("Shall I compare thee")], { maxNewTokens: 20 });
 * console.log(decode(tokens[0]));
 * ```
 *
 * @module
 */

// Runtime: device, tensors, autograd, ops, optimizer.
export * from "./kernels/gpu.ts";
export * from "./kernels/buffer_pool.ts";
export * from "./kernels/tensor.ts";
export * from "./kernels/autograd.ts";
export * from "./kernels/elementwise.ts";
export * from "./kernels/reduce.ts";
export * from "./kernels/matmul.ts";
export * from "./kernels/layer_norm.ts";
export * from "./kernels/gelu.ts";
export * from "./kernels/embedding.ts";
export * from "./kernels/dropout.ts";
export * from "./kernels/heads.ts";
export * from "./kernels/attention_softmax.ts";
export * from "./kernels/attention.ts";
export * from "./kernels/cross_entropy.ts";
export * from "./kernels/pooling.ts";
export * from "./kernels/shape.ts";
export * from "./kernels/adamw.ts";
export * from "./kernels/clip.ts";
export * from "./kernels/finite_check.ts";

// GPT-2: configuration, checkpoints, tokenizer, model, loss, generation.
export * from "./model/config.ts";
export * from "./model/atomic_write.ts";
export * from "./model/path_exists.ts";
export * from "./model/safetensors.ts";
export * from "./model/checkpoint.ts";
export * from "./model/hub.ts";
export * from "./model/tokenizer.ts";
export * from "./model/init.ts";
export * from "./model/gpt2.ts";
export * from "./model/lm_loss.ts";
export * from "./model/sampling.ts";
export * from "./model/generate.ts";
export * from "./model/load.ts";

// Metrics.
export * from "./eval/chrf.ts";
export * from "./eval/distinct.ts";
export * from "./eval/rhyme.ts";
export * from "./eval/study_rhyme.ts";
export * from "./eval/meter.ts";
export * from "./eval/iambic.ts";
export * from "./eval/continuation.ts";
export * from "./eval/perplexity.ts";
export * from "./eval/study_perplexity.ts";
export * from "./eval/classification.ts";
export * from "./eval/model_perplexity.ts";

// Data sets and output files in CS224N's formats.
export * from "./tasks/data/data_dir.ts";
export * from "./tasks/data/csv.ts";
export * from "./tasks/data/sentiment_data.ts";
export * from "./tasks/data/paraphrase_data.ts";
export * from "./tasks/data/sonnet_data.ts";
export * from "./tasks/data/writers.ts";

// Training engine, tasks and strategies.
export * from "./tasks/engine/task.ts";
export * from "./tasks/registry.ts";
export * from "./tasks/engine/trainer.ts";
export * from "./tasks/engine/train_config.ts";
export * from "./tasks/engine/training_checkpoint.ts";
export * from "./tasks/engine/run_dir.ts";
export * from "./tasks/engine/progress.ts";
export * from "./tasks/sonnet/sonnet_controls.ts";
export * from "./eval/sonnet_scores.ts";
export * from "./tasks/sonnet/sonnet_task.ts";
export * from "./tasks/classification/classifier_head.ts";
export * from "./tasks/classification/predict.ts";
export * from "./tasks/classification/report.ts";
export * from "./tasks/classification/score_predictions.ts";
export * from "./tasks/sentiment/sentiment.ts";
export * from "./tasks/paraphrase/paraphrase.ts";
export * from "./tasks/sonnet/sonnet.ts";
export * from "./tasks/sentiment/sentiment_task.ts";
export * from "./tasks/cli/train.ts";
export * from "./strategies/freezing.ts";
export * from "./strategies/schedules.ts";
export * from "./strategies/ulmfit.ts";
export * from "./strategies/ulmfit_strategy.ts";
export * from "./strategies/strategy.ts";
export * from "./strategies/registry.ts";
export * from "./strategies/freezing_strategies.ts";
