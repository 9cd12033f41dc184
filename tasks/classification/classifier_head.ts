/**
 * A linear classification head on GPT-2, as the study and CS224N build it: the final hidden
 * state of each sequence's last real (non-pad) token → dropout (training only) → a linear layer
 * to `numClasses` logits. The head's parameters are extra parameters of the run (`head.weight`
 * [C, K], `head.bias` [K]), saved beside GPT-2 in checkpoints under those names. Shared by the
 * sentiment and paraphrase tasks.
 *
 * @module
 */
import { dropout } from "../../kernels/dropout.ts";
import { biasAdd } from "../../kernels/elementwise.ts";
import type { Gpu } from "../../kernels/gpu.ts";
import { matmul } from "../../kernels/matmul.ts";
import { type Tensor, tensorFrom } from "../../kernels/tensor.ts";
import type { GPT2, ModelInput } from "../../model/gpt2.ts";
import { normalStream } from "../../model/init.ts";
import { poolHidden } from "./pooling_choice.ts";

/** Standard deviation of the head's initial weights (GPT-2's `initializer_range`). */
export const HEAD_INIT_STD = 0.02;

/**
 * Dropout stream of the head: far above the streams GPT-2's forward draws (one per dropout site,
 * counted from 0), so the head's mask is independent of the model's for the same seed.
 */
export const HEAD_DROPOUT_STREAM = 0x40000000;

/** A linear classification head: logits = pooled · weight + bias. */
export interface ClassifierHead {
  /** Weight [C, K] (C = GPT-2's width, K = classes). */
  readonly weight: Tensor;
  /** Bias [K]. */
  readonly bias: Tensor;
  /** Number of classes K. */
  readonly numClasses: number;
  /** The parameters by checkpoint name (`<prefix>.weight`, `<prefix>.bias`). */
  params(): Map<string, Tensor>;
  /** Frees the parameters and their gradients. */
  dispose(): void;
}

/** Options of {@linkcode createClassifierHead}. */
export interface HeadOptions {
  /** Seed of the weight initialisation N(0, 0.02²) (the bias starts at 0). */
  seed: number;
  /** Name prefix of the parameters (default `head`, the ULMFiT layer groups' head prefix). */
  prefix?: string;
}

/**
 * A new head of `numClasses` classes on `width`-wide hidden states: weight N(0, 0.02²) drawn
 * from `seed`, bias 0; both trainable and kept out of the device's scopes. Throws when `width`
 * or `numClasses` is not a positive integer.
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * const model = await loadModel("tiny");
 * const head = createClassifierHead(model.gpu, model.config.nEmbd, 5, { seed: 11711 });
 * console.log([...head.params()].map(([name, t]) => [name, t.shape]));
 * // [["head.weight", [128, 5]], ["head.bias", [5]]]
 * model.dispose();
 * ```
 */
export function createClassifierHead(
  gpu: Gpu,
  width: number,
  numClasses: number,
  options: HeadOptions,
): ClassifierHead {
  for (const [what, v] of [["width", width], ["numClasses", numClasses]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(`createClassifierHead(): ${what} must be a positive integer, got ${v}`);
    }
  }
  const prefix = options.prefix ?? "head";
  const normal = normalStream(options.seed);
  const w = Float32Array.from({ length: width * numClasses }, () => HEAD_INIT_STD * normal());
  const weight = tensorFrom(gpu, w, [width, numClasses], {
    requiresGrad: true,
    name: `${prefix}.weight`,
  });
  const bias = tensorFrom(gpu, new Float32Array(numClasses), [numClasses], {
    requiresGrad: true,
    name: `${prefix}.bias`,
  });
  gpu.keep(weight);
  gpu.keep(bias);
  return {
    weight,
    bias,
    numClasses,
    params: () => new Map([[weight.name, weight], [bias.name, bias]]),
    dispose() {
      for (const t of [weight, bias]) {
        t.grad?.dispose();
        t.dispose();
      }
    },
  };
}

