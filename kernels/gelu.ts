/**
 * GELU with the tanh approximation GPT-2 uses:
 * `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, differentiable, chunked over tensors larger than
 * one storage binding. The kernels evaluate `0.5·(1 + tanh(u))` as the equal `1 / (1 + exp(−2u))`
 * from `exp(−2|u|) ≤ 1`: nothing overflows for large |x| (WGSL's tanh may return NaN there), and
 * both the gate and its complement keep full relative precision in the tails (`1 − tanh²` in f32
 * cancels to 0 near x = −5, where the true derivative is −1.5e-6).
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { forEachChunk, grid1d, LINEAR_INDEX, maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, expectSameGpu, expectShape, type Tensor } from "./tensor.ts";

/** √(2/π). */
const K0 = Math.sqrt(2 / Math.PI);
/** Cubic coefficient of the approximation. */
const K1 = 0.044715;
/** |x| beyond which the gate is 0 or 1 in f32; the cubic is evaluated on the clamped value. */
const X_CLAMP = 10;

/** WGSL helper: (s, 1 − s) for the gate s = 0.5·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
const PRELUDE = `fn gelu_gate(x: f32) -> vec2<f32> {
  let xc = clamp(x, -${X_CLAMP}.0, ${X_CLAMP}.0);
  let u = ${K0} * (xc + ${K1} * xc * xc * xc);
  let e = exp(-2.0 * abs(u));
  let r = 1.0 / (1.0 + e);
  return select(vec2(e * r, r), vec2(r, e * r), u >= 0.0);
}`;

const GELU_FWD: Kernel = {
  name: "gelu_fwd",
  params: [["n", "u32"], ["sx", "u32"], ["sy", "u32"]],
  buffers: [
    { name: "x", type: "f32", access: "read" },
    { name: "y", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  prelude: PRELUDE,
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let v = x[i + p.sx];
  y[i + p.sy] = v * gelu_gate(v).x;`,
};

/** dy · gelu'(x) = dy · (s + 2·x·s·(1 − s)·√(2/π)·(1 + 3·0.044715·x²)). */
const GELU_BWD: Kernel = {
  name: "gelu_bwd",
  params: [["n", "u32"], ["sx", "u32"], ["sg", "u32"], ["sd", "u32"]],
  buffers: [
    { name: "x", type: "f32", access: "read" },
    { name: "dy", type: "f32", access: "read" },
    { name: "dx", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  prelude: PRELUDE,
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let v = x[i + p.sx];
  let s = gelu_gate(v);
  let vc = clamp(v, -${X_CLAMP}.0, ${X_CLAMP}.0);
  let slope = 2.0 * vc * s.x * s.y * ${K0} * (1.0 + ${3 * K1} * vc * vc);
  dx[i + p.sd] = dy[i + p.sg] * (s.x + slope);`,
};

/** Runs an elementwise kernel over `out`, binding each operand's window of the same range. */
function runElementwise(kernel: Kernel, out: Tensor, inputs: Tensor[]): void {
  const gpu = out.gpu;
  forEachChunk(out.size, maxChunkElements(gpu), (start, count) => {
    const bound = [...inputs, out].map((t) => t.window(start, count));
    gpu.dispatch(
      kernel,
      [count, ...bound.map((b) => b.shift)],
      bound.map((b) => b.window),
      grid1d(gpu, count),
    );
  });
}

/**
 * GPT-2's GELU (tanh approximation), elementwise, differentiable.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const h = gelu(tensorFrom(gpu, [-1, 0, 1], [3])); // same shape
 * console.log(await h.readFloat()); // [-0.1588…, 0, 0.8411…]
 * ```
 */
export function gelu(x: Tensor): Tensor {
  expectDtype("gelu", "x", x, "f32");
  const out = empty(x.gpu, x.shape);
  runElementwise(GELU_FWD, out, [x]);
  return record(out, "gelu", [x], (g) => [geluBackward(x, g)]);
}

/** `gradOut · gelu'(x)`: the input gradient of {@link gelu} (not differentiable itself). */
export function geluBackward(x: Tensor, gradOut: Tensor): Tensor {
  expectSameGpu("geluBackward", x, gradOut);
  expectDtype("geluBackward", "x", x, "f32");
  expectDtype("geluBackward", "gradOut", gradOut, "f32");
  expectShape("geluBackward", "gradOut", gradOut, x.shape);
  const dx = empty(x.gpu, x.shape);
  runElementwise(GELU_BWD, dx, [x, gradOut]);
  return dx;
}

/** CPU reference of {@link gelu} in f64. */
export function geluCpu(x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = 0.5 * v * (1 + Math.tanh(K0 * (v + K1 * v * v * v)));
  }
  return y;
}

/** CPU reference of {@link geluBackward} in f64: `dy · gelu'(x)`. */
export function geluBackwardCpu(x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const t = Math.tanh(K0 * (v + K1 * v * v * v));
    dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * K0 * (1 + 3 * K1 * v * v));
  }
  return dx;
}
