/**
 * Inverted dropout with a counter-based random mask: element i of a call with (seed, stream) is
 * kept iff `hash(i, seed, stream) ≥ p · 2³²`, and kept values are scaled by 1/(1 − p). The hash
 * uses only u32 integer arithmetic, so every adapter (and the CPU reference) draws the same mask
 * bit for bit; nothing is stored: the backward recomputes the mask from the same counters.
 *
 * The hash is the PCG output permutation used as a hash ("pcg_hash", Jarzynski & Olano, "Hash
 * Functions for GPU Rendering", JCGT 2020): `state = v·747796405 + 2891336453;
 * word = ((state >> ((state >> 28) + 4)) ^ state) · 277803737; pcg(v) = (word >> 22) ^ word`, a
 * bijection on u32. The keys are `k1 = pcg(seed)` and `k2 = pcg(k1 ^ stream)` (an injective map of
 * (seed, stream)), and element i draws `r = pcg(pcg(i + k1) ^ k2)`.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { forEachChunk, grid1d, LINEAR_INDEX, maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, type Tensor } from "./tensor.ts";

/**
 * WGSL of the dropout hash: `pcg_hash(v)` and `dropout_draw(i, k1, k2)`, for kernels that fuse
 * dropout (attention probabilities). Keep with {@link dropoutKeys} and {@link dropoutThreshold}:
 * element i is kept iff `dropout_draw(i, k1, k2) >= threshold`.
 */
export const DROPOUT_WGSL = `
fn pcg_hash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
fn dropout_draw(i: u32, k1: u32, k2: u32) -> u32 {
  return pcg_hash(pcg_hash(i + k1) ^ k2);
}
`;

/** The PCG hash on the host (u32 in, u32 out), identical to `pcg_hash` in {@link DROPOUT_WGSL}. */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The two u32 keys of a (seed, stream) pair; both must be integers (taken modulo 2³²). */
export function dropoutKeys(seed: number, stream: number): [number, number] {
  if (!Number.isInteger(seed) || !Number.isInteger(stream)) {
    throw new Error(`dropout: seed ${seed} and stream ${stream} must be integers`);
  }
  const k1 = pcgHash(seed >>> 0);
  return [k1, pcgHash((k1 ^ (stream >>> 0)) >>> 0)];
}

/** The u32 threshold of a drop probability `p` in [0, 1): draws below it are dropped. */
export function dropoutThreshold(p: number): number {
  if (!(p >= 0 && p < 1)) {
    throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  }
  return Math.min(0xffffffff, Math.floor(p * 2 ** 32));
}

/** Forward and backward alike: `out[i] = keep(base + i) ? x[i] · scale : 0`. */
const DROPOUT: Kernel = {
  name: "dropout_mask",
  params: [
    ["n", "u32"],
    ["base", "u32"],
    ["k1", "u32"],
    ["k2", "u32"],
    ["threshold", "u32"],
    ["scale", "f32"],
    ["s_x", "u32"],
    ["s_out", "u32"],
  ],
  buffers: [
    { name: "x", type: "f32", access: "read" },
    { name: "out", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  prelude: DROPOUT_WGSL,
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let keep = dropout_draw(p.base + i, p.k1, p.k2) >= p.threshold;
  out[i + p.s_out] = select(0.0, x[i + p.s_x] * p.scale, keep);`,
};

/** Applies the mask of (p, seed, stream) to `x` with scaling: the forward and the backward. */
function applyMask(x: Tensor, p: number, seed: number, stream: number): Tensor {
  const [k1, k2] = dropoutKeys(seed, stream);
  const threshold = dropoutThreshold(p);
  const scale = 1 / (1 - p);
  const gpu = x.gpu;
  const out = empty(gpu, x.shape);
  forEachChunk(x.size, maxChunkElements(gpu), (start, count) => {
    const xs = x.window(start, count);
    const os = out.window(start, count);
    gpu.dispatch(
      DROPOUT,
      [count, start, k1, k2, threshold, scale, xs.shift, os.shift],
      [xs.window, os.window],
      grid1d(gpu, count),
    );
  });
  return out;
}

/**
 * Inverted dropout: when `training` and p > 0, each element is kept with probability 1 − p and
 * scaled by 1/(1 − p), else zeroed; when p = 0 or not training, returns `x` itself (no copy).
 * The mask is a pure function of (seed, stream, element index): the same on every adapter, and
 * `stream` gives independent masks per layer or call. The backward applies the same mask.
 * Throws unless 0 ≤ p < 1 and seed, stream are integers.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const x = tensorFrom(gpu, new Float32Array(8).fill(1), [2, 4]);
 * const h = dropout(x, 0.5, 11711, 0, true); // same shape; kept values scaled by 1/(1 − p)
 * console.log(await h.readFloat()); // each value 0 or 2, the same for every run with this seed
 * ```
 */
export function dropout(
  x: Tensor,
  p: number,
  seed: number,
  stream: number,
  training: boolean,
): Tensor {
  expectDtype("dropout", "x", x, "f32");
  dropoutThreshold(p);
  dropoutKeys(seed, stream);
  if (!training || p === 0) return x;
  const out = applyMask(x, p, seed, stream);
  return record(out, "dropout", [x], (g) => [applyMask(g, p, seed, stream)]);
}

/**
 * CPU reference of the mask: 1 where element i of an n-element tensor is kept, 0 where dropped,
 * bit for bit what {@link dropout} draws for (p, seed, stream).
 */
export function dropoutMaskCpu(n: number, p: number, seed: number, stream: number): Uint8Array {
  const [k1, k2] = dropoutKeys(seed, stream);
  const threshold = dropoutThreshold(p);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    mask[i] = pcgHash((pcgHash((i + k1) >>> 0) ^ k2) >>> 0) >= threshold ? 1 : 0;
  }
  return mask;
}

/**
 * CPU reference (f64) of {@link dropout} in training mode; the backward is the same function
 * applied to the output gradient (the op is linear in x).
 */
export function dropoutCpu(
  x: ArrayLike<number>,
  p: number,
  seed: number,
  stream: number,
): Float64Array {
  const mask = dropoutMaskCpu(x.length, p, seed, stream);
  const scale = 1 / (1 - p);
  return Float64Array.from(mask, (m, i) => (m ? x[i] * scale : 0));
}
