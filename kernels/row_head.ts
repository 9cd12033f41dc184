/**
 * The LM head for a few rows (a decoding step: one row per sequence): `x (M, K) · Wᵀ` for a
 * weight W stored (N, K), as GPT-2's tied embedding is, where N is the vocabulary.
 *
 * The work is bandwidth-bound (each weight element is used M times), so the kernel must stream
 * W once with loads that sit next to each other across SIMD lanes. It therefore reads a
 * transposed copy, Wᵀ as (K, N) in vec4 columns, made once per generation by
 * {@link transposeHead} (not once per step): lane j reads columns 4j…4j+3 of one K row, and each
 * invocation keeps all M rows' accumulators in registers. Measured on llvmpipe (the
 * README's profile) this is 2–5× faster than the register-blocked matmul's dot-product kernel for
 * 1–12 rows, whose blocks of 32 rows are mostly padding at M = 1.
 *
 * Inference only (no autograd). Weights larger than one storage binding (GPT-2 124M's 154 MB
 * embedding) are transposed into column chunks that each fit one.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { grid1d, maxChunkElements } from "./dispatch_util.ts";
import { PACK_KERNEL } from "./matmul_wgsl.ts";
import { empty, expectDtype, type Tensor } from "./tensor.ts";

/** Most rows one dispatch handles (its accumulators live in registers); more rows are split. */
export const ROW_HEAD_MAX_ROWS = 16;
/** vec4 columns per invocation, and invocations per workgroup (measured on llvmpipe). */
const COLS4 = 4;
const LANES = 8;

/** A weight (N, K) transposed to (K, N) in column chunks, for {@link rowHeadMatmul}. */
export interface TransposedHead {
  /** Output width (rows of the original weight). */
  N: number;
  /** Inner dimension. */
  K: number;
  /** Column ranges [n0, n0 + n) of Wᵀ, each (K, ceil4(n)) zero-padded, in order. */
  chunks: { n0: number; n: number; t: Tensor }[];
  /** Frees the chunks. */
  dispose(): void;
}

/**
 * Transposes a weight W (N, K) into the layout {@link rowHeadMatmul} streams. Costs one copy of
 * W: make it once per generation (the weights do not change while decoding).
 *
 * @example
 * ```ts
 * const head = transposeHead(model.param("wte.weight")); // (50257, C) → (C, 50260) chunks
 * const logits = rowHeadMatmul(lastHidden, head);          // (B, 50257)
 * head.dispose();
 * ```
 */
export function transposeHead(w: Tensor): TransposedHead {
  expectDtype("transposeHead", "w", w, "f32");
  if (w.shape.length !== 2) throw new Error(`transposeHead: w must be (N, K), got ${w.label()}`);
  const [N, K] = w.shape;
  const gpu = w.gpu;
  const max = maxChunkElements(gpu);
  // Each chunk's source rows and its transposed copy must fit one binding.
  const perChunk = Math.max(4, Math.floor(max / K / 4) * 4);
  const chunks: TransposedHead["chunks"] = [];
  for (let n0 = 0; n0 < N; n0 += perChunk) {
    const n = Math.min(perChunk, N - n0);
    const ld = Math.ceil(n / 4) * 4;
    const t = empty(gpu, [K, ld]);
    const src = w.window(n0 * K, n * K);
    // Element (r = k, c = col) of the source block sits at col·K + k.
    gpu.dispatch(
      PACK_KERNEL,
      [K * ld, K, K, n, ld, src.shift, 0, 1, K],
      [src.window, t.whole()],
      grid1d(gpu, K * ld),
    );
    gpu.keep(t);
    chunks.push({ n0, n, t });
  }
  return { N, K, chunks, dispose: () => chunks.forEach((c) => c.t.dispose()) };
}

