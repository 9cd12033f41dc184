/**
 * Moving attention heads around: split GPT-2's fused `c_attn` output into per-head q, k, v,
 * merge heads back, and concatenate along the sequence (KV cache, prefix-tuning's prepended keys
 * and values). All three are copies through one strided-copy kernel, chunked along the outermost
 * axis when an operand is larger than one storage binding, and all are differentiable.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { maxChunkElements } from "./dispatch_util.ts";
import { fill } from "./elementwise.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, expectSameGpu, shapeString, type Tensor } from "./tensor.ts";

/** Invocations per workgroup along the contiguous inner axis. */
const COPY_WG = 64;
/** Rows (i2) each invocation copies: amortises the per-workgroup cost on llvmpipe (measured). */
const COPY_ROWS = 16;

/**
 * dst[oOff + i0·os0 + i1·os1 + i2·os2 + e] = src[iOff + i0·is0 + i1·is1 + i2·is2 + e] for
 * e < inner (grid x), i2 < n2 (grid y, COPY_ROWS rows per invocation), i0·n1 + i1 (grid z).
 * Neighbouring lanes copy neighbouring elements of the contiguous inner axis, and the row is
 * decoded once per workgroup rather than per element (integer division is slow on software
 * adapters).
 */
const STRIDED_COPY: Kernel = {
  name: "heads_strided_copy",
  params: [
    ["n1", "u32"],
    ["n2", "u32"],
    ["inner", "u32"],
    ["iOff", "u32"],
    ["is0", "u32"],
    ["is1", "u32"],
    ["is2", "u32"],
    ["oOff", "u32"],
    ["os0", "u32"],
    ["os1", "u32"],
    ["os2", "u32"],
  ],
  buffers: [
    { name: "src", type: "f32", access: "read" },
    { name: "dst", type: "f32", access: "read_write" },
  ],
  workgroupSize: [COPY_WG, 1, 1],
  body: `  let e = gid.x;
  if (e >= p.inner) { return; }
  let i1 = wid.z % p.n1;
  let i0 = wid.z / p.n1;
  let r0 = wid.y * ${COPY_ROWS}u;
  let r1 = min(r0 + ${COPY_ROWS}u, p.n2);
  var si = p.iOff + i0 * p.is0 + i1 * p.is1 + r0 * p.is2 + e;
  var di = p.oOff + i0 * p.os0 + i1 * p.os1 + r0 * p.os2 + e;
  for (var i2 = r0; i2 < r1; i2++) {
    dst[di] = src[si];
    si += p.is2;
    di += p.os2;
  }`,
};

/** Element offset and strides of the three outer axes of a strided 4-D view. */
interface Layout {
  off: number;
  s0: number;
  s1: number;
  s2: number;
}

/** Contiguous layout of a [n0, n1, n2, inner] block starting at `off`. */
function contiguous(n1: number, n2: number, inner: number, off = 0): Layout {
  return { off, s0: n1 * n2 * inner, s1: n2 * inner, s2: inner };
}

/**
 * Copies the [n0, n1, n2, inner] block viewed through `sl` in `src` to the one viewed through
 * `dl` in `dst`, splitting along axis 0 until every binding fits the device.
 */
function stridedCopy(
  src: Tensor,
  sl: Layout,
  dst: Tensor,
  dl: Layout,
  [n0, n1, n2, inner]: readonly [number, number, number, number],
): void {
  if (n0 * n1 * n2 * inner === 0) return;
  const gpu = dst.gpu;
  const max = maxChunkElements(gpu);
  const span = (l: Layout, c: number) => (c - 1) * l.s0 + (n1 - 1) * l.s1 + (n2 - 1) * l.s2 + inner;
  const maxGroups = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  const xGroups = Math.ceil(inner / COPY_WG);
  const yGroups = Math.ceil(n2 / COPY_ROWS);
  if (xGroups > maxGroups || yGroups > maxGroups || n1 > maxGroups) {
    throw new Error(`heads: copy of ${shapeString([n0, n1, n2, inner])} exceeds the dispatch grid`);
  }
  let chunk = n0;
  while (span(sl, chunk) > max || span(dl, chunk) > max || chunk * n1 > maxGroups) {
    if (chunk === 1) {
      throw new Error(`heads: one slice of ${shapeString([n0, n1, n2, inner])} exceeds a binding`);
    }
    chunk = Math.ceil(chunk / 2);
  }
  for (let a = 0; a < n0; a += chunk) {
    const c = Math.min(chunk, n0 - a);
    const ws = src.window(sl.off + a * sl.s0, span(sl, c));
    const wd = dst.window(dl.off + a * dl.s0, span(dl, c));
    gpu.dispatch(
      STRIDED_COPY,
      [n1, n2, inner, ws.shift, sl.s0, sl.s1, sl.s2, wd.shift, dl.s0, dl.s1, dl.s2],
      [ws.window, wd.window],
      [xGroups, yGroups, c * n1],
    );
  }
}