/**
 * Per sequence, the number of positions up to and including its last real token: one past the
 * last index where `mask` (B × T) is non-zero. Throws naming the row when a row has no real token.
 *
 * @example
 * ```ts
 * lastTokenLengths(Float32Array.from([1, 1, 0, 1, 0, 0]), 2, 3); // [2, 1]
 * ```
 */
export function lastTokenLengths(mask: ArrayLike<number>, batch: number, seqLen: number): number[] {
  if (mask.length !== batch * seqLen) {
    throw new Error(
      `lastTokenLengths(): mask has ${mask.length} values, expected ${batch} × ${seqLen}`,
    );
  }
  return Array.from({ length: batch }, (_, b) => {
    let t = seqLen - 1;
    while (t >= 0 && mask[b * seqLen + t] === 0) t--;
    if (t < 0) throw new Error(`lastTokenLengths(): row ${b} of the batch has no real token`);
    return t + 1;
  });
}

/** Options of {@linkcode classify}. */
export interface ClassifyOptions {
  /** Training mode: GPT-2's dropout and the head's dropout are on. Default false. */
  training?: boolean;
  /** Dropout seed of this step. Default 0. */
  seed?: number;
  /** Head dropout probability (applied to the pooled state in training only). Default 0. */
  dropout?: number;
  /** Weight of the masked mean in the pooled state (`pooling_choice.ts`); default 0, the last token. */
  poolMeanWeight?: number;
}

/**
 * Logits [B, K] of a batch: GPT-2's final hidden state at each sequence's last real token (from
 * `input.mask`; without a mask, position T − 1), or its mix with the masked mean
 * (`poolMeanWeight`) → dropout → `head`. Differentiable in whatever
 * requires gradients (GPT-2's unfrozen parameters, the head).
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * const model = await loadModel("tiny");
 * import { encode, padBatch } from "../../model/tokenizer.ts";
 * const head = createClassifierHead(model.gpu, model.config.nEmbd, 5, { seed: 11711 });
 * const b = padBatch(["a fine film", "dull"].map((s) => encode(s)));
 * const input = { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen };
 * const logits = classify(model, head, input, { training: true, seed: 7, dropout: 0.3 });
 * console.log(logits.shape); // [2, 5]: (B, K)
 * model.dispose();
 * ```
 */
export function classify(
  model: GPT2,
  head: ClassifierHead,
  input: ModelInput,
  options: ClassifyOptions = {},
): Tensor {
  const { training = false, seed = 0, dropout: p = 0 } = options;
  const pooled = pooledHidden(model, input, { training, seed }, options.poolMeanWeight ?? 0);
  const dropped = dropout(pooled, p, seed, HEAD_DROPOUT_STREAM, training);
  return biasAdd(matmul(dropped, head.weight), head.bias); // (B, K)
}

/**
 * GPT-2's pooled final hidden states [B, C] of a batch: the last real token's (from `input.mask`;
 * without a mask every position is real), mixed with the masked mean by `poolMeanWeight`.
 *
 * @example
 * ```ts
 * import { loadModel } from "../../model/load.ts";
 * import { encode, padBatch } from "../../model/tokenizer.ts";
 * const model = await loadModel("tiny");
 * const b = padBatch(["a fine film", "dull"].map((s) => encode(s)));
 * const input = { ids: b.ids, mask: b.mask, batch: b.batch, seqLen: b.seqLen };
 * const pooled = pooledHidden(model, input, { training: true, seed: 3 }, 0.7);
 * console.log(pooled.shape); // [2, 128]: (B, C), 0.7 × mean + 0.3 × last real token
 * model.dispose();
 * ```
 */
export function pooledHidden(
  model: GPT2,
  input: ModelInput,
  forward: { training: boolean; seed: number },
  poolMeanWeight: number,
): Tensor {
  const { batch: B, seqLen: T } = input;
  const mask = input.mask ?? new Float32Array(B * T).fill(1);
  const { hidden } = model.forward(input, forward); // (B, T, C)
  return poolHidden(hidden, mask, lastTokenLengths(mask, B, T), poolMeanWeight); // (B, C)
}