/** y[m, n0 + n] = Σ_k x[m, k] · Wt[k, n] for `rows` rows starting at row m0 of x. */
function rowHeadKernel(rows: number): Kernel {
  const L: string[] = [];
  L.push(`  let N4 = (p.n + 3u) / 4u;`);
  L.push(`  let j0 = wid.x * ${LANES * COLS4}u + lid.x;`);
  L.push(`  if (j0 >= N4) { return; }`);
  for (let r = 0; r < COLS4; r++) L.push(`  let col${r} = min(j0 + ${r * LANES}u, N4 - 1u);`);
  for (let m = 0; m < rows; m++) {
    for (let r = 0; r < COLS4; r++) L.push(`  var c${m}_${r} = vec4<f32>();`);
  }
  L.push(`  for (var q = 0u; q < p.K4; q++) {`);
  for (let m = 0; m < rows; m++) L.push(`    let a${m} = X[p.offX4 + ${m}u * p.K4 + q];`);
  L.push(`    for (var u = 0u; u < 4u; u++) {`);
  L.push(`      let kb = (q * 4u + u) * N4;`);
  for (let r = 0; r < COLS4; r++) L.push(`      let b${r} = W[kb + col${r}];`);
  for (let m = 0; m < rows; m++) {
    for (let r = 0; r < COLS4; r++) {
      L.push(`      c${m}_${r} = fma(vec4<f32>(a${m}[u]), b${r}, c${m}_${r});`);
    }
  }
  L.push(`    }`);
  L.push(`  }`);
  for (let m = 0; m < rows; m++) {
    for (let r = 0; r < COLS4; r++) L.push(`  store4(${m}u, j0 + ${r * LANES}u, c${m}_${r});`);
  }
  return {
    name: `row_head_${rows}`,
    params: [["n", "u32"], ["K4", "u32"], ["offX4", "u32"], ["offY", "u32"], ["ldY", "u32"]],
    buffers: [
      { name: "X", type: "vec4<f32>", access: "read" },
      { name: "W", type: "vec4<f32>", access: "read" },
      { name: "Y", type: "f32", access: "read_write" },
    ],
    workgroupSize: [LANES, 1, 1],
    prelude: `fn store4(m: u32, j: u32, v: vec4<f32>) {
  for (var e = 0u; e < 4u; e++) {
    let n = j * 4u + e;
    if (n < p.n) { Y[p.offY + m * p.ldY + n] = v[e]; }
  }
}`,
    body: L.join("\n"),
  };
}

/**
 * `x (M, K) · Wᵀ → (M, N)` against a {@link transposeHead} copy of W (N, K). K must be a
 * multiple of 4 (GPT-2's widths are). Not differentiable: for generation.
 *
 * @example
 * ```ts
 * const logits = gpu.noGrad(() => rowHeadMatmul(last, head)); // last (B, C) → (B, V)
 * ```
 */
export function rowHeadMatmul(x: Tensor, head: TransposedHead): Tensor {
  expectDtype("rowHeadMatmul", "x", x, "f32");
  const { N, K } = head;
  if (x.shape.length !== 2 || x.shape[1] !== K) {
    throw new Error(
      `rowHeadMatmul: x must be (M, ${K}) for a head of width ${K}, got ${x.label()}`,
    );
  }
  if (K % 4 !== 0) throw new Error(`rowHeadMatmul: K = ${K} must be a multiple of 4`);
  const M = x.shape[0];
  const gpu = x.gpu;
  const y = empty(gpu, [M, N]);
  if (M * N > maxChunkElements(gpu)) {
    throw new Error(`rowHeadMatmul: ${M} rows × ${N} outputs exceed one binding; use matmul`);
  }
  for (let m0 = 0; m0 < M; m0 += ROW_HEAD_MAX_ROWS) {
    const rows = Math.min(ROW_HEAD_MAX_ROWS, M - m0);
    for (const c of head.chunks) {
      gpu.dispatch(
        rowHeadKernel(rows),
        [c.n, K / 4, m0 * K / 4, m0 * N + c.n0, N],
        [x.whole(), c.t.whole(), y.whole()],
        [Math.ceil(Math.ceil(c.n / 4) / (LANES * COLS4))],
      );
    }
  }
  return y;
}