/** Per-head tensors of one attention layer, each [B, H, T, D]. */
export interface Heads {
  /** Queries [B, H, T, D]. */
  q: Tensor;
  /** Keys [B, H, T, D]. */
  k: Tensor;
  /** Values [B, H, T, D]. */
  v: Tensor;
}

/** Layout of slice `s` (0 = q, 1 = k, 2 = v) of a [B, T, 3C] tensor seen as (b, h, t, d). */
function qkvLayout(s: number, T: number, C: number, D: number): Layout {
  return { off: s * C, s0: T * 3 * C, s1: D, s2: 3 * C };
}

/**
 * Splits the fused `c_attn` output (…q | k | v along the last axis, each C wide, heads as
 * contiguous D-wide slices) into per-head q, k, v of shape [B, H, T, D], D = C / nHead. Each
 * output is differentiable: its gradient lands in its own slice of a [B, T, 3C] gradient.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const qkv = tensorFrom(gpu, new Float32Array(2 * 3 * 3 * 8), [2, 3, 3 * 8]); // (B, T, 3·C)
 * const { q, k, v } = splitHeads(qkv, 2); // 3 × (B, 2, T, 4)
 * console.log(q.shape, k.shape, v.shape);
 * ```
 */
export function splitHeads(qkv: Tensor, nHead: number): Heads {
  const where = `splitHeads(qkv ${qkv.label()}, nHead ${nHead})`;
  expectDtype("splitHeads", "qkv", qkv, "f32");
  if (qkv.shape.length !== 3) throw new Error(`${where}: qkv must be [B, T, 3C]`);
  const [B, T, C3] = qkv.shape;
  if (!Number.isInteger(nHead) || nHead < 1 || C3 % (3 * nHead) !== 0) {
    throw new Error(`${where}: last axis must be 3·C with C divisible by nHead`);
  }
  const C = C3 / 3;
  const D = C / nHead;
  const dense = contiguous(nHead, T, D);
  const part = (s: number): Tensor => {
    const out = empty(qkv.gpu, [B, nHead, T, D]);
    stridedCopy(qkv, qkvLayout(s, T, C, D), out, dense, [B, nHead, T, D]);
    return record(out, "splitHeads", [qkv], (g) => {
      const gx = fill(empty(qkv.gpu, qkv.shape), 0);
      stridedCopy(g, dense, gx, qkvLayout(s, T, C, D), [B, nHead, T, D]);
      return [gx];
    });
  };
  return { q: part(0), k: part(1), v: part(2) };
}

/** Checks a [B, H, T, D] operand and returns its dimensions. */
function dims4(op: string, arg: string, x: Tensor): [number, number, number, number] {
  expectDtype(op, arg, x, "f32");
  if (x.shape.length !== 4) throw new Error(`${op}: ${arg} must be [B, H, T, D], got ${x.label()}`);
  return x.shape as unknown as [number, number, number, number];
}

/**
 * Joins heads: [B, H, T, D] → [B, T, H·D] (head h occupies columns h·D … h·D + D − 1),
 * differentiable.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const att = tensorFrom(gpu, new Float32Array(2 * 12 * 3 * 4), [2, 12, 3, 4]); // (B, H, T, D)
 * const y = mergeHeads(att);
 * console.log(y.shape); // [2, 3, 48]: (B, T, H·D)
 * ```
 */
export function mergeHeads(x: Tensor): Tensor {
  const [B, H, T, D] = dims4("mergeHeads", "x", x);
  const C = H * D;
  const merged: Layout = { off: 0, s0: T * C, s1: D, s2: C };
  const dense = contiguous(H, T, D);
  const out = empty(x.gpu, [B, T, C]);
  stridedCopy(x, dense, out, merged, [B, H, T, D]);
  return record(out, "mergeHeads", [x], (g) => {
    const gx = empty(x.gpu, x.shape);
    stridedCopy(g, merged, gx, dense, [B, H, T, D]);
    return [gx];
  });
}

/**
 * Concatenates along the sequence axis: [B, H, Ta, D] and [B, H, Tb, D] → [B, H, Ta + Tb, D],
 * differentiable in both (either may be empty: Ta = 0 for an empty KV cache).
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const kCache = tensorFrom(gpu, new Float32Array(1 * 2 * 5 * 4), [1, 2, 5, 4]); // (B, H, past, D)
 * const k = tensorFrom(gpu, new Float32Array(1 * 2 * 1 * 4), [1, 2, 1, 4]); // (B, H, T, D)
 * console.log(concatSeq(kCache, k).shape); // [1, 2, 6, 4]
 * ```
 */
