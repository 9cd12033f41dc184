/**
 * Layer normalisation over the last axis (PyTorch semantics: biased variance, `eps` inside the
 * square root), differentiable in the input, the weight and the bias. The forward saves the mean
 * and reciprocal standard deviation of every row for the backward; the weight and bias gradients
 * are deterministic per-column sums (fixed row blocks, then a fixed-order final sum; no atomics).
 * Inputs larger than one storage binding are processed in chunks of whole rows.
 *
 * @module
 */
import { workgroupReduceWgsl } from "./wgsl_reduce.ts";
import type { Gpu } from "./gpu.ts";
import type { Kernel } from "./kernel.ts";
import { maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, expectSameGpu, expectShape, type Tensor } from "./tensor.ts";

/** Kernel layout for a device: one row per invocation (software) or per workgroup (hardware). */
export type LayerNormVariant = "rows" | "groups";

/** Invocations per workgroup of the one-row-per-workgroup layout. */
const GROUP_WG = 128;
/** Rows each partial sum of the weight/bias gradient covers. */
const ROW_BLOCK = 32;
/** Columns per workgroup of the gradient partial sums. */
const COL_WG = 64;

/** Workgroup tree sum of one vec2 per invocation (every invocation gets the total). */
const GROUP_REDUCE = workgroupReduceWgsl(GROUP_WG);

/** How a kernel walks a row: who owns it, the column loop, how per-invocation sums combine. */
interface Layout {
  wg: number;
  row: string;
  loop: string;
  total: (expr: string) => string;
  lead: string;
  prelude: string;
}

/**
 * "rows": no barriers (llvmpipe runs a workgroup on one thread, invocations in SIMD lanes; 3×
 * faster there). "groups": contiguous loads and a shared-memory reduction (what GPUs want).
 */
const LAYOUTS: Record<LayerNormVariant, Layout> = {
  rows: {
    wg: 64,
    row: "gid.x + gid.y * nwg.x * 64u",
    loop: "for (var c = 0u; c < p.cols; c++)",
    total: (e) => e,
    lead: "true",
    prelude: "",
  },
  groups: {
    wg: GROUP_WG,
    row: "wid.x + wid.y * nwg.x",
    loop: `for (var c = lid.x; c < p.cols; c += ${GROUP_WG}u)`,
    total: (e) => `group_sum2(${e}, lid.x)`,
    lead: "lid.x == 0u",
    prelude: GROUP_REDUCE,
  },
};

function forwardKernel(variant: LayerNormVariant): Kernel {
  const { wg, row, loop, total, lead, prelude } = LAYOUTS[variant];
  return {
    name: `layer_norm_fwd_${variant}`,
    params: [["rows", "u32"], ["cols", "u32"], ["sx", "u32"], ["sy", "u32"], ["r0", "u32"], [
      "eps",
      "f32",
    ]],
    buffers: [
      { name: "x", type: "f32", access: "read" },
      { name: "w", type: "f32", access: "read" },
      { name: "b", type: "f32", access: "read" },
      { name: "y", type: "f32", access: "read_write" },
      { name: "stats", type: "f32", access: "read_write" },
    ],
    workgroupSize: [wg, 1, 1],
    prelude,
    body: `  let r = ${row};
  if (r >= p.rows) { return; }
  let bx = p.sx + r * p.cols;
  let by = p.sy + r * p.cols;
  var s = vec2(0.0, 0.0);
  ${loop} { s.x += x[bx + c]; }
  let mean = ${total("s")}.x / f32(p.cols);
  var v = vec2(0.0, 0.0);
  ${loop} { let d = x[bx + c] - mean; v.x += d * d; }
  let rstd = inverseSqrt(${total("v")}.x / f32(p.cols) + p.eps);
  ${loop} { y[by + c] = (x[bx + c] - mean) * rstd * w[c] + b[c]; }
  if (${lead}) {
    stats[2u * (p.r0 + r)] = mean;
    stats[2u * (p.r0 + r) + 1u] = rstd;
  }`,
  };
}

