/**
 * The fused LM-head loss's two per-chunk kernels (kernels/lm_head_loss.ts): the running row
 * statistics and the in-place gradient, each reading the chunk's logits from a storage buffer or,
 * on software adapters, from a texture copy. On llvmpipe a storage load whose address differs
 * across SIMD lanes runs as a loop over the lanes, while a texel fetch is straight-line code (see matmulTexKernel); copying a 1,024 × 8,192 chunk into a texture costs
 * ~5 ms, and reading it as texels made the statistics pass ~4× and the gradient pass ~3× faster
 * there (README, "Speed changes").
 *
 * A chunk qualifies when its width is a multiple of 64 (a texture copy reads rows whose pitch is
 * a multiple of 256 bytes) and its rows fit one texture side; the last, narrower chunk of a
 * vocabulary like GPT-2's keeps the storage kernels.
 *
 * @module
 */
import type { Gpu } from "./gpu.ts";
import type { Kernel } from "./kernel.ts";
import { LINEAR_INDEX } from "./dispatch_util.ts";
import type { Tensor } from "./tensor.ts";
import { workgroupReduceWgsl } from "./wgsl_reduce.ts";

const WG = 32;

/** Parameters of the statistics kernels. */
const STATS_PARAMS = [["n", "u32"], ["v0", "u32"], ["first", "u32"]] as const;

/** Parameters of the gradient kernels after their element (or vec4) count. */
const GRAD_PARAMS = [
  ["n", "u32"],
  ["v0", "u32"],
  ["vocab", "u32"],
  ["ignore", "i32"],
  ["smoothing", "f32"],
  ["scale", "f32"],
] as const;

/**
 * WGSL after a row's chunk maximum `m` and (Σ exp, Σ logit) `s`: merges them into the row's
 * running statistics `st` (max, rescaled sum of exp, sum, target logit) and reads the target `t`.
 */
const MERGE_STATS = `  var st = vec4(m, s.x, s.y, 0.0);
  if (p.first == 0u) {
    let old = stats[r];
    let mm = max(old.x, m);
    st = vec4(mm, old.y * exp(old.x - mm) + s.x * exp(m - mm), old.z + s.y, old.w);
  }
  let t = targets[r];`;

/** Whether a chunk of `rows` × `n` logits can be read as a texture on this device. */
export function chunkFitsTexture(gpu: Gpu, rows: number, n: number): boolean {
  const D = gpu.device.limits.maxTextureDimension2D;
  return gpu.isSoftware && n % 64 === 0 && n / 4 <= D && rows <= D;
}

/**
 * Copies a contiguous (rows, n) chunk of logits into a pooled rgba32float texture of n/4 × rows
 * texels; give it back with `gpu.releaseTexture`.
 */
export function chunkTexture(logits: Tensor, rows: number, n: number): GPUTexture {
  const gpu = logits.gpu;
  const tex = gpu.takeTexture(n / 4, rows);
  gpu.copyToTexture(logits.buffer, 0, n * 4, tex, n / 4, rows);
  return tex;
}

/** Per row: fold one chunk of logits into the running (max, sum of exp, sum, target logit). */
export const STATS: Kernel = {
  name: "lm_head_loss_stats",
  params: STATS_PARAMS,
  buffers: [
    { name: "logits", type: "f32", access: "read" },
    { name: "targets", type: "i32", access: "read" },
    { name: "stats", type: "vec4<f32>", access: "read_write" },
  ],
  workgroupSize: [WG, 1, 1],
  prelude: workgroupReduceWgsl(WG),
  body: `  let r = wid.x;
  let base = r * p.n;
  var m = -3.4028235e38;
  for (var j = lid.x; j < p.n; j += ${WG}u) { m = max(m, logits[base + j]); }
  m = group_max(m, lid.x);
  var acc = vec2(0.0, 0.0);
  for (var j = lid.x; j < p.n; j += ${WG}u) {
    let v = logits[base + j];
    acc += vec2(exp(v - m), v);
  }
  let s = group_sum2(acc, lid.x);
  if (lid.x != 0u) { return; }
${MERGE_STATS}
  if (t >= i32(p.v0) && t < i32(p.v0 + p.n)) { st.w = logits[base + u32(t) - p.v0]; }
  stats[r] = st;`,
};

