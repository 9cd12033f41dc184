/**
 * Batched matrix multiply with either operand transposed: `op(A) · op(B)` for
 * A (…, M, K) or (…, K, M) and B (…, K, N) or (…, N, K). Operands larger than one storage
 * binding (GPT-2's tied 50,257-row embedding, a batch's logits) are split along M, N and K.
 *
 * @module
 */
import type { Gpu } from "./gpu.ts";
import { grid1d, maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import {
  HARDWARE_TILING,
  matmulKernel,
  type MatmulTiling,
  PACK_KERNEL,
  SOFTWARE_TILING,
} from "./matmul_wgsl.ts";
import { empty, expectDtype, expectSameGpu, shapeString, type Tensor } from "./tensor.ts";

/** Which operands are stored transposed. */
export interface MatmulOptions {
  /** A is stored (…, K, M). */
  transA?: boolean;
  /** B is stored (…, N, K). */
  transB?: boolean;
}

/** Strided view of one operand: element [b, r, c] at off + b·bs + r·rs + c·cs. */
interface Strided {
  tensor: Tensor;
  bs: number;
  rs: number;
  cs: number;
}

/** The tiling used on this device. */
export function tilingFor(gpu: Gpu): MatmulTiling {
  return gpu.isSoftware ? SOFTWARE_TILING : HARDWARE_TILING;
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
 * const y = matmul(x, w);                        // (T, C) · (C, 3C)
 * const s = matmul(q, k, { transB: true });      // (B·H, T, D) · (B·H, T, D)ᵀ
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  expectSameGpu("matmul", a, b);
  expectDtype("matmul", "A", a, "f32");
  expectDtype("matmul", "B", b, "f32");
  const { transA = false, transB = false } = options;
  const { batch, M, N, K } = matmulShape(a.shape, b.shape, options);
  const out = empty(a.gpu, [...batch, M, N]);
  const nb = batch.reduce((x, y) => x * y, 1);
  const sa: Strided = transA
    ? { tensor: a, bs: M * K, rs: 1, cs: M }
    : { tensor: a, bs: M * K, rs: K, cs: 1 };
  const sb: Strided = transB
    ? { tensor: b, bs: N * K, rs: 1, cs: K }
    : { tensor: b, bs: N * K, rs: N, cs: 1 };
  matmulInto(out, sa, sb, nb, M, N, K);
  return record(out, "matmul", [a, b], (g, needs) => [
    needs[0]
      ? (transA
        ? matmul(b, g, { transA: transB, transB: true })
        : matmul(g, b, { transB: !transB }))
      : null,
    needs[1]
      ? (transB
        ? matmul(g, a, { transA: true, transB: transA })
        : matmul(a, g, { transA: !transA }))
      : null,
  ]);
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
  const lo = b0 * s.bs + r0 * s.rs + c0 * s.cs;
  const hi = lo + (nb - 1) * s.bs + (nr - 1) * s.rs + (nc - 1) * s.cs;
  return { lo, count: hi - lo + 1 };
}

/** Runs the chunked matmul: C (nb, M, N) = A · B with strided A and B. */
function matmulInto(
  c: Tensor,
  a: Strided,
  b: Strided,
  nb: number,
  M: number,
  N: number,
  K: number,
) {
  const gpu = c.gpu;
  const max = maxChunkElements(gpu);
  const tiling = tilingFor(gpu);
  let [mc, nc, kc, bc] = [M, N, K, nb];
  for (;;) {
    const overC = (bc - 1) * M * N + (mc - 1) * N + nc > max;
    const overA = extent(a, 0, bc, 0, mc, 0, kc).count > max;
    const overB = extent(b, 0, bc, 0, kc, 0, nc).count > max;
    const overPacked = bc * kc * Math.ceil(nc / 4) * 4 > max;
    if (!overC && !overA && !overB && !overPacked) break;
    if (bc > 1) bc = Math.ceil(bc / 2);
    else if (overC || (overA && a.rs >= a.cs)) mc = Math.ceil(mc / 2);
    else if (overA || (overB && b.rs >= b.cs) || (overPacked && kc > nc)) kc = Math.ceil(kc / 2);
    else nc = Math.ceil(nc / 8) * 4;
    if (mc < 1 || kc < 1 || nc < 4) {
      throw new Error(`matmul: cannot split (${nb}, ${M}, ${K}) · (${K}, ${N}) into bindings`);
    }
  }
  const direct = b.cs === 1 && N % 4 === 0 && nc === N;
  for (let b0 = 0; b0 < nb; b0 += bc) {
    const bn = Math.min(bc, nb - b0);
    for (let k0 = 0; k0 < K; k0 += kc) {
      const kn = Math.min(kc, K - k0);
      for (let n0 = 0; n0 < N; n0 += nc) {
        const nn = Math.min(nc, N - n0);
        const packed = direct ? null : packB(b, b0, bn, k0, kn, n0, nn);
        for (let m0 = 0; m0 < M; m0 += mc) {
          const mn = Math.min(mc, M - m0);
          const ea = extent(a, b0, bn, m0, mn, k0, kn);
          const wa = a.tensor.window(ea.lo, ea.count);
          const cStart = b0 * M * N + m0 * N + n0;
          const wc = c.window(cStart, (bn - 1) * M * N + (mn - 1) * N + nn);
          let wb, offB4, bsB4, ldB4;
          if (packed) {
            wb = packed.whole();
            [offB4, bsB4, ldB4] = [0, kn * packed.shape[2] / 4, packed.shape[2] / 4];
          } else {
            const eb = extent(b, b0, bn, k0, kn, 0, N);
            const w = b.tensor.window(eb.lo, eb.count);
            wb = w.window;
            [offB4, bsB4, ldB4] = [w.shift / 4, b.bs / 4, N / 4];
          }
          const kernel = matmulKernel(tiling, k0 > 0);
          gpu.dispatch(
            kernel,
            [mn, nn, kn, wa.shift, a.bs, a.rs, a.cs, offB4, bsB4, ldB4, wc.shift, M * N, N, 1],
            [wa.window, wb, wc.window],
            [
              Math.ceil(nn / 4 / (tiling.wgx * tiling.tn)),
              Math.ceil(mn / (tiling.tm * tiling.wgy)),
              bn,
            ],
          );
        }
        packed?.dispose();
      }
    }
  }
}

/** Copies B[b0.., k0.., n0..] into a zero-padded (bn, kn, ceil4(nn)) tensor. */
function packB(b: Strided, b0: number, bn: number, k0: number, kn: number, n0: number, nn: number) {
  const gpu = b.tensor.gpu;
  const ld = Math.ceil(nn / 4) * 4;
  const out = empty(gpu, [bn, kn, ld]);
  const e = extent(b, b0, bn, k0, kn, n0, nn);
  const w = b.tensor.window(e.lo, e.count);
  const total = bn * kn * ld;
  gpu.dispatch(
    PACK_KERNEL,
    [total, kn, nn, ld, w.shift, b.bs, b.rs, b.cs],
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