/** dx = rstd · (dy·w − mean(dy·w) − x̂ · mean(dy·w·x̂)) per row. */
function inputGradKernel(variant: LayerNormVariant): Kernel {
  const { wg, row, loop, total, prelude } = LAYOUTS[variant];
  return {
    name: `layer_norm_bwd_${variant}`,
    params: [["rows", "u32"], ["cols", "u32"], ["sx", "u32"], ["sdy", "u32"], ["sdx", "u32"], [
      "r0",
      "u32",
    ]],
    buffers: [
      { name: "x", type: "f32", access: "read" },
      { name: "w", type: "f32", access: "read" },
      { name: "dy", type: "f32", access: "read" },
      { name: "stats", type: "f32", access: "read" },
      { name: "dx", type: "f32", access: "read_write" },
    ],
    workgroupSize: [wg, 1, 1],
    prelude,
    body: `  let r = ${row};
  if (r >= p.rows) { return; }
  let bx = p.sx + r * p.cols;
  let bg = p.sdy + r * p.cols;
  let bd = p.sdx + r * p.cols;
  let mean = stats[2u * (p.r0 + r)];
  let rstd = stats[2u * (p.r0 + r) + 1u];
  var acc = vec2(0.0, 0.0);
  ${loop} {
    let g = dy[bg + c] * w[c];
    acc += vec2(g, g * (x[bx + c] - mean));
  }
  let t = ${total("acc")};
  let a = t.x / f32(p.cols);
  let k = t.y * rstd / f32(p.cols);
  ${loop} {
    let xh = (x[bx + c] - mean) * rstd;
    dx[bd + c] = rstd * (dy[bg + c] * w[c] - a - xh * k);
  }`,
  };
}

const FORWARD = { rows: forwardKernel("rows"), groups: forwardKernel("groups") };
const INPUT_GRAD = { rows: inputGradKernel("rows"), groups: inputGradKernel("groups") };

/** Partial sums of dy·x̂ and dy over blocks of ROW_BLOCK rows, one column per invocation. */
const PARAM_PARTIAL: Kernel = {
  name: "layer_norm_param_partial",
  params: [["rows", "u32"], ["cols", "u32"], ["sx", "u32"], ["sdy", "u32"], ["r0", "u32"], [
    "block0",
    "u32",
  ]],
  buffers: [
    { name: "x", type: "f32", access: "read" },
    { name: "dy", type: "f32", access: "read" },
    { name: "stats", type: "f32", access: "read" },
    { name: "partial", type: "f32", access: "read_write" },
  ],
  workgroupSize: [COL_WG, 1, 1],
  body: `  let c = gid.x;
  if (c >= p.cols) { return; }
  let start = wid.y * ${ROW_BLOCK}u;
  let end = min(start + ${ROW_BLOCK}u, p.rows);
  var sw = 0.0;
  var sb = 0.0;
  for (var r = start; r < end; r++) {
    let g = dy[p.sdy + r * p.cols + c];
    let xh = (x[p.sx + r * p.cols + c] - stats[2u * (p.r0 + r)]) * stats[2u * (p.r0 + r) + 1u];
    sw += g * xh;
    sb += g;
  }
  let o = 2u * ((p.block0 + wid.y) * p.cols + c);
  partial[o] = sw;
  partial[o + 1u] = sb;`,
};

/** Sums the partials of every column in block order: dW and dB. */
const PARAM_FINAL: Kernel = {
  name: "layer_norm_param_final",
  params: [["blocks", "u32"], ["cols", "u32"]],
  buffers: [
    { name: "partial", type: "f32", access: "read" },
    { name: "dw", type: "f32", access: "read_write" },
    { name: "db", type: "f32", access: "read_write" },
  ],
  workgroupSize: [COL_WG, 1, 1],
  body: `  let c = gid.x;
  if (c >= p.cols) { return; }
  var sw = 0.0;
  var sb = 0.0;
  for (var k = 0u; k < p.blocks; k++) {
    sw += partial[2u * (k * p.cols + c)];
    sb += partial[2u * (k * p.cols + c) + 1u];
  }
  dw[c] = sw;
  db[c] = sb;`,
};

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** Kernel layout; default: "rows" on software adapters, "groups" on hardware ones. */
  variant?: LayerNormVariant;
}