export function concatSeq(a: Tensor, b: Tensor): Tensor {
  expectSameGpu("concatSeq", a, b);
  const [B, H, Ta, D] = dims4("concatSeq", "a", a);
  const [Bb, Hb, Tb, Db] = dims4("concatSeq", "b", b);
  if (B !== Bb || H !== Hb || D !== Db) {
    throw new Error(`concatSeq: a ${a.label()} and b ${b.label()} differ outside the T axis`);
  }
  const T = Ta + Tb;
  const out = empty(a.gpu, [B, H, T, D]);
  const BH = B * H;
  // Layout of the rows from t0 on of every (b, h) of a [BH, T, D] tensor.
  const rows = (t0: number, T: number) => contiguous(1, T, D, t0 * D);
  stridedCopy(a, rows(0, Ta), out, rows(0, T), [BH, 1, Ta, D]);
  stridedCopy(b, rows(0, Tb), out, rows(Ta, T), [BH, 1, Tb, D]);
  return record(out, "concatSeq", [a, b], (g, needs) => {
    const slice = (t0: number, len: number) => {
      const gs = empty(a.gpu, [B, H, len, D]);
      stridedCopy(g, rows(t0, T), gs, rows(0, len), [BH, 1, len, D]);
      return gs;
    };
    return [needs[0] ? slice(0, Ta) : null, needs[1] ? slice(Ta, Tb) : null];
  });
}

/** CPU reference of {@link splitHeads} (f64): q, k, v as [B, H, T, D]. */
export function splitHeadsCpu(
  qkv: ArrayLike<number>,
  [B, T, C3]: readonly number[],
  nHead: number,
): { q: Float64Array; k: Float64Array; v: Float64Array } {
  const C = C3 / 3;
  const D = C / nHead;
  const parts = [0, 1, 2].map(() => new Float64Array(B * T * C));
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C3; c++) {
        const s = Math.floor(c / C);
        const h = Math.floor((c % C) / D);
        parts[s][((b * nHead + h) * T + t) * D + (c % D)] = qkv[(b * T + t) * C3 + c];
      }
    }
  }
  return { q: parts[0], k: parts[1], v: parts[2] };
}

/** CPU reference of the backward of {@link splitHeads}: the [B, T, 3C] gradient. */
export function splitHeadsBackwardCpu(
  gq: ArrayLike<number>,
  gk: ArrayLike<number>,
  gv: ArrayLike<number>,
  [B, T, C3]: readonly number[],
  nHead: number,
): Float64Array {
  const C = C3 / 3;
  const D = C / nHead;
  const parts = [gq, gk, gv];
  const out = new Float64Array(B * T * C3);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C3; c++) {
        const s = Math.floor(c / C);
        const h = Math.floor((c % C) / D);
        out[(b * T + t) * C3 + c] = parts[s][((b * nHead + h) * T + t) * D + (c % D)];
      }
    }
  }
  return out;
}

/** CPU reference of {@link mergeHeads} (f64): [B, H, T, D] → [B, T, H·D]. */
export function mergeHeadsCpu(x: ArrayLike<number>, [B, H, T, D]: readonly number[]): Float64Array {
  const out = new Float64Array(B * H * T * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < D; d++) {
          out[((b * T + t) * H + h) * D + d] = x[((b * H + h) * T + t) * D + d];
        }
      }
    }
  }
  return out;
}

/** CPU reference of the backward of {@link mergeHeads}: [B, T, H·D] → [B, H, T, D]. */
export function mergeHeadsBackwardCpu(
  g: ArrayLike<number>,
  [B, H, T, D]: readonly number[],
): Float64Array {
  const out = new Float64Array(B * H * T * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < D; d++) {
          out[((b * H + h) * T + t) * D + d] = g[((b * T + t) * H + h) * D + d];
        }
      }
    }
  }
  return out;
}

/** CPU reference of {@link concatSeq} (f64); `bh` = B·H. */
export function concatSeqCpu(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  bh: number,
  Ta: number,
  Tb: number,
  D: number,
): Float64Array {
  const T = Ta + Tb;
  const out = new Float64Array(bh * T * D);
  for (let r = 0; r < bh; r++) {
    for (let e = 0; e < Ta * D; e++) out[r * T * D + e] = a[r * Ta * D + e];
    for (let e = 0; e < Tb * D; e++) out[r * T * D + Ta * D + e] = b[r * Tb * D + e];
  }
  return out;
}

/** CPU reference of the backward of {@link concatSeq}: the two slices of the gradient. */
export function concatSeqBackwardCpu(
  g: ArrayLike<number>,
  bh: number,
  Ta: number,
  Tb: number,
  D: number,
): { ga: Float64Array; gb: Float64Array } {
  const T = Ta + Tb;
  const ga = new Float64Array(bh * Ta * D);
  const gb = new Float64Array(bh * Tb * D);
  for (let r = 0; r < bh; r++) {
    for (let e = 0; e < Ta * D; e++) ga[r * Ta * D + e] = g[r * T * D + e];
    for (let e = 0; e < Tb * D; e++) gb[r * Tb * D + e] = g[r * T * D + Ta * D + e];
  }
  return { ga, gb };
}
