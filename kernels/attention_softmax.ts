/**
 * The masked softmax of GPT-2 attention: scale, causal mask (with an offset for a KV cache and
 * always-visible prefix keys for prefix-tuning), padding mask, max-subtracted softmax per row, and
 * its backward. One invocation per row (no barriers), rows chunked when the scores tensor is
 * larger than one storage binding.
 *
 * Masking rule, for query i of Tq and key j of Tk, with A = alwaysVisible and
 * o = queryOffset: key j is *visible* iff j < A or j − A ≤ i + o (equivalently j ≤ A + i + o:
 * the prefix keys come first, then the o cached keys, then the Tq new ones); it is *live* iff it
 * is visible and keyMask[b, j] ≠ 0. Row probabilities are softmax(scale · s) over the live keys
 * and exactly 0 elsewhere: the same numbers HF GPT-2 produces at every real query, where masked
 * keys get torch.finfo(float32).min and so exp(…) = 0. A row with no live key (a padding query
 * whose visible keys are all padding, e.g. under left padding) is uniform over its visible keys,
 * as HF's row of equal finfo.min scores is; such rows are finite (never NaN), do not depend on
 * the scores, and get a zero gradient.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { forEachChunk, grid1d, LINEAR_INDEX, maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import { empty, expectSameGpu, shapeString, type Tensor, tensorFrom } from "./tensor.ts";

/** Options of {@link maskedSoftmax}. */
export interface MaskedSoftmaxOptions {
  /** Multiplier applied to the scores before the softmax (1/√D in attention). */
  scale: number;
  /**
   * [B, Tk] key mask: nonzero = real key, 0 = padding; a tensor may be f32 or i32. A host array
   * is uploaded on every call (and the upload submits the commands recorded so far), so a model
   * calling this once per layer should upload the mask once and pass the tensor. Absent: every
   * key is real.
   */
  keyMask?: Float32Array | Int32Array | Tensor;
  /** Number of non-prefix keys before query 0 (KV cache length); default 0. */
  queryOffset?: number;
  /** The first `alwaysVisible` keys are visible to every query (prefix-tuning); default 0. */
  alwaysVisible?: number;
}

const ROW_PARAMS = [
  ["rows", "u32"],
  ["row0", "u32"],
  ["Tq", "u32"],
  ["Tk", "u32"],
  ["H", "u32"],
  ["reach", "u32"],
  ["scale", "f32"],
  ["hasMask", "u32"],
] as const;

/** Shared prelude: row decoding and the live-key test. */
const ROW_PRELUDE = `
fn is_live(b: u32, j: u32) -> bool {
  return p.hasMask == 0u || (keyMask[b * p.Tk + j] & 0x7fffffffu) != 0u;
}`;

/** WGSL lines that decode this invocation's row and its last visible key. */
const ROW_HEADER = `  let r = ${LINEAR_INDEX};
  if (r >= p.rows) { return; }
  let row = p.row0 + r;
  let i = row % p.Tq;
  let b = row / (p.H * p.Tq);
  let last = min(i + p.reach, p.Tk - 1u);`;

/** Forward: probs = masked softmax(scale · scores), one row per invocation. */
const SOFTMAX_FORWARD: Kernel = {
  name: "masked_softmax_forward",
  params: [...ROW_PARAMS, ["offS", "u32"], ["offO", "u32"]],
  buffers: [
    { name: "scores", type: "f32", access: "read" },
    { name: "keyMask", type: "u32", access: "read" },
    { name: "probs", type: "f32", access: "read_write" },
  ],
  workgroupSize: [64, 1, 1],
  prelude: ROW_PRELUDE,
  body: `${ROW_HEADER}
  let s0 = p.offS + r * p.Tk;
  let o0 = p.offO + r * p.Tk;
  var mx = -3.0e38;
  var live = 0u;
  for (var j = 0u; j <= last; j++) {
    if (is_live(b, j)) {
      mx = max(mx, p.scale * scores[s0 + j]);
      live++;
    }
  }
  if (live == 0u) {
    let u = 1.0 / f32(last + 1u);
    for (var j = 0u; j <= last; j++) { probs[o0 + j] = u; }
  } else {
    var total = 0.0;
    for (var j = 0u; j <= last; j++) {
      var e = 0.0;
      if (is_live(b, j)) { e = exp(p.scale * scores[s0 + j] - mx); }
      probs[o0 + j] = e;
      total += e;
    }
    let inv = 1.0 / total;
    for (var j = 0u; j <= last; j++) { probs[o0 + j] *= inv; }
  }
  for (var j = last + 1u; j < p.Tk; j++) { probs[o0 + j] = 0.0; }`,
};

