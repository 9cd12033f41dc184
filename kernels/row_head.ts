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
import { grid1d, LINEAR_INDEX, maxChunkElements } from "./dispatch_util.ts";
import { empty, expectDtype, type Tensor } from "./tensor.ts";
import type { OperandLoads } from "./matmul.ts";

/** Most rows one dispatch handles (its accumulators live in registers); more rows are split. */
export const ROW_HEAD_MAX_ROWS = 16;
/** vec4 columns per invocation, and invocations per workgroup (measured on llvmpipe). */
const COLS4 = 4;
const LANES = 8;

/**
 * Wt[k, c] = W[c, k] for c < n (0 for the padding columns up to ld), in 4 × 4 blocks: each
 * invocation reads four rows of W as vec4s and writes four vec4 columns of Wt.
 */
const TRANSPOSE_4X4: Kernel = {
  name: "row_head_transpose",
  params: [["total", "u32"], ["K4", "u32"], ["n", "u32"], ["ld4", "u32"], ["shift4", "u32"]],
  buffers: [
    { name: "W", type: "vec4<f32>", access: "read" },
    { name: "Wt", type: "vec4<f32>", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.total) { return; }
  let j4 = i % p.ld4;
  let q = i / p.ld4;
  var r: array<vec4<f32>, 4>;
  for (var e = 0u; e < 4u; e++) {
    let c = j4 * 4u + e;
    r[e] = select(vec4<f32>(), W[p.shift4 + min(c, p.n - 1u) * p.K4 + q], c < p.n);
  }
  for (var u = 0u; u < 4u; u++) {
    Wt[(q * 4u + u) * p.ld4 + j4] = vec4(r[0][u], r[1][u], r[2][u], r[3][u]);
  }`,
};

/**
 * One column range [n0, n0 + n) of Wᵀ, (K, ld) zero-padded: in a storage buffer (`t`) or, on
 * software adapters, in an rgba32float texture of ld/4 × K texels (`tex`, bound through `view`).
 */
export type HeadChunk =
  & { n0: number; n: number }
  & (
    | { t: Tensor; tex?: undefined; view?: undefined }
    | { t?: undefined; tex: GPUTexture; view: GPUTextureView }
  );

/** A weight (N, K) transposed to (K, N) in column chunks, for {@link rowHeadMatmul}. */
export interface TransposedHead {
  /** Output width (rows of the original weight). */
  N: number;
  /** Inner dimension. */
  K: number;
  /** The column chunks, in order. */
  chunks: HeadChunk[];
  /** Frees the chunks. */
  dispose(): void;
}

/** Options for {@link transposeHead}. */
export interface TransposeHeadOptions {
  /**
   * How {@link rowHeadMatmul} will read the weight: "auto" (default) from a texture on software
   * adapters (where a texel fetch is straight-line code and a storage load that differs across
   * lanes is a loop over them; see matmulTexKernel) and from a storage buffer elsewhere;
   * "storage" always from a storage buffer (the benchmark times both in one run).
   */
  loads?: OperandLoads;
}

/**
 * Transposes a weight W (N, K) into the layout {@link rowHeadMatmul} streams. Costs one copy of
 * W: make it once per generation (the weights do not change while decoding).
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const w = tensorFrom(gpu, Array.from({ length: 20 }, (_, i) => i % 3), [5, 4]); // (N, K)
 * const head = transposeHead(w); // GPT-2: wte.weight (50257, C) → (C, 50260) chunks
 * const lastHidden = tensorFrom(gpu, [1, 0, 0, 0, 0, 1, 0, 0], [2, 4]); // (B, K)
 * const logits = rowHeadMatmul(lastHidden, head); // (B, N): columns 0 and 1 of W
 * console.log(await logits.readFloat()); // [0, 1, 2, 0, 1, 1, 2, 0, 1, 2]
 * head.dispose();
 * ```
 */
export function transposeHead(w: Tensor, options: TransposeHeadOptions = {}): TransposedHead {
  expectDtype("transposeHead", "w", w, "f32");
  if (w.shape.length !== 2) throw new Error(`transposeHead: w must be (N, K), got ${w.label()}`);
  const [N, K] = w.shape;
  if (K % 4 !== 0) throw new Error(`transposeHead: K = ${K} must be a multiple of 4`);
  const gpu = w.gpu;
  const max = maxChunkElements(gpu);
  const D = gpu.device.limits.maxTextureDimension2D;
  const useTex = (options.loads ?? "auto") === "auto" && gpu.isSoftware && K <= D;
  // Each chunk's source rows and its transposed copy must fit one binding; a texture's rows
  // must be a multiple of 256 bytes (64 floats) and at most D texels wide.
  const align = useTex ? 64 : 4;
  let perChunk = Math.max(align, Math.floor(max / K / align) * align);
  if (useTex) perChunk = Math.min(perChunk, 4 * D);
  const chunks: HeadChunk[] = [];
  for (let n0 = 0; n0 < N; n0 += perChunk) {
    const n = Math.min(perChunk, N - n0);
    const ld = Math.ceil(n / align) * align;
    const t = empty(gpu, [K, ld]);
    const src = w.window(n0 * K, n * K);
    const total = (K / 4) * (ld / 4);
    gpu.dispatch(
      TRANSPOSE_4X4,
      [total, K / 4, n, ld / 4, src.shift / 4],
      [src.window, t.whole()],
      grid1d(gpu, total),
    );
    if (useTex) {
      const tex = gpu.device.createTexture({
        size: [ld / 4, K],
        format: "rgba32float",
        usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
        label: "transposed LM head",
      });
      gpu.copyToTexture(t.buffer, 0, ld * 4, tex, ld / 4, K);
      t.dispose();
      chunks.push({ n0, n, tex, view: tex.createView() });
    } else {
      gpu.keep(t);
      chunks.push({ n0, n, t });
    }
  }
  return {
    N,
    K,
    chunks,
    dispose: () => chunks.forEach((c) => c.t ? c.t.dispose() : c.tex.destroy()),
  };
}

/** y[m, n0 + n] = Σ_k x[m, k] · Wt[k, n] for `rows` rows starting at row m0 of x. */
function rowHeadKernel(rows: number, tex: boolean): Kernel {
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
  if (!tex) L.push(`      let kb = (q * 4u + u) * N4;`);
  for (let r = 0; r < COLS4; r++) {
    if (tex) L.push(`      let b${r} = textureLoad(W, vec2<u32>(col${r}, q * 4u + u), 0);`);
    else L.push(`      let b${r} = W[kb + col${r}];`);
  }
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
    name: `row_head_${rows}${tex ? "_tex" : ""}`,
    params: [["n", "u32"], ["K4", "u32"], ["offX4", "u32"], ["offY", "u32"], ["ldY", "u32"]],
    buffers: [
      { name: "X", type: "vec4<f32>", access: "read" },
      tex ? { name: "W", type: "texture", access: "read" } : {
        name: "W",
        type: "vec4<f32>",
        access: "read",
      },
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
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const head = transposeHead(tensorFrom(gpu, [1, 0, 0, 0, 1, 1, 1, 1], [2, 4])); // W (V, C)
 * const last = tensorFrom(gpu, [1, 2, 3, 4], [1, 4]); // (B, C)
 * const logits = gpu.noGrad(() => rowHeadMatmul(last, head)); // (B, V)
 * console.log(await logits.readFloat()); // [1, 10]
 * head.dispose();
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
        rowHeadKernel(rows, c.tex !== undefined),
        [c.n, K / 4, m0 * K / 4, m0 * N + c.n0, N],
        [x.whole(), c.t ? c.t.whole() : c.view, y.whole()],
        [Math.ceil(Math.ceil(c.n / 4) / (LANES * COLS4))],
      );
    }
  }
  return y;
}
