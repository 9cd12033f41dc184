/**
 * Trainable tensors for a strategy's own parameters, initialised as PyTorch's defaults do
 * (nn.Embedding N(0, 1), nn.Linear U(±1/√fan_in) for weight and bias) from two seeded streams.
 *
 * @module
 */
import type { Gpu } from "../kernels/gpu.ts";
import { type Tensor, tensorFrom } from "../kernels/tensor.ts";
import { normalStream } from "../model/init.ts";
import { seededRandom } from "../model/sampling.ts";

/** Makers of trainable tensors drawn from the streams of one seed. */
export interface TrainableInit {
  /** A kept, trainable tensor of `shape` named `name`, each element from `init`. */
  make(shape: number[], name: string, init: () => number): Tensor;
  /** N(0, 1) draws (seed `seed`). */
  normal: () => number;
  /** U(±1/√fanIn) draws (seed `seed + 1`). */
  uniform(fanIn: number): () => number;
}

/**
 * Trainable-tensor makers on `gpu` seeded by `seed`.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "../kernels/gpu.ts";
 * const init = trainableInit(await acquireGpu(), 1);
 * const w = init.make([4, 2], "w", init.uniform(4));
 * console.log(w.shape); // [4, 2]
 * ```
 */
export function trainableInit(gpu: Gpu, seed: number): TrainableInit {
  const normal = normalStream(seed);
  const draw = seededRandom(seed + 1);
  return {
    make(shape, name, init) {
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, init);
      const t = tensorFrom(gpu, data, shape, { requiresGrad: true, name });
      gpu.keep(t);
      return t;
    },
    normal,
    uniform: (fanIn) => () => (2 * draw() - 1) / Math.sqrt(fanIn),
  };
}