/** Calls `fn(r0, count)` over row ranges whose elements fit one binding and one dispatch. */
function forEachRowChunk(
  gpu: Gpu,
  rows: number,
  cols: number,
  fn: (r0: number, count: number) => void,
): void {
  const perChunk = Math.min(
    Math.floor(maxChunkElements(gpu) / Math.max(1, cols)),
    gpu.device.limits.maxComputeWorkgroupsPerDimension,
  );
  if (perChunk < 1) {
    throw new Error(`layerNorm: a row of ${cols} elements exceeds one storage binding`);
  }
  for (let r0 = 0; r0 < rows; r0 += perChunk) fn(r0, Math.min(perChunk, rows - r0));
}

function rowGrid(gpu: Gpu, rows: number, variant: LayerNormVariant): [number, number] {
  const groups = Math.ceil(rows / (variant === "rows" ? LAYOUTS.rows.wg : 1));
  const max = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.min(groups, max);
  return [x, x === 0 ? 0 : Math.ceil(groups / x)];
}

/**
 * Layer norm over the last axis: `(x − mean) / sqrt(var + eps) · weight + bias` with the biased
 * variance, as `torch.nn.functional.layer_norm`. Differentiable in all three tensors.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const x = tensorFrom(gpu, [1, 2, 3, 4, 4, 4], [2, 3]); // (rows, C)
 * const h = layerNorm(x, tensorFrom(gpu, [1, 1, 1], [3]), tensorFrom(gpu, [0, 0, 0], [3]), 1e-5);
 * console.log(await h.readFloat()); // [-1.2247, 0, 1.2247, 0, 0, 0]
 * ```
 */
export function layerNorm(
  x: Tensor,
  weight: Tensor,
  bias: Tensor,
  eps: number,
  options: LayerNormOptions = {},
): Tensor {
  const gpu = x.gpu;
  expectSameGpu("layerNorm", x, weight);
  expectSameGpu("layerNorm", x, bias);
  expectDtype("layerNorm", "x", x, "f32");
  expectDtype("layerNorm", "weight", weight, "f32");
  expectDtype("layerNorm", "bias", bias, "f32");
  if (x.shape.length < 1) {
    throw new Error(`layerNorm: x must have at least 1 dim, got ${x.label()}`);
  }
  const cols = x.shape.at(-1)!;
  expectShape("layerNorm", "weight", weight, [cols]);
  expectShape("layerNorm", "bias", bias, [cols]);
  if (!(eps >= 0) || !Number.isFinite(eps)) {
    throw new Error(`layerNorm: eps must be a finite number ≥ 0, got ${eps} (x ${x.label()})`);
  }
  const variant = options.variant ?? (gpu.isSoftware ? "rows" : "groups");
  const rows = cols === 0 ? 0 : x.size / cols;
  const out = empty(gpu, x.shape);
  const stats = empty(gpu, [Math.max(1, rows), 2]);
  forEachRowChunk(gpu, rows, cols, (r0, n) => {
    const wx = x.window(r0 * cols, n * cols);
    const wy = out.window(r0 * cols, n * cols);
    gpu.dispatch(
      FORWARD[variant],
      [n, cols, wx.shift, wy.shift, r0, eps],
      [wx.window, weight.whole(), bias.whole(), wy.window, stats.whole()],
      rowGrid(gpu, n, variant),
    );
  });
  const inputs = [x, weight, bias];
  if (!gpu.gradEnabled || !inputs.some((t) => t.requiresGrad)) {
    stats.dispose();
    return out;
  }
  return record(out, "layerNorm", inputs, (g, needs) => {
    const dx = needs[0] ? layerNormInputGrad(x, weight, g, stats, variant) : null;
    const [dw, db] = needs[1] || needs[2] ? layerNormParamGrads(x, g, stats) : [null, null];
    if (!needs[1]) dw?.dispose();
    if (!needs[2]) db?.dispose();
    return [dx, needs[1] ? dw : null, needs[2] ? db : null];
  });
}

