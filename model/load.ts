/**
 * Loading a model by preset name or directory, saving it back, and reading gradients by HF
 * parameter name: the entry points a script uses.
 *
 * @module
 */
import { acquireGpu, type Gpu } from "../kernels/gpu.ts";
import { loadCheckpointTensors, saveCheckpoint } from "./checkpoint.ts";
import type { GPT2Config } from "./config.ts";
import { resolveModelDir, type ResolveOptions } from "./hub.ts";
import { GPT2 } from "./gpt2.ts";
import { initParameters } from "./init.ts";

/** Options of {@link loadModel}. */
export interface LoadModelOptions extends ResolveOptions {
  /** Device to put the model on (default: a new one from {@link acquireGpu}). */
  gpu?: Gpu;
  /** Seed of the random initialisation (`tiny`). Default 0. */
  seed?: number;
  /** Fields to override in the loaded configuration (e.g. dropout rates). */
  configOverrides?: Partial<GPT2Config>;
}

/**
 * Loads GPT-2 from a directory with `config.json` + `model.safetensors` (HF layout), from a
 * preset name (`gpt2`, `gpt2-medium`, `gpt2-large`, `gpt2-xl`: cached, downloaded when absent),
 * or builds the randomly initialised `tiny` preset. Files are fully checked before any GPU work.
 *
 * @example
 * ```ts
 * const model = await loadModel("tiny"); // or "gpt2", or a folder holding an HF checkpoint
 * console.log(model.config.nLayer); // 2
 * model.dispose();
 * ```
 */
export async function loadModel(nameOrPath: string, options: LoadModelOptions = {}): Promise<GPT2> {
  const resolved = await resolveModelDir(nameOrPath, options);
  let config: GPT2Config;
  let tensors: Map<string, Float32Array>;
  if (resolved.kind === "random") {
    config = { ...resolved.config, ...options.configOverrides };
    tensors = initParameters(config, options.seed ?? 0);
  } else {
    const loaded = await loadCheckpointTensors(resolved.dir);
    config = { ...loaded.config, ...options.configOverrides };
    tensors = loaded.tensors;
  }
  const gpu = options.gpu ?? await acquireGpu();
  return GPT2.fromTensors(gpu, config, tensors);
}

/**
 * Writes the model as `config.json` + `model.safetensors` (HF layout, atomic writes) so that
 * Hugging Face and this toolkit read each other's files.
 */
export async function saveModel(
  model: GPT2,
  dir: string,
  metadata?: Record<string, string>,
): Promise<void> {
  await saveCheckpoint(dir, model.config, await model.toHost(), metadata);
}

/**
 * Copies the current gradients to the host by HF parameter name (parameters without a gradient
 * are absent).
 */
export async function gradientsByName(model: GPT2): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of model.params) if (t.grad) out.set(name, await t.grad.readFloat());
  return out;
}
