/**
 * Elementwise hyperbolic tangent, differentiable (dy/dx = 1 − y²): the nonlinearity of
 * prefix-tuning's reparametrisation MLP. For tensors that fit one storage binding.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { grid1d, LINEAR_INDEX } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, type Tensor } from "./tensor.ts";

/** tanh through exp of a negative argument only (WGSL's tanh overflows for large |x| on some drivers). */
const TANH_FWD: Kernel = {
  name: "tanh_fwd",
  params: [["n", "u32"]],
  buffers: [
    { name: "x", type: "f32", access: "read" },
    { name: "y", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let e = exp(-2.0 * abs(x[i]));
  y[i] = sign(x[i]) * (1.0 - e) / (1.0 + e);`,
};

const TANH_BWD: Kernel = {
  name: "tanh_bwd",
  params: [["n", "u32"]],
  buffers: [
    { name: "y", type: "f32", access: "read" },
    { name: "g", type: "f32", access: "read" },
    { name: "dx", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  dx[i] = g[i] * (1.0 - y[i] * y[i]);`,
};

/**
 * tanh(x), elementwise; throws when `x` does not fit one binding.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * // (prefix tuning's MLP: tanh(biasAdd(matmul(e, w1), b1)), (P, 512))
 * const h = tanh(tensorFrom(gpu, [-100, 0, 0.5], [3]));
 * console.log(await h.readFloat()); // [-1, 0, 0.4621…]
 * ```
 */
export function tanh(x: Tensor): Tensor {
  expectDtype("tanh", "x", x, "f32");
  const gpu = x.gpu;
  if (x.size * 4 > gpu.maxBindingBytes) {
    throw new Error(`tanh: ${x.label()} is larger than one storage binding`);
  }
  const y = empty(gpu, x.shape);
  gpu.dispatch(TANH_FWD, [x.size], [x.whole(), y.whole()], grid1d(gpu, x.size));
  return record(y, "tanh", [x], (g) => {
    const dx = empty(gpu, x.shape);
    gpu.dispatch(TANH_BWD, [x.size], [y.whole(), g.whole(), dx.whole()], grid1d(gpu, x.size));
    return [dx];
  });
}
