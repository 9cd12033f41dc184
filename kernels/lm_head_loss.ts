/**
 * The LM head fused with the cross-entropy: `crossEntropy(x · wᵀ, targets)` for hidden states x
 * (N, C) and a tied head w (V, C), computed in vocabulary chunks so that the (N, V) logits are
 * never held whole (a batch of 8 × 128 against GPT-2's 50,257 words is 206 MB per copy).
 *
 * Pass 1 runs over the chunks with an online log-sum-exp per row (running max and rescaled sum),
 * plus the target's logit and the row's logit sum (for label smoothing). When a gradient is
 * needed, pass 2 recomputes each chunk's logits, turns them in place into
 * `softmax − (1 − ε)·one-hot − ε/V` (times 1/count), and adds their products straight into dX
 * (N, C) and into dw's rows of the chunk, as Liger's fused linear cross-entropy and Cut
 * Cross-Entropy do. Every matmul here binds its operands in place (chunk widths are multiples of
 * 64): the unfused path packs the 50,257-wide gradient for each of its products. The backward
 * only scales dX and dw by the incoming gradient.
 *
 * @module
 */
import type { Gpu } from "./gpu.ts";
import type { Kernel } from "./kernel.ts";
import { forEachChunk, grid1d, LINEAR_INDEX, maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import { matmulStrided, type OperandLoads } from "./matmul.ts";
import { sumAll } from "./reduce.ts";
import type { CrossEntropyOptions } from "./cross_entropy.ts";
import { empty, expectDtype, expectSameGpu, type Tensor, tensorFrom } from "./tensor.ts";
import {
  chunkFitsTexture,
  chunkTexture,
  GRAD,
  GRAD_TEX,
  STATS,
  STATS_TEX,
} from "./lm_head_loss_chunk.ts";

/** Widest vocabulary chunk (columns); narrower when many rows would overflow one binding. */
const MAX_CHUNK = 8192;
/** Largest logits (bytes) kept from pass 1 for pass 2 instead of recomputed. */
const KEEP_LOGITS_BYTES = 512 * 2 ** 20;

/** Per row: log-sum-exp and the smoothed loss from the running statistics (0 when ignored). */
const FINISH: Kernel = {
  name: "lm_head_loss_finish",
  params: [["rows", "u32"], ["vocab", "u32"], ["ignore", "i32"], ["smoothing", "f32"]],
  buffers: [
    { name: "stats", type: "vec4<f32>", access: "read" },
    { name: "targets", type: "i32", access: "read" },
    { name: "lse", type: "f32", access: "read_write" },
    { name: "loss", type: "f32", access: "read_write" },
  ],
  workgroupSize: [64, 1, 1],
  body: `  let r = gid.x;
  if (r >= p.rows) { return; }
  let st = stats[r];
  let l = st.x + log(st.y);
  lse[r] = l;
  if (targets[r] == p.ignore) { loss[r] = 0.0; return; }
  loss[r] = (1.0 - p.smoothing) * (l - st.w) + p.smoothing * (l - st.z / f32(p.vocab));`,
};

/** dst[shift + j·C + c] = src[c·n + j]: a (C, n) block transposed into rows of dw. */
const TRANSPOSE_INTO: Kernel = {
  name: "lm_head_loss_transpose",
  params: [["total", "u32"], ["C", "u32"], ["n", "u32"], ["shift", "u32"]],
  buffers: [
    { name: "src", type: "f32", access: "read" },
    { name: "dst", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.total) { return; }
  dst[p.shift + i] = src[(i % p.C) * p.n + i / p.C];`,
};

/** t *= s[0], in place, in binding-sized pieces. */
const SCALE_BY: Kernel = {
  name: "lm_head_loss_scale_by",
  params: [["n", "u32"], ["shift", "u32"]],
  buffers: [
    { name: "t", type: "f32", access: "read_write" },
    { name: "s", type: "f32", access: "read" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  t[p.shift + i] = t[p.shift + i] * s[0];`,
};

function scaleBy(t: Tensor, s: Tensor): Tensor {
  const gpu = t.gpu;
  forEachChunk(t.size, maxChunkElements(gpu) - 64, (start, n) => {
    const w = t.window(start, n);
    gpu.dispatch(SCALE_BY, [n, w.shift], [w.window, s.whole()], grid1d(gpu, n));
  });
  return t;
}

/**
 * Vocabulary chunk width: a multiple of 64 whose logits (rows × n) and weight-gradient block
 * (C × n) each fit one binding.
 */
function chunkWidth(gpu: Gpu, rows: number, C: number): number {
  const n = Math.min(MAX_CHUNK, Math.floor(maxChunkElements(gpu) / Math.max(rows, C) / 64) * 64);
  if (n < 64) throw new Error(`lmHeadCrossEntropy: ${rows} rows are too many for one binding`);
  return n;
}

/** logits (rows, n) = x · w[v0 … v0+n)ᵀ. */
function chunkLogits(
  x: Tensor,
  w: Tensor,
  v0: number,
  n: number,
  loads: OperandLoads,
): Tensor {
  const [rows, C] = x.shape;
  const out = empty(x.gpu, [rows, n]);
  matmulStrided(
    out,
    { tensor: x, bs: 0, rs: C, cs: 1 },
    { tensor: w, off: v0 * C, bs: 0, rs: 1, cs: C },
    rows,
    n,
    C,
    false,
    loads,
  );
  return out;
}

/** Options of {@link lmHeadCrossEntropy}. */
export interface LmHeadLossOptions extends CrossEntropyOptions {
  /** Keep pass 1's logits for pass 2 up to this many bytes, else recompute (default 512 MiB). */
  keepLogitsBytes?: number;
  /**
   * How the products and the per-chunk kernels read their operands (see `MatmulOptions.loads`;
   * default "auto": textures on software adapters; "storage" keeps storage buffers throughout).
   */
  loads?: OperandLoads;
}

/**
 * Mean (or summed) cross-entropy of the logits `x · wᵀ` against `targets`, without holding the
 * logits: the same value and gradients as `crossEntropy(matmul(x, w, { transB: true }), …)`,
 * with PyTorch's `ignore_index` and `label_smoothing`. Differentiable in x and w.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { backward } from "./autograd.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const x = tensorFrom(gpu, [1, 0, 0, 1, 1, 1], [3, 2], { requiresGrad: true }); // (N, C) hidden
 * const w = tensorFrom(gpu, [2, 0, 0, 2, 1, 1, 0, 0], [4, 2], { requiresGrad: true }); // (V, C)
 * const loss = lmHeadCrossEntropy(x, w, [0, 1, 2]); // [1]: mean over the 3 rows
 * backward(loss);
 * console.log(await loss.item(), w.grad!.shape); // 0.710… (crossEntropy of x · wᵀ) [4, 2]
 * ```
 */
export function lmHeadCrossEntropy(
  x: Tensor,
  w: Tensor,
  targets: Int32Array | readonly number[],
  options: LmHeadLossOptions = {},
): Tensor {
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = "mean" } = options;
  const keepBytes = options.keepLogitsBytes ?? KEEP_LOGITS_BYTES;
  const loads = options.loads ?? "auto";
  expectSameGpu("lmHeadCrossEntropy", x, w);
  expectDtype("lmHeadCrossEntropy", "x", x, "f32");
  expectDtype("lmHeadCrossEntropy", "w", w, "f32");
  const where = `lmHeadCrossEntropy(x ${x.label()}, w ${w.label()})`;
  if (x.shape.length !== 2 || w.shape.length !== 2 || x.shape[1] !== w.shape[1]) {
    throw new Error(`${where}: x must be (N, C) and w (V, C)`);
  }
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new Error(`${where}: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  }
  const [rows, C] = x.shape;
  const V = w.shape[0];
  if (targets.length !== rows) {
    throw new Error(`${where}: ${targets.length} targets for ${rows} rows`);
  }
  let count = 0;
  targets.forEach((t, r) => {
    if (t === ignoreIndex) return;
    if (!Number.isInteger(t) || t < 0 || t >= V) {
      throw new Error(`${where}: target ${t} at row ${r} is outside [0, ${V}) and not ignoreIndex`);
    }
    count++;
  });
  const gpu = x.gpu;
  if (rows > gpu.device.limits.maxComputeWorkgroupsPerDimension) {
    throw new Error(`${where}: ${rows} rows exceed one dispatch dimension; split the batch`);
  }
  const ids = tensorFrom(gpu, Int32Array.from(targets), [rows], { dtype: "i32" });
  const stats = empty(gpu, [rows, 4]);
  const width = chunkWidth(gpu, rows, C);
  const wantGrad = gpu.gradEnabled && (x.requiresGrad || w.requiresGrad);
  // With a gradient to compute, pass 2 reuses pass 1's logit chunks when they fit the budget
  // (the unfused path held the logits and their gradient at once); else it recomputes them.
  const keep = wantGrad && rows * V * 4 <= keepBytes;
  // Software adapters read each chunk's logits as a texture where its shape allows.
  const useTex = (n: number) => loads === "auto" && chunkFitsTexture(gpu, rows, n);
  const kept: Tensor[] = [];
  for (let v0 = 0; v0 < V; v0 += width) {
    const n = Math.min(width, V - v0);
    const logits = chunkLogits(x, w, v0, n, loads);
    const params = [n, v0, v0 === 0 ? 1 : 0];
    if (useTex(n)) {
      const tex = chunkTexture(logits, rows, n);
      gpu.dispatch(STATS_TEX, params, [tex.createView(), ids.whole(), stats.whole()], [rows]);
      gpu.releaseTexture(tex);
    } else {
      gpu.dispatch(STATS, params, [logits.whole(), ids.whole(), stats.whole()], [rows]);
    }
    if (keep) kept.push(logits);
    else logits.dispose();
  }
  const lse = empty(gpu, [rows]);
  const rowLoss = empty(gpu, [rows]);
  gpu.dispatch(
    FINISH,
    [rows, V, ignoreIndex, labelSmoothing],
    [stats.whole(), ids.whole(), lse.whole(), rowLoss.whole()],
    [Math.ceil(rows / 64)],
  );
  stats.dispose();
  const out = sumAll([rowLoss], reduction === "sum" ? 1 : count > 0 ? 1 / count : NaN);
  rowLoss.dispose();
  out.name = "lmHeadCrossEntropy";
  if (!wantGrad) {
    ids.dispose();
    lse.dispose();
    return out;
  }
  const scale = reduction === "sum" ? 1 : count > 0 ? 1 / count : 0;
  const dx = x.requiresGrad ? empty(gpu, [rows, C]) : null;
  const dw = w.requiresGrad ? empty(gpu, [V, C]) : null;
  for (let v0 = 0, c = 0; v0 < V; v0 += width, c++) {
    const n = Math.min(width, V - v0);
    const d = keep ? kept[c] : chunkLogits(x, w, v0, n, loads);
    const params = [n, v0, V, ignoreIndex, labelSmoothing, scale];
    if (useTex(n)) {
      const tex = chunkTexture(d, rows, n);
      const total4 = rows * n / 4;
      gpu.dispatch(
        GRAD_TEX,
        [total4, ...params],
        [tex.createView(), d.whole(), ids.whole(), lse.whole()],
        grid1d(gpu, total4),
      );
      gpu.releaseTexture(tex);
    } else {
      const total = rows * n;
      gpu.dispatch(
        GRAD,
        [total, ...params],
        [d.whole(), ids.whole(), lse.whole()],
        grid1d(gpu, total),
      );
    }
    const dRows = { tensor: d, bs: 0, rs: n, cs: 1 };
    if (dx) {
      const wRows = { tensor: w, off: v0 * C, bs: 0, rs: C, cs: 1 };
      matmulStrided(dx, dRows, wRows, rows, C, n, v0 > 0, loads);
    }
    if (dw) {
      // dw[v0 + j, c] = Σ_r d[r, j] x[r, c]: computed as xᵀ · d (C, n), whose operands bind in
      // place, then transposed into the chunk's rows.
      const t = empty(gpu, [C, n]);
      matmulStrided(t, { tensor: x, bs: 0, rs: 1, cs: C }, dRows, C, n, rows, false, loads);
      const dst = dw.window(v0 * C, n * C);
      gpu.dispatch(
        TRANSPOSE_INTO,
        [n * C, C, n, dst.shift],
        [t.whole(), dst.window],
        grid1d(gpu, n * C),
      );
      t.dispose();
    }
    d.dispose();
  }
  ids.dispose();
  lse.dispose();
  return record(out, "lmHeadCrossEntropy", [x, w], (g, needs) => {
    const grads = [needs[0] && dx ? scaleBy(dx, g) : null, needs[1] && dw ? scaleBy(dw, g) : null];
    // Gradients not taken are freed now; the ones returned belong to the caller.
    if (!needs[0]) dx?.dispose();
    if (!needs[1]) dw?.dispose();
    return grads;
  });
}
