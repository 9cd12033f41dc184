/**
 * Elementwise ops: add, mul, scale, bias add, fill, and the in-place updates the optimizer and
 * autograd use. Each works on tensors larger than one storage binding by chunking.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { forEachChunk, grid1d, LINEAR_INDEX, maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, expectSameGpu, expectShape, type Tensor } from "./tensor.ts";

function mapKernel(name: string, inputs: number, expr: string, inPlace = false): Kernel {
  const names = ["a", "b"].slice(0, inputs);
  return {
    name: `map_${name}`,
    params: [["n", "u32"], ["alpha", "f32"], ...names.map((x) => [`s_${x}`, "u32"] as const), [
      "s_out",
      "u32",
    ]],
    buffers: [
      ...names.map((x) => ({ name: x, type: "f32" as const, access: "read" as const })),
      { name: "out", type: "f32", access: "read_write" },
    ],
    workgroupSize: [256, 1, 1],
    body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
${names.map((x) => `  let ${x}v = ${x}[i + p.s_${x}];`).join("\n")}
  ${inPlace ? "let o = out[i + p.s_out];\n  " : ""}out[i + p.s_out] = ${expr};`,
  };
}

const ADD = mapKernel("add", 2, "av + bv");
const MUL = mapKernel("mul", 2, "av * bv");
const SCALE = mapKernel("scale", 1, "p.alpha * av");
const FILL = mapKernel("fill", 0, "p.alpha");
const AXPY = mapKernel("axpy_inplace", 1, "o + p.alpha * av", true);
const SCALE_INPLACE = mapKernel("scale_inplace", 0, "p.alpha * o", true);

/** Runs a map kernel over all elements of `out`, chunking every operand the same way. */
function runMap(kernel: Kernel, out: Tensor, inputs: Tensor[], alpha = 0): void {
  const gpu = out.gpu;
  forEachChunk(out.size, maxChunkElements(gpu), (start, count) => {
    const bound = [...inputs, out].map((t) => t.window(start, count));
    gpu.dispatch(
      kernel,
      [count, alpha, ...bound.map((b) => b.shift)],
      bound.map((b) => b.window),
      grid1d(gpu, count),
    );
  });
}

function checkPair(op: string, a: Tensor, b: Tensor): void {
  expectSameGpu(op, a, b);
  expectDtype(op, "a", a, "f32");
  expectDtype(op, "b", b, "f32");
  expectShape(op, "b", b, a.shape);
}

/**
 * Elementwise sum of two tensors of the same shape.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const a = tensorFrom(gpu, [1, 2], [2]);
 * const c = add(a, tensorFrom(gpu, [10, 20], [2])); // same shapes
 * console.log(await c.readFloat()); // [11, 22]
 * ```
 */
export function add(a: Tensor, b: Tensor): Tensor {
  checkPair("add", a, b);
  const out = empty(a.gpu, a.shape);
  runMap(ADD, out, [a, b]);
  return record(out, "add", [a, b], (g, needs) => [needs[0] ? g : null, needs[1] ? g : null]);
}

/** Elementwise product of two tensors of the same shape. */
export function mul(a: Tensor, b: Tensor): Tensor {
  checkPair("mul", a, b);
  const out = empty(a.gpu, a.shape);
  runMap(MUL, out, [a, b]);
  return record(out, "mul", [a, b], (g, needs) => [
    needs[0] ? mul(g, b) : null,
    needs[1] ? mul(g, a) : null,
  ]);
}

/** `alpha · a`. */
export function scale(a: Tensor, alpha: number): Tensor {
  expectDtype("scale", "a", a, "f32");
  const out = empty(a.gpu, a.shape);
  runMap(SCALE, out, [a], alpha);
  return record(out, "scale", [a], (g) => [scale(g, alpha)]);
}

/** Sets every element of `t` to `value` (in place, not differentiable). */
export function fill(t: Tensor, value: number): Tensor {
  runMap(FILL, t, [], value);
  return t;
}

/** `y += alpha · x` in place (gradient accumulation; not differentiable). */
export function axpyInPlace(y: Tensor, x: Tensor, alpha = 1): Tensor {
  checkPair("axpyInPlace", y, x);
  runMap(AXPY, y, [x], alpha);
  return y;
}

/** `t *= alpha` in place (not differentiable). */
export function scaleInPlace(t: Tensor, alpha: number): Tensor {
  runMap(SCALE_INPLACE, t, [], alpha);
  return t;
}

const BIAS_ADD: Kernel = {
  name: "bias_add",
  params: [["n", "u32"], ["cols", "u32"]],
  buffers: [
    { name: "x", type: "f32", access: "read" },
    { name: "bias", type: "f32", access: "read" },
    { name: "out", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  out[i] = x[i] + bias[i % p.cols];`,
};

const SUM_ROWS: Kernel = {
  name: "sum_rows",
  params: [["rows", "u32"], ["cols", "u32"]],
  buffers: [
    { name: "x", type: "f32", access: "read" },
    { name: "out", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let c = ${LINEAR_INDEX};
  if (c >= p.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.rows; r++) { s += x[r * p.cols + c]; }
  out[c] = s;`,
};

/**
 * Adds a bias vector along the last axis: `x (…, N) + bias (N)`.
 */
export function biasAdd(x: Tensor, bias: Tensor): Tensor {
  expectSameGpu("biasAdd", x, bias);
  const cols = x.shape.at(-1) ?? 1;
  expectShape("biasAdd", "bias", bias, [cols]);
  const out = empty(x.gpu, x.shape);
  x.gpu.dispatch(
    BIAS_ADD,
    [x.size, cols],
    [x.whole(), bias.whole(), out.whole()],
    grid1d(x.gpu, x.size),
  );
  return record(out, "biasAdd", [x, bias], (g, needs) => [
    needs[0] ? g : null,
    needs[1] ? sumRows(g) : null,
  ]);
}

/** Sums a (…, N) tensor over every axis but the last: the bias gradient. Not differentiable. */
export function sumRows(x: Tensor): Tensor {
  const cols = x.shape.at(-1) ?? 1;
  const out = empty(x.gpu, [cols]);
  x.gpu.dispatch(SUM_ROWS, [x.size / cols, cols], [x.whole(), out.whole()], grid1d(x.gpu, cols));
  return out;
}

/** CPU reference of {@link biasAdd}. */
export function biasAddCpu(x: Float64Array | Float32Array, bias: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v, i) => v + bias[i % bias.length]);
}

/** CPU reference of {@link sumRows}. */
export function sumRowsCpu(x: ArrayLike<number>, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < x.length; i++) out[i % cols] += x[i];
  return out;
}