/** In place: logits of one chunk → (softmax − (1 − ε)·one-hot − ε/V) · scale, 0 when ignored. */
export const GRAD: Kernel = {
  name: "lm_head_loss_grad",
  params: [["total", "u32"], ...GRAD_PARAMS],
  buffers: [
    { name: "d", type: "f32", access: "read_write" },
    { name: "targets", type: "i32", access: "read" },
    { name: "lse", type: "f32", access: "read" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.total) { return; }
  let r = i / p.n;
  let j = i % p.n;
  let t = targets[r];
  let k = select(p.scale, 0.0, t == p.ignore);
  let hot = select(0.0, 1.0 - p.smoothing, i32(p.v0 + j) == t);
  d[i] = (exp(d[i] - lse[r]) - p.smoothing / f32(p.vocab) - hot) * k;`,
};

/**
 * Per row: fold one chunk of logits (texture L, texel (j, r) = logits[r, 4j…4j+3]) into the
 * running (max, sum of exp, sum, target logit), as {@link STATS} does.
 */
export const STATS_TEX: Kernel = {
  name: "lm_head_loss_stats_tex",
  params: STATS_PARAMS,
  buffers: [
    { name: "L", type: "texture", access: "read" },
    { name: "targets", type: "i32", access: "read" },
    { name: "stats", type: "vec4<f32>", access: "read_write" },
  ],
  workgroupSize: [WG, 1, 1],
  prelude: workgroupReduceWgsl(WG),
  body: `  let r = wid.x;
  let n4 = p.n / 4u;
  var m = -3.4028235e38;
  for (var j = lid.x; j < n4; j += ${WG}u) {
    let v = textureLoad(L, vec2<u32>(j, r), 0);
    m = max(m, max(max(v.x, v.y), max(v.z, v.w)));
  }
  m = group_max(m, lid.x);
  var acc = vec2(0.0, 0.0);
  for (var j = lid.x; j < n4; j += ${WG}u) {
    let v = textureLoad(L, vec2<u32>(j, r), 0);
    let e = exp(v - vec4(m));
    acc += vec2((e.x + e.y) + (e.z + e.w), (v.x + v.y) + (v.z + v.w));
  }
  let s = group_sum2(acc, lid.x);
  if (lid.x != 0u) { return; }
${MERGE_STATS}
  if (t >= i32(p.v0) && t < i32(p.v0 + p.n)) {
    let c = u32(t) - p.v0;
    st.w = textureLoad(L, vec2<u32>(c / 4u, r), 0)[c % 4u];
  }
  stats[r] = st;`,
};

/**
 * d (rows, n) as vec4s ← (softmax − (1 − ε)·one-hot − ε/V) · scale from the chunk's logits in
 * texture L (0 for ignored rows): {@link GRAD}, four columns per invocation.
 */
export const GRAD_TEX: Kernel = {
  name: "lm_head_loss_grad_tex",
  params: [["total4", "u32"], ...GRAD_PARAMS],
  buffers: [
    { name: "L", type: "texture", access: "read" },
    { name: "d", type: "vec4<f32>", access: "read_write" },
    { name: "targets", type: "i32", access: "read" },
    { name: "lse", type: "f32", access: "read" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.total4) { return; }
  let n4 = p.n / 4u;
  let r = i / n4;
  let j4 = i % n4;
  let t = targets[r];
  let k = select(p.scale, 0.0, t == p.ignore);
  let c = i32(p.v0 + j4 * 4u);
  let hot = select(vec4(0.0), vec4(1.0 - p.smoothing), vec4<i32>(c, c + 1, c + 2, c + 3) == vec4(t));
  let v = textureLoad(L, vec2<u32>(j4, r), 0);
  d[i] = (exp(v - vec4(lse[r])) - vec4(p.smoothing / f32(p.vocab)) - hot) * k;`,
};
