/**
 * Batched matrix multiply with either operand transposed: `op(A) · op(B)` for
 * A (…, M, K) or (…, K, M) and B (…, K, N) or (…, N, K). Operands larger than one storage
 * binding (GPT-2's tied 50,257-row embedding, a batch's logits) are split along M, N and K.
 *
 * @module
 */
import type { BufferWindow, Gpu } from "./gpu.ts";
import { grid1d, maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import {
  HARDWARE_TILING,
  matmulKernel,
  matmulNTKernel,
  matmulTexKernel,
  type MatmulTiling,
  NT_TILING,
  PACK_KERNEL,
  SOFTWARE_NARROW_TILING,
  SOFTWARE_TILING,
} from "./matmul_wgsl.ts";
import { empty, expectDtype, expectSameGpu, shapeString, type Tensor } from "./tensor.ts";

/** Up to this many rows, a transposed B is read as stored (NT kernel) instead of packed. */
const NT_MAX_ROWS = 32;

/** Which operands are stored transposed. */
export interface MatmulOptions {
  /** A is stored (…, K, M). */
  transA?: boolean;
  /** B is stored (…, N, K). */
  transB?: boolean;
  /**
   * How the kernels read the operands: "auto" (default) reads them as textures on software
   * adapters (faster there, see matmulTexKernel) and as storage buffers elsewhere; "storage"
   * always uses storage buffers (the benchmark times both in one run).
   */
  loads?: OperandLoads;
}

/** See {@link MatmulOptions.loads}. */
export type OperandLoads = "auto" | "storage";

/** Strided view of one operand: element [b, r, c] at off + b·bs + r·rs + c·cs. */
export interface Strided {
  /** The tensor holding the elements. */
  tensor: Tensor;
  /** Element offset of [0, 0, 0] (default 0). */
  off?: number;
  /** Batch stride. */
  bs: number;
  /** Row stride. */
  rs: number;
  /** Column stride. */
  cs: number;
}

/** The tiling used on this device for an output `N` columns wide. */
export function tilingFor(gpu: Gpu, N: number): MatmulTiling {
  if (!gpu.isSoftware) return HARDWARE_TILING;
  return N >= 1024 ? SOFTWARE_TILING : SOFTWARE_NARROW_TILING;
}

/** Shapes of a matmul: batch dims, M, N, K. */
export function matmulShape(
  a: readonly number[],
  b: readonly number[],
  { transA = false, transB = false }: MatmulOptions = {},
): { batch: number[]; M: number; N: number; K: number } {
  const where = `matmul(A ${shapeString(a)}${transA ? "ᵀ" : ""}, B ${shapeString(b)}${
    transB ? "ᵀ" : ""
  })`;
  if (a.length < 2 || b.length < 2) throw new Error(`${where}: operands need at least 2 dims`);
  const batch = a.slice(0, -2);
  if (b.length !== a.length || b.slice(0, -2).some((d, i) => d !== batch[i])) {
    throw new Error(`${where}: batch dimensions differ`);
  }
  const [M, Ka] = transA ? [a.at(-1)!, a.at(-2)!] : [a.at(-2)!, a.at(-1)!];
  const [Kb, N] = transB ? [b.at(-1)!, b.at(-2)!] : [b.at(-2)!, b.at(-1)!];
  if (Ka !== Kb) throw new Error(`${where}: inner dimensions differ (${Ka} vs ${Kb})`);
  return { batch: [...batch], M, N, K: Ka };
}

/**
 * `op(A) · op(B)`, differentiable in both operands.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const x = tensorFrom(gpu, [1, 2, 3, 4], [2, 2]); // (T, C)
 * const w = tensorFrom(gpu, [1, 0, 2, 0, 1, 3], [2, 3]); // (C, 3C')
 * console.log(await matmul(x, w).readFloat()); // [1, 2, 8, 3, 4, 18]
 * const s = matmul(x, x, { transB: true }); // x · xᵀ = [[5, 11], [11, 25]]
 * console.log(s.shape); // [2, 2]
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  expectSameGpu("matmul", a, b);
  expectDtype("matmul", "A", a, "f32");
  expectDtype("matmul", "B", b, "f32");
  const { transA = false, transB = false, loads = "auto" } = options;
  const { batch, M, N, K } = matmulShape(a.shape, b.shape, options);
  const out = empty(a.gpu, [...batch, M, N]);
  const nb = batch.reduce((x, y) => x * y, 1);
  const sa: Strided = transA
    ? { tensor: a, bs: M * K, rs: 1, cs: M }
    : { tensor: a, bs: M * K, rs: K, cs: 1 };
  const sb: Strided = transB
    ? { tensor: b, bs: N * K, rs: 1, cs: K }
    : { tensor: b, bs: N * K, rs: N, cs: 1 };
  matmulInto(out, sa, sb, nb, M, N, K, false, loads);
  return record(out, "matmul", [a, b], (g, needs) => [
    needs[0]
      ? (transA
        ? matmul(b, g, { transA: transB, transB: true, loads })
        : matmul(g, b, { transB: !transB, loads }))
      : null,
    needs[1]
      ? (transB
        ? matmul(g, a, { transA: true, transB: transA, loads })
        : matmul(a, g, { transA: !transA, loads }))
      : null,
  ]);
}

/**
 * The tiling with its rows per invocation cut to the next power of two at or above `rows` when
 * there are fewer rows than a block (a decoding step's one row per sequence): the kernels clamp
 * row indices, so a 32-row block over one row would compute that row 32 times.
 */
function fitRows(t: MatmulTiling, rows: number): MatmulTiling {
  if (rows >= t.tm) return t;
  return { ...t, tm: Math.min(t.tm, 2 ** Math.ceil(Math.log2(Math.max(1, rows)))) };
}

/** Lowest and highest element index a strided block touches. */
function extent(
  s: Strided,
  b0: number,
  nb: number,
  r0: number,
  nr: number,
  c0: number,
  nc: number,
) {
  const lo = (s.off ?? 0) + b0 * s.bs + r0 * s.rs + c0 * s.cs;
  const hi = lo + (nb - 1) * s.bs + (nr - 1) * s.rs + (nc - 1) * s.cs;
  return { lo, count: hi - lo + 1 };
}

/**
 * C (M, N) = A · B, or C += A · B with `accumulate`, for 2-D operands given as strided views
 * (an offset into a larger tensor, either layout): the building block of fused ops that work on
 * slices (kernels/lm_head_loss.ts). C is written whole, row-major. Not differentiable.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { empty, tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const C = 2, rows = 2, v0 = 1, n = 2;
 * const x = tensorFrom(gpu, [1, 2, 3, 4], [rows, C]); // (rows, C)
 * const w = tensorFrom(gpu, [1, 0, 0, 1, 1, 1], [3, C]); // (V, C)
 * // rows v0… of the (V, C) weight, transposed: a (C, n) view of w
 * const wT = { tensor: w, off: v0 * C, bs: 0, rs: 1, cs: C };
 * const out = empty(gpu, [rows, n]);
 * matmulStrided(out, { tensor: x, bs: 0, rs: C, cs: 1 }, wT, rows, n, C);
 * console.log(await out.readFloat()); // [2, 3, 4, 7]: x · w[1:3]ᵀ
 * ```
 */
export function matmulStrided(
  c: Tensor,
  a: Strided,
  b: Strided,
  M: number,
  N: number,
  K: number,
  accumulate = false,
  loads: OperandLoads = "auto",
): void {
  if (c.size !== M * N) {
    throw new Error(`matmulStrided: C ${c.label()} does not hold ${M} × ${N} elements`);
  }
  matmulInto(c, a, b, 1, M, N, K, accumulate, loads);
}

/** Runs the chunked matmul: C (nb, M, N) = A · B (or += with `accumulate`), strided A and B. */
function matmulInto(
  c: Tensor,
  a: Strided,
  b: Strided,
  nb: number,
  M: number,
  N: number,
  K: number,
  accumulate: boolean,
  loads: OperandLoads,
) {
  const gpu = c.gpu;
  const max = maxChunkElements(gpu);
  const tiling = tilingFor(gpu, N);
  const ceil4 = (x: number) => Math.ceil(x / 4) * 4;
  let [mc, nc, kc, bc] = [M, N, Math.min(K, tiling.maxK), nb];
  // Software adapters read the operands as textures (see matmulTexKernel) unless the few-row
  // NT path applies; a texture is at most D texels on a side, which bounds the chunks.
  const D = gpu.device.limits.maxTextureDimension2D;
  const useTex = loads === "auto" && gpu.isSoftware &&
    (M > NT_MAX_ROWS || !directNT(b, 0, 1, 0, kc, 0, 1));
  if (useTex) {
    mc = Math.min(mc, D);
    nc = Math.min(nc, 4 * D);
    bc = Math.max(1, Math.min(bc, Math.floor(D / Math.max(mc, ceil4(kc)))));
  }
  for (;;) {
    const overC = (bc - 1) * M * N + (mc - 1) * N + nc > max;
    const padCols = (x: number) => useTex ? Math.ceil(x / 64) * 64 : ceil4(x);
    const overA = extent(a, 0, bc, 0, mc, 0, kc).count > max || bc * mc * padCols(kc) > max;
    const overB = extent(b, 0, bc, 0, kc, 0, nc).count > max || bc * ceil4(kc) * padCols(nc) > max;
    if (!overC && !overA && !overB) break;
    if (bc > 1) bc = Math.ceil(bc / 2);
    else if (overC || (overA && a.rs >= a.cs)) mc = Math.ceil(mc / 2);
    else if (overA || (overB && (b.rs >= b.cs || kc > nc))) kc = Math.ceil(kc / 8) * 4;
    else nc = Math.ceil(nc / 8) * 4;
    if (mc < 1 || kc < 1 || nc < 4 && N > 4) {
      throw new Error(`matmul: cannot split (${nb}, ${M}, ${K}) · (${K}, ${N}) into bindings`);
    }
  }
  for (let b0 = 0; b0 < nb; b0 += bc) {
    const bn = Math.min(bc, nb - b0);
    for (let k0 = 0; k0 < K; k0 += kc) {
      const kn = Math.min(kc, K - k0);
      for (let n0 = 0; n0 < N; n0 += nc) {
        const nn = Math.min(nc, N - n0);
        // Packing B costs N·K copies per call; with few rows (generation) reading B as stored
        // through dot products is cheaper, with many the packed outer-product kernel wins.
        if (useTex) {
          const tb = textureB(b, b0, bn, k0, kn, n0, nn);
          for (let m0 = 0; m0 < M; m0 += mc) {
            const mn = Math.min(mc, M - m0);
            const ta = textureA(a, b0, bn, m0, mn, k0, kn);
            const wc = c.window(b0 * M * N + m0 * N + n0, (bn - 1) * M * N + (mn - 1) * N + nn);
            const t = fitRows(tiling, mn);
            gpu.dispatch(
              matmulTexKernel(t, accumulate || k0 > 0),
              [mn, nn, ceil4(kn) / 4, mn, ceil4(kn), wc.shift, M * N, N, 1],
              [ta.createView(), tb.createView(), wc.window],
              [Math.ceil(mn / t.tm), Math.ceil(nn / 4 / (t.wgx * t.tn)), bn],
            );
            gpu.releaseTexture(ta);
          }
          gpu.releaseTexture(tb);
          continue;
        }
        const nt = M <= NT_MAX_ROWS ? directNT(b, b0, bn, k0, kn, n0, nn) : null;
        const opB = nt ?? operandB(b, b0, bn, k0, kn, n0, nn, N);
        for (let m0 = 0; m0 < M; m0 += mc) {
          const mn = Math.min(mc, M - m0);
          const t = nt ? NT_TILING : fitRows(tiling, mn);
          const opA = operandA(a, b0, bn, m0, mn, k0, kn);
          const wc = c.window(b0 * M * N + m0 * N + n0, (bn - 1) * M * N + (mn - 1) * N + nn);
          const groupsN = nt ? Math.ceil(nn / (t.wgx * t.tn)) : Math.ceil(nn / 4 / (t.wgx * t.tn));
          gpu.dispatch(
            nt ? matmulNTKernel(t, accumulate || k0 > 0) : matmulKernel(t, accumulate || k0 > 0),
            [mn, nn, ceil4(kn) / 4, opA.off4, opA.bs4, opA.ld4, opB.off4, opB.bs4, opB.ld4]
              .concat([wc.shift, M * N, N, 1]),
            [opA.window, opB.window, wc.window],
            [Math.ceil(mn / (t.tm * t.wgy)), groupsN, bn],
          );
          opA.packed?.dispose();
        }
        opB.packed?.dispose();
      }
    }
  }
}

/** A bound operand in vec4 rows: window, offsets in vec4s, and the packed copy if one was made. */
interface BoundOperand {
  window: BufferWindow;
  off4: number;
  bs4: number;
  ld4: number;
  packed: Tensor | null;
}

/**
 * Rows r0.. (stride `rowStride`) of an operand whose K elements are contiguous (`kStride` 1),
 * bound in place as vec4 rows along K, or null when K, a stride or the offset is not a multiple
 * of 4. Serves A (rows = M) and a transposed B read by the NT kernel (rows = N).
 */
function kRowsInPlace(
  s: Strided,
  rowStride: number,
  kStride: number,
  lo: number,
  count: number,
  bn: number,
  kn: number,
): BoundOperand | null {
  if (kStride !== 1 || kn % 4 !== 0 || rowStride % 4 !== 0 || (bn > 1 && s.bs % 4 !== 0)) {
    return null;
  }
  const w = s.tensor.window(lo, count);
  if (w.shift % 4 !== 0) return null;
  return { window: w.window, off4: w.shift / 4, bs4: s.bs / 4, ld4: rowStride / 4, packed: null };
}

/** A transposed B ([N, K] rows) bound in place for the NT kernel, or null. */
function directNT(
  b: Strided,
  b0: number,
  bn: number,
  k0: number,
  kn: number,
  n0: number,
  nn: number,
): BoundOperand | null {
  const e = extent(b, b0, bn, k0, kn, n0, nn);
  return kRowsInPlace(b, b.cs, b.rs, e.lo, e.count, bn, kn);
}

/** A[b0.., m0.., k0..] as vec4 rows along K: the tensor itself when aligned, else a packed copy. */
function operandA(
  a: Strided,
  b0: number,
  bn: number,
  m0: number,
  mn: number,
  k0: number,
  kn: number,
): BoundOperand {
  const e = extent(a, b0, bn, m0, mn, k0, kn);
  const inPlace = kRowsInPlace(a, a.rs, a.cs, e.lo, e.count, bn, kn);
  if (inPlace) return inPlace;
  const ld = Math.ceil(kn / 4) * 4;
  const packed = pack(a, a.tensor.window(e.lo, e.count), bn, mn, mn, kn, ld);
  return { window: packed.whole(), off4: 0, bs4: mn * ld / 4, ld4: ld / 4, packed };
}

/** B[b0.., k0.., n0..] as vec4 rows along N, zero-padded to a multiple of 4 in K and N. */
function operandB(
  b: Strided,
  b0: number,
  bn: number,
  k0: number,
  kn: number,
  n0: number,
  nn: number,
  N: number,
): BoundOperand {
  if (b.cs === 1 && N % 4 === 0 && nn === N && kn % 4 === 0 && (bn === 1 || b.bs % 4 === 0)) {
    const e = extent(b, b0, bn, k0, kn, 0, N);
    const w = b.tensor.window(e.lo, e.count);
    if (w.shift % 4 === 0) {
      return { window: w.window, off4: w.shift / 4, bs4: b.bs / 4, ld4: N / 4, packed: null };
    }
  }
  const e = extent(b, b0, bn, k0, kn, n0, nn);
  const w = b.tensor.window(e.lo, e.count);
  const kpad = Math.ceil(kn / 4) * 4;
  const ld = Math.ceil(nn / 4) * 4;
  const packed = pack(b, w, bn, kpad, kn, nn, ld);
  return { window: packed.whole(), off4: 0, bs4: kpad * ld / 4, ld4: ld / 4, packed };
}

/** Rows of 16-byte texels a texture copy may read in place: pitch a multiple of 256 bytes. */
function copyableRows(s: Strided, rowStride: number, lo: number, bn: number, rows: number) {
  return s.tensor.dtype === "f32" && (rowStride * 4) % 256 === 0 && lo % 4 === 0 &&
    (bn === 1 || s.bs === rows * rowStride);
}

/**
 * `rows` × `cols` blocks of a strided operand (element [b, r, c], r < rows, c < cols, from
 * r0, c0), one per batch stacked vertically, as an rgba32float texture of ⌈cols/4⌉ × bn·rpad
 * texels (zero-padded): copied from the tensor when its rows are laid out for that, else packed
 * first.
 */
function toTexture(
  s: Strided,
  b0: number,
  bn: number,
  r0: number,
  rows: number,
  rpad: number,
  c0: number,
  cols: number,
): GPUTexture {
  const gpu = s.tensor.gpu;
  const width = Math.ceil(cols / 4);
  const tex = gpu.takeTexture(width, bn * rpad);
  const e = extent(s, b0, bn, r0, rows, c0, cols);
  if (s.cs === 1 && cols % 4 === 0 && rows === rpad && copyableRows(s, s.rs, e.lo, bn, rows)) {
    gpu.copyToTexture(s.tensor.buffer, e.lo * 4, s.rs * 4, tex, width, bn * rpad);
    return tex;
  }
  const ld = Math.ceil(cols / 64) * 64;
  const packed = pack(s, s.tensor.window(e.lo, e.count), bn, rpad, rows, cols, ld);
  gpu.copyToTexture(packed.buffer, 0, ld * 4, tex, width, bn * rpad);
  packed.dispose();
  return tex;
}

/** A[b0.., m0.., k0..] as a texture of K/4 × bn·mn texels (see matmulTexKernel). */
function textureA(
  a: Strided,
  b0: number,
  bn: number,
  m0: number,
  mn: number,
  k0: number,
  kn: number,
): GPUTexture {
  return toTexture(a, b0, bn, m0, mn, mn, k0, kn);
}

/** B[b0.., k0.., n0..] as a texture of N/4 × bn·⌈K⌉₄ texels (see matmulTexKernel). */
function textureB(
  b: Strided,
  b0: number,
  bn: number,
  k0: number,
  kn: number,
  n0: number,
  nn: number,
): GPUTexture {
  return toTexture(b, b0, bn, k0, kn, Math.ceil(kn / 4) * 4, n0, nn);
}

/** Copies a strided block into a zero-padded (bn, rpad, ld) tensor. */
function pack(
  s: Strided,
  w: { window: BufferWindow; shift: number },
  bn: number,
  rpad: number,
  rows: number,
  cols: number,
  ld: number,
): Tensor {
  const gpu = s.tensor.gpu;
  const out = empty(gpu, [bn, rpad, ld]);
  const total = bn * rpad * ld;
  gpu.dispatch(
    PACK_KERNEL,
    [total, rpad, rows, cols, ld, w.shift, s.bs, s.rs, s.cs],
    [w.window, out.whole()],
    grid1d(gpu, total),
  );
  return out;
}

/** CPU reference of {@link matmul} in f64: same shapes and transposes. */
export function matmulCpu(
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  options: MatmulOptions = {},
): Float64Array {
  const { batch, M, N, K } = matmulShape(aShape, bShape, options);
  const nb = batch.reduce((x, y) => x * y, 1);
  const out = new Float64Array(nb * M * N);
  for (let bi = 0; bi < nb; bi++) {
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = a[bi * M * K + (options.transA ? k * M + m : m * K + k)];
          const bv = b[bi * K * N + (options.transB ? n * K + k : k * N + n)];
          s += av * bv;
        }
        out[bi * M * N + m * N + n] = s;
      }
    }
  }
  return out;
}
