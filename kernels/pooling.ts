/**
 * Sequence pooling for classification heads: the hidden state of each sequence's last real token
 * (GPT-2 style) and the mean over real (unpadded) positions. Lengths and masks are host data.
 *
 * `gatherLastToken` moves whole rows, so it is a list of buffer copies (no shader; copies have no
 * binding-size limit). `maskedMeanPool` runs WGSL kernels chunked over batch rows so that inputs
 * larger than one storage binding work.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import type { Gpu } from "./gpu.ts";
import { grid1d, LINEAR_INDEX, maxChunkElements } from "./dispatch_util.ts";
import { fill } from "./elementwise.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, shapeString, type Tensor } from "./tensor.ts";

/** Checks that x is f32 [B, T, C] and returns the three sizes. */
function dims3(op: string, x: Tensor): [number, number, number] {
  expectDtype(op, "x", x, "f32");
  if (x.shape.length !== 3) throw new Error(`${op}: x must have shape [B, T, C], got ${x.label()}`);
  return [x.shape[0], x.shape[1], x.shape[2]];
}

/** Records one copy of C floats per batch row from `src` row (b, rowOf(b)) to `dst` row. */
function copyRows(
  gpu: Gpu,
  src: Tensor,
  dst: Tensor,
  B: number,
  C: number,
  srcRow: (b: number) => number,
  dstRow: (b: number) => number,
): void {
  if (C === 0) return;
  for (let b = 0; b < B; b++) {
    gpu.copy(src.buffer, srcRow(b) * C * 4, dst.buffer, dstRow(b) * C * 4, C * 4);
  }
}

/**
 * The hidden state of the last real token of each sequence: out[b] = x[b, lengths[b] − 1] for
 * x [B, T, C] → [B, C]. Each length must be an integer in [1, T]; the error names the batch
 * index. The backward scatters the gradient into a zero [B, T, C].
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const hidden = tensorFrom(gpu, [1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]); // (B, T, C)
 * const pooled = gatherLastToken(hidden, [2, 1]); // (B, C): sequence lengths 2 and 1
 * console.log(await pooled.readFloat()); // [3, 4, 5, 6]
 * ```
 */
export function gatherLastToken(x: Tensor, lengths: Int32Array | readonly number[]): Tensor {
  const op = "gatherLastToken";
  const [B, T, C] = dims3(op, x);
  if (lengths.length !== B) {
    throw new Error(`${op}: ${lengths.length} lengths for x ${x.label()} (B = ${B})`);
  }
  const lens = Int32Array.from(lengths);
  lengths.forEach((len, b) => {
    if (!Number.isInteger(len) || len < 1 || len > T) {
      throw new Error(`${op}: length ${len} of batch ${b} is outside [1, ${T}] for x ${x.label()}`);
    }
  });
  const gpu = x.gpu;
  const out = empty(gpu, [B, C]);
  copyRows(gpu, x, out, B, C, (b) => b * T + lens[b] - 1, (b) => b);
  return record(out, op, [x], (g) => {
    const dx = fill(empty(gpu, [B, T, C]), 0);
    copyRows(gpu, g, dx, B, C, (b) => b, (b) => b * T + lens[b] - 1);
    return [dx];
  });
}