function layerNormInputGrad(
  x: Tensor,
  weight: Tensor,
  dy: Tensor,
  stats: Tensor,
  variant: LayerNormVariant,
): Tensor {
  const gpu = x.gpu;
  const cols = x.shape.at(-1)!;
  const rows = cols === 0 ? 0 : x.size / cols;
  const dx = empty(gpu, x.shape);
  forEachRowChunk(gpu, rows, cols, (r0, n) => {
    const [wx, wg, wd] = [x, dy, dx].map((t) => t.window(r0 * cols, n * cols));
    gpu.dispatch(
      INPUT_GRAD[variant],
      [n, cols, wx.shift, wg.shift, wd.shift, r0],
      [wx.window, weight.whole(), wg.window, stats.whole(), wd.window],
      rowGrid(gpu, n, variant),
    );
  });
  return dx;
}

function layerNormParamGrads(x: Tensor, dy: Tensor, stats: Tensor): [Tensor, Tensor] {
  const gpu = x.gpu;
  const cols = x.shape.at(-1)!;
  const rows = cols === 0 ? 0 : x.size / cols;
  const chunks: [number, number, number][] = [];
  let blocks = 0;
  forEachRowChunk(gpu, rows, cols, (r0, n) => {
    chunks.push([r0, n, blocks]);
    blocks += Math.ceil(n / ROW_BLOCK);
  });
  const partial = empty(gpu, [Math.max(1, blocks), cols, 2]);
  for (const [r0, n, block0] of chunks) {
    const [wx, wg] = [x, dy].map((t) => t.window(r0 * cols, n * cols));
    gpu.dispatch(
      PARAM_PARTIAL,
      [n, cols, wx.shift, wg.shift, r0, block0],
      [wx.window, wg.window, stats.whole(), partial.whole()],
      [Math.ceil(cols / COL_WG), Math.ceil(n / ROW_BLOCK)],
    );
  }
  const dw = empty(gpu, [cols]);
  const db = empty(gpu, [cols]);
  gpu.dispatch(
    PARAM_FINAL,
    [blocks, cols],
    [partial.whole(), dw.whole(), db.whole()],
    [Math.ceil(cols / COL_WG)],
  );
  partial.dispose();
  return [dw, db];
}

/** Mean and 1/sqrt(var + eps) of each row of a (rows, cols) array, in f64. */
function rowStats(x: ArrayLike<number>, cols: number, eps: number) {
  const rows = x.length / cols;
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += x[r * cols + c];
    const m = s / cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x[r * cols + c] - m) ** 2;
    mean[r] = m;
    rstd[r] = 1 / Math.sqrt(v / cols + eps);
  }
  return { mean, rstd };
}

/** CPU reference of {@link layerNorm} in f64: `x` is row-major (rows, cols). */
export function layerNormCpu(
  x: ArrayLike<number>,
  weight: ArrayLike<number>,
  bias: ArrayLike<number>,
  cols: number,
  eps: number,
): Float64Array {
  const { mean, rstd } = rowStats(x, cols, eps);
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const r = Math.floor(i / cols);
    const c = i % cols;
    y[i] = (x[i] - mean[r]) * rstd[r] * weight[c] + bias[c];
  }
  return y;
}

/** CPU reference of the {@link layerNorm} backward in f64: gradients of x, weight and bias. */
export function layerNormBackwardCpu(
  x: ArrayLike<number>,
  weight: ArrayLike<number>,
  dy: ArrayLike<number>,
  cols: number,
  eps: number,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const { mean, rstd } = rowStats(x, cols, eps);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(cols);
  const db = new Float64Array(cols);
  for (let r = 0; r < mean.length; r++) {
    let sg = 0;
    let sgx = 0;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const xh = (x[i] - mean[r]) * rstd[r];
      const g = dy[i] * weight[c];
      sg += g;
      sgx += g * xh;
      dw[c] += dy[i] * xh;
      db[c] += dy[i];
    }
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const xh = (x[i] - mean[r]) * rstd[r];
      dx[i] = rstd[r] * (dy[i] * weight[c] - sg / cols - xh * sgx / cols);
    }
  }
  return { dx, dw, db };
}