/** Backward: dS = scale · P ⊙ (dP − Σ P·dP) on live keys, 0 elsewhere. */
const SOFTMAX_BACKWARD: Kernel = {
  name: "masked_softmax_backward",
  params: [...ROW_PARAMS, ["offP", "u32"], ["offG", "u32"], ["offO", "u32"]],
  buffers: [
    { name: "probs", type: "f32", access: "read" },
    { name: "gradOut", type: "f32", access: "read" },
    { name: "keyMask", type: "u32", access: "read" },
    { name: "gradIn", type: "f32", access: "read_write" },
  ],
  workgroupSize: [64, 1, 1],
  prelude: ROW_PRELUDE,
  body: `${ROW_HEADER}
  let p0 = p.offP + r * p.Tk;
  let g0 = p.offG + r * p.Tk;
  let o0 = p.offO + r * p.Tk;
  var d = 0.0;
  for (var j = 0u; j <= last; j++) { d += probs[p0 + j] * gradOut[g0 + j]; }
  for (var j = 0u; j <= last; j++) {
    var v = 0.0;
    if (is_live(b, j)) { v = p.scale * probs[p0 + j] * (gradOut[g0 + j] - d); }
    gradIn[o0 + j] = v;
  }
  for (var j = last + 1u; j < p.Tk; j++) { gradIn[o0 + j] = 0.0; }`,
};

/** Validated dimensions and mask rule of one call. */
interface Plan {
  B: number;
  H: number;
  Tq: number;
  Tk: number;
  /** Last visible key of query i is min(i + reach, Tk − 1). */
  reach: number;
  scale: number;
  mask: Tensor | null;
}

function nonNegativeInt(where: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) {
    throw new Error(`${where}: ${name} must be a non-negative integer, got ${v}`);
  }
  return v;
}

function plan(scores: Tensor, opts: MaskedSoftmaxOptions): Plan {
  const where = `maskedSoftmax(scores ${scores.label()})`;
  if (scores.dtype !== "f32" || scores.shape.length !== 4) {
    throw new Error(`${where}: scores must be f32 [B, H, Tq, Tk]`);
  }
  const [B, H, Tq, Tk] = scores.shape;
  if (Tk < 1) throw new Error(`${where}: needs at least one key`);
  if (!Number.isFinite(opts.scale)) throw new Error(`${where}: scale must be finite`);
  const offset = nonNegativeInt(where, "queryOffset", opts.queryOffset ?? 0);
  const always = nonNegativeInt(where, "alwaysVisible", opts.alwaysVisible ?? 0);
  if (always > Tk) throw new Error(`${where}: alwaysVisible ${always} exceeds Tk ${Tk}`);
  let mask: Tensor | null = null;
  const km = opts.keyMask;
  if (km !== undefined && !(km instanceof Float32Array || km instanceof Int32Array)) {
    expectSameGpu("maskedSoftmax", scores, km);
    if (km.shape.length !== 2 || km.shape[0] !== B || km.shape[1] !== Tk) {
      throw new Error(
        `${where}: keyMask must be [B, Tk] = ${shapeString([B, Tk])}, got ${km.label()}`,
      );
    }
    mask = km;
  } else if (km !== undefined) {
    if (km.length !== B * Tk) {
      throw new Error(`${where}: keyMask has ${km.length} values, expected B·Tk = ${B * Tk}`);
    }
    mask = tensorFrom(scores.gpu, km, [B, Tk]);
  }
  return { B, H, Tq, Tk, reach: always + offset, scale: opts.scale, mask };
}

/** Dispatches a row kernel over all rows, chunked so that each [rows, Tk] window fits. */
function runRows(
  kernel: Kernel,
  pl: Plan,
  operands: Tensor[],
  out: Tensor,
): void {
  const gpu = out.gpu;
  const rows = pl.B * pl.H * pl.Tq;
  const per = Math.max(1, Math.floor(maxChunkElements(gpu) / pl.Tk));
  forEachChunk(rows, per, (r0, n) => {
    const bound = [...operands, out].map((t) => t.window(r0 * pl.Tk, n * pl.Tk));
    // Without a mask the kernel never reads keyMask; a read-only operand stands in for it.
    const mask = pl.mask ? pl.mask.whole() : bound[0].window;
    const windows = bound.map((w) => w.window);
    windows.splice(operands.length, 0, mask);
    gpu.dispatch(
      kernel,
      [
        n,
        r0,
        pl.Tq,
        pl.Tk,
        pl.H,
        pl.reach,
        pl.scale,
        pl.mask ? 1 : 0,
        ...bound.map((w) => w.shift),
      ],
      windows,
      grid1d(gpu, n, 64),
    );
  });
}

