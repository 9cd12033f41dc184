/**
 * Global gradient-norm clipping as PyTorch's `clip_grad_norm_` does it: the L2 norm over all
 * gradients together, then every gradient scaled in place by min(1, maxNorm / (norm + 1e-6)).
 * The scale is computed inside the kernel from the norm buffer, so a training step never waits
 * on a readback; the norm comes back as a 1-element tensor to read when convenient.
 *
 * The sum of squares uses its own strided reduction rather than reduce.ts's `sumAll`: on
 * llvmpipe a loop stops after 65,535 iterations, which `sumAll` exceeds on tensors of more than
 * 16.7 M elements per binding (GPT-2's wte).
 *
 * @module
 */
import { grid1d, LINEAR_INDEX } from "./dispatch_util.ts";
import { expectDtype, expectShape, type Tensor } from "./tensor.ts";
import {
  bindPiece,
  kernelPair,
  pieceItems,
  pieces,
  reduceStream,
  reduction,
} from "./vec4_stream.ts";

/** √(Σ x²) over all elements, in two deterministic stages. */
const NORM = reduction({ name: "grad_norm", acc: "f32", map: "x * x", finish: "sqrt(s)" });

/** g *= min(1, maxNorm / (norm + 1e-6)), reading the norm from a buffer. */
const CLIP_SCALE = kernelPair("clip_scale", (type) => ({
  params: [["n", "u32"], ["shift", "u32"], ["maxNorm", "f32"]],
  buffers: [
    { name: "norm", type: "f32", access: "read" },
    { name: "g", type, access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let coef = min(1.0, p.maxNorm / (norm[0] + 1e-6));
  g[i + p.shift] = g[i + p.shift] * coef;`,
}));

function gradsOf(op: string, params: Tensor[]): Tensor[] {
  if (params.length === 0) throw new Error(`${op}: no parameters given`);
  const grads: Tensor[] = [];
  for (const p of params) {
    if (!p.grad) continue;
    if (p.grad.gpu !== params[0].gpu) {
      throw new Error(`${op}: ${p.label()} is on a different device than ${params[0].label()}`);
    }
    expectDtype(op, `gradient of ${p.label()}`, p.grad, "f32");
    expectShape(op, `gradient of ${p.label()}`, p.grad, p.shape);
    grads.push(p.grad);
  }
  return grads;
}

function normOf(grads: Tensor[], params: Tensor[]): Tensor {
  const gpu = params[0].gpu;
  return gpu.noGrad(() => reduceStream(NORM, grads, gpu));
}

/**
 * The global L2 norm of the gradients of `params` (those without a gradient are skipped), as a
 * 1-element tensor, without reading back.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * import { backward } from "./autograd.ts";
 * import { sum } from "./reduce.ts";
 * import { scale } from "./elementwise.ts";
 * const w = tensorFrom(gpu, [1, 1], [2], { requiresGrad: true });
 * backward(scale(sum(w), 3)); // gradient [3, 3]
 * console.log(await gradNorm([w]).item()); // 4.2426… = √18
 * ```
 */
export function gradNorm(params: Tensor[]): Tensor {
  return normOf(gradsOf("gradNorm", params), params);
}

/**
 * Scales every gradient in place by min(1, maxNorm / (norm + 1e-6)) where norm is the global L2
 * norm of all gradients, and returns the norm before clipping as a 1-element tensor (read it
 * later, or not at all: nothing here waits for the GPU). `maxNorm = Infinity` only measures.
 * A non-finite norm leaves non-finite gradients, as in PyTorch; check with `checkFinite`.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * import { backward } from "./autograd.ts";
 * import { sum } from "./reduce.ts";
 * import { scale } from "./elementwise.ts";
 * const w = tensorFrom(gpu, [1, 1], [2], { requiresGrad: true });
 * backward(scale(sum(w), 3)); // gradient [3, 3], norm √18
 * const norm = clipGradNorm([w], 1.0); // the norm before clipping
 * console.log(await norm.item(), await w.grad!.readFloat()); // 4.24… [0.707…, 0.707…]
 * ```
 */
export function clipGradNorm(params: Tensor[], maxNorm: number): Tensor {
  if (!(maxNorm > 0)) {
    throw new Error(`clipGradNorm: maxNorm must be a positive number, got ${maxNorm}`);
  }
  const grads = gradsOf("clipGradNorm", params);
  const norm = normOf(grads, params);
  if (maxNorm === Infinity) return norm;
  const gpu = norm.gpu;
  for (const g of grads) {
    for (const piece of pieces(gpu, g.size)) {
      const w = bindPiece(g, piece);
      const k = piece.vec ? CLIP_SCALE.vec : CLIP_SCALE.scalar;
      const items = pieceItems(piece);
      gpu.dispatch(k, [items, w.shift, maxNorm], [norm.whole(), w.window], grid1d(gpu, items));
    }
  }
  return norm;
}

/**
 * CPU reference (f64) of {@link gradNorm}: √(Σ over all arrays of Σ g²).
 */
export function gradNormCpu(grads: ArrayLike<number>[]): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

/**
 * CPU reference (f64) of {@link clipGradNorm}: returns the pre-clip norm and the scaled copies.
 *
 * @example
 * ```ts
 * const { norm, clipped } = clipGradNormCpu([[3], [4]], 1.0);
 * console.log(norm, clipped); // 5 [[0.6], [0.8]] (up to 1e-6)
 * ```
 */
export function clipGradNormCpu(
  grads: ArrayLike<number>[],
  maxNorm: number,
): { norm: number; clipped: Float64Array[] } {
  const norm = gradNormCpu(grads);
  const coef = Math.min(1, maxNorm / (norm + 1e-6));
  return { norm, clipped: grads.map((g) => Float64Array.from(g, (x) => x * coef)) };
}
