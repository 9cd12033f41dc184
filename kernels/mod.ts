/**
 * The WebGPU runtime: device, buffers, tensors, autograd, one op per file (WGSL forward and
 * backward with a CPU reference), the AdamW optimizer, gradient clipping and finite checks.
 *
 * @example
 * ```ts
 * import { acquireGpu, backward, mean, tensorFrom } from "./mod.ts";
 * const gpu = await acquireGpu();
 * const x = tensorFrom(gpu, [1, 2, 3], [3], { requiresGrad: true });
 * backward(mean(x));
 * console.log(await x.grad!.readFloat()); // [1/3, 1/3, 1/3]
 * ```
 *
 * @module
 */

export * from "./gpu.ts";
export type { BufferDecl, Kernel, ParamType, StorageType } from "./kernel.ts";
export type { MatmulTiling } from "./matmul_wgsl.ts";
export * from "./buffer_pool.ts";
export * from "./tensor.ts";
export * from "./autograd.ts";
export * from "./elementwise.ts";
export * from "./reduce.ts";
export * from "./matmul.ts";
export * from "./layer_norm.ts";
export * from "./gelu.ts";
export * from "./embedding.ts";
export * from "./dropout.ts";
export * from "./heads.ts";
export * from "./attention_softmax.ts";
export * from "./attention.ts";
export * from "./cross_entropy.ts";
export * from "./lm_head_loss.ts";
export * from "./row_head.ts";
export * from "./capture.ts";
export * from "./kv_cache.ts";
export * from "./decode_embedding.ts";
export * from "./profiler.ts";
export * from "./pooling.ts";
export * from "./shape.ts";
export * from "./adamw.ts";
export * from "./clip.ts";
export * from "./finite_check.ts";
export * from "./unlikelihood.ts";
export * from "./prefix_kv.ts";
export * from "./tanh.ts";