/**
 * Masked, scaled softmax over the last axis of attention scores [B, H, Tq, Tk] (see the module
 * doc for the masking rule and fully masked rows), differentiable in the scores.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const scores = tensorFrom(gpu, [5, 9, 1, 2], [1, 1, 2, 2]); // (B, H, Tq, Tk)
 * const probs = maskedSoftmax(scores, { scale: 1, keyMask: Float32Array.of(1, 1) });
 * console.log(await probs.readFloat()); // causal: query 0 sees key 0 only → [1, 0, 0.27, 0.73]
 * ```
 */
export function maskedSoftmax(scores: Tensor, opts: MaskedSoftmaxOptions): Tensor {
  const pl = plan(scores, opts);
  const probs = empty(scores.gpu, scores.shape);
  runRows(SOFTMAX_FORWARD, pl, [scores], probs);
  return record(probs, "maskedSoftmax", [scores], (g) => {
    const gs = empty(scores.gpu, scores.shape);
    runRows(SOFTMAX_BACKWARD, pl, [probs, g], gs);
    return [gs];
  });
}

/** Host-side options of the CPU references (the mask as a plain array). */
export interface MaskedSoftmaxCpuOptions {
  /** See {@link MaskedSoftmaxOptions.scale}. */
  scale: number;
  /** [B, Tk], nonzero = real key. */
  keyMask?: ArrayLike<number>;
  /** See {@link MaskedSoftmaxOptions.queryOffset}. */
  queryOffset?: number;
  /** See {@link MaskedSoftmaxOptions.alwaysVisible}. */
  alwaysVisible?: number;
}

/** Calls `fn(base, b, last, live)` for each row of a [B, H, Tq, Tk] tensor. */
function forEachRow(
  [B, H, Tq, Tk]: readonly number[],
  opts: MaskedSoftmaxCpuOptions,
  fn: (base: number, last: number, live: (j: number) => boolean) => void,
): void {
  const reach = (opts.alwaysVisible ?? 0) + (opts.queryOffset ?? 0);
  for (let b = 0; b < B; b++) {
    const live = (j: number) => !opts.keyMask || opts.keyMask[b * Tk + j] !== 0;
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Tq; i++) {
        fn(((b * H + h) * Tq + i) * Tk, Math.min(i + reach, Tk - 1), live);
      }
    }
  }
}

/** CPU reference of {@link maskedSoftmax} (f64). */
export function maskedSoftmaxCpu(
  scores: ArrayLike<number>,
  shape: readonly number[],
  opts: MaskedSoftmaxCpuOptions,
): Float64Array {
  const out = new Float64Array(scores.length);
  forEachRow(shape, opts, (base, last, live) => {
    let mx = -Infinity;
    for (let j = 0; j <= last; j++) if (live(j)) mx = Math.max(mx, opts.scale * scores[base + j]);
    if (mx === -Infinity) {
      for (let j = 0; j <= last; j++) out[base + j] = 1 / (last + 1);
      return;
    }
    let total = 0;
    for (let j = 0; j <= last; j++) {
      if (live(j)) total += out[base + j] = Math.exp(opts.scale * scores[base + j] - mx);
    }
    for (let j = 0; j <= last; j++) out[base + j] /= total;
  });
  return out;
}

/** CPU reference of the backward of {@link maskedSoftmax}: d(loss)/d(scores) (f64). */
export function maskedSoftmaxBackwardCpu(
  probs: ArrayLike<number>,
  gradOut: ArrayLike<number>,
  shape: readonly number[],
  opts: MaskedSoftmaxCpuOptions,
): Float64Array {
  const out = new Float64Array(probs.length);
  forEachRow(shape, opts, (base, last, live) => {
    let d = 0;
    for (let j = 0; j <= last; j++) d += probs[base + j] * gradOut[base + j];
    for (let j = 0; j <= last; j++) {
      if (live(j)) out[base + j] = opts.scale * probs[base + j] * (gradOut[base + j] - d);
    }
  });
  return out;
}