/** out[b, c] = inv[b] · Σ_t [mask[b, t] ≠ 0] x[b, t, c] over one chunk of batch rows. */
const MEAN_POOL: Kernel = {
  name: "masked_mean_pool",
  params: [["nb", "u32"], ["T", "u32"], ["C", "u32"], ["b0", "u32"], ["shift", "u32"], [
    "invBase",
    "u32",
  ]],
  buffers: [
    { name: "m", type: "f32", access: "read" },
    { name: "x", type: "f32", access: "read" },
    { name: "out", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.nb * p.C) { return; }
  let bl = i / p.C;
  let c = i % p.C;
  let b = p.b0 + bl;
  var s = 0.0;
  for (var t = 0u; t < p.T; t++) {
    if (m[b * p.T + t] != 0.0) { s += x[(bl * p.T + t) * p.C + c + p.shift]; }
  }
  out[b * p.C + c] = s * m[p.invBase + b];`,
};

/**
 * dx[b, t, c] = [mask[b, t] ≠ 0] · inv[b] · g[b, c] over one chunk of batch rows: one invocation
 * per (b, c) writes the column over t (no integer division per element).
 */
const MEAN_POOL_BACKWARD: Kernel = {
  name: "masked_mean_pool_backward",
  params: [["nb", "u32"], ["T", "u32"], ["C", "u32"], ["b0", "u32"], ["shift", "u32"], [
    "invBase",
    "u32",
  ]],
  buffers: [
    { name: "m", type: "f32", access: "read" },
    { name: "g", type: "f32", access: "read" },
    { name: "dx", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.nb * p.C) { return; }
  let bl = i / p.C;
  let c = i % p.C;
  let b = p.b0 + bl;
  let v = g[b * p.C + c] * m[p.invBase + b];
  for (var t = 0u; t < p.T; t++) {
    dx[(bl * p.T + t) * p.C + c + p.shift] = select(0.0, v, m[b * p.T + t] != 0.0);
  }`,
};

/** Calls fn(b0, nb) over chunks of whole batch rows of T·C floats that fit one binding. */
function forBatchChunks(
  op: string,
  x: Tensor,
  T: number,
  C: number,
  fn: (b0: number, nb: number) => void,
): void {
  const per = T * C;
  const rows = Math.floor(maxChunkElements(x.gpu) / Math.max(1, per));
  if (rows < 1) {
    throw new Error(`${op}: one sequence of x ${x.label()} (${per} floats) exceeds one binding`);
  }
  for (let b0 = 0; b0 < x.shape[0]; b0 += rows) fn(b0, Math.min(rows, x.shape[0] - b0));
}

/**
 * Mean of x [B, T, C] over the real positions of each sequence → [B, C]; `mask` [B, T] (host)
 * holds 1 for real tokens and 0 for padding. A row without a real token is an error naming its
 * batch index. Padded positions are skipped (their values, even NaN, do not matter).
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const hidden = tensorFrom(gpu, [1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]); // (B, T, C)
 * const pooled = maskedMeanPool(hidden, [1, 1, 1, 0]); // (B, C); the second sequence has 1 token
 * console.log(await pooled.readFloat()); // [2, 3, 5, 6]
 * ```
 */
export function maskedMeanPool(x: Tensor, mask: Float32Array | readonly number[]): Tensor {
  const op = "maskedMeanPool";
  const [B, T, C] = dims3(op, x);
  if (mask.length !== B * T) {
    throw new Error(`${op}: mask has ${mask.length} values, x ${x.label()} needs B·T = ${B * T}`);
  }
  const m = new Float32Array(B * T + B);
  for (let b = 0; b < B; b++) {
    let count = 0;
    for (let t = 0; t < T; t++) {
      const v = mask[b * T + t];
      if (v !== 0 && v !== 1) {
        throw new Error(`${op}: mask[${b}, ${t}] is ${v}; use 1 for real tokens, 0 for padding`);
      }
      m[b * T + t] = v;
      count += v;
    }
    if (count === 0) {
      throw new Error(`${op}: batch ${b} has no real token in mask ${shapeString([B, T])}`);
    }
    m[B * T + b] = 1 / count;
  }
  const gpu = x.gpu;
  const mt = uploadFloats(gpu, m);
  const out = empty(gpu, [B, C]);
  forBatchChunks(op, x, T, C, (b0, nb) => {
    const xs = x.window(b0 * T * C, nb * T * C);
    gpu.dispatch(
      MEAN_POOL,
      [nb, T, C, b0, xs.shift, B * T],
      [mt.whole(), xs.window, out.whole()],
      grid1d(gpu, nb * C),
    );
  });
  mt.dispose();
  // The backward uploads the host mask again: nothing on the GPU outlives the forward.
  return record(out, op, [x], (g) => {
    const mb = uploadFloats(gpu, m);
    const dx = empty(gpu, [B, T, C]);
    forBatchChunks(op, dx, T, C, (b0, nb) => {
      const ds = dx.window(b0 * T * C, nb * T * C);
      gpu.dispatch(
        MEAN_POOL_BACKWARD,
        [nb, T, C, b0, ds.shift, B * T],
        [mb.whole(), g.whole(), ds.window],
        grid1d(gpu, nb * C),
      );
    });
    mb.dispose();
    return [dx];
  });
}

/** Uploads host floats as a 1-D tensor. */
function uploadFloats(gpu: Gpu, data: Float32Array<ArrayBuffer>): Tensor {
  const t = empty(gpu, [data.length]);
  gpu.write(t.buffer, 0, data);
  return t;
}

/** CPU reference (f64) of {@link gatherLastToken}. */
export function gatherLastTokenCpu(
  x: ArrayLike<number>,
  [B, T, C]: readonly number[],
  lengths: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) out[b * C + c] = x[(b * T + lengths[b] - 1) * C + c];
  }
  return out;
}

/** CPU reference (f64) of the {@link gatherLastToken} backward: dx [B, T, C] from g [B, C]. */
export function gatherLastTokenBackwardCpu(
  g: ArrayLike<number>,
  [B, T, C]: readonly number[],
  lengths: ArrayLike<number>,
): Float64Array {
  const dx = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) dx[(b * T + lengths[b] - 1) * C + c] = g[b * C + c];
  }
  return dx;
}

/** CPU reference (f64) of {@link maskedMeanPool}. */
export function maskedMeanPoolCpu(
  x: ArrayLike<number>,
  [B, T, C]: readonly number[],
  mask: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    let count = 0;
    for (let t = 0; t < T; t++) {
      if (mask[b * T + t] === 0) continue;
      count++;
      for (let c = 0; c < C; c++) out[b * C + c] += x[(b * T + t) * C + c];
    }
    for (let c = 0; c < C; c++) out[b * C + c] /= count;
  }
  return out;
}

/** CPU reference (f64) of the {@link maskedMeanPool} backward: dx [B, T, C] from g [B, C]. */
export function maskedMeanPoolBackwardCpu(
  g: ArrayLike<number>,
  [B, T, C]: readonly number[],
  mask: ArrayLike<number>,
): Float64Array {
  const dx = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    let count = 0;
    for (let t = 0; t < T; t++) count += mask[b * T + t] === 0 ? 0 : 1;
    for (let t = 0; t < T; t++) {
      if (mask[b * T + t] === 0) continue;
      for (let c = 0; c < C; c++) dx[(b * T + t) * C + c] = g[b * C + c] / count;
    }
  }
  return dx;
}
