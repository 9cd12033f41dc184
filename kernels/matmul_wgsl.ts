/**
 * WGSL for the matmul: a register-blocked kernel where each invocation computes `tm` rows × `4·tn`
 * columns of C, reading A through strides (so A may be transposed or batched without a copy) and
 * B as packed vec4 rows, plus the kernel that packs any strided B into that layout.
 *
 * On software adapters (llvmpipe) a workgroup runs on one CPU thread with invocations in SIMD
 * lanes, so large register blocks and vec4 loads pay and barriers do not (DESIGN.md).
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { LINEAR_INDEX } from "./dispatch_util.ts";

/** Shape of the per-invocation block and of the workgroup; chosen per adapter class. */
export interface MatmulTiling {
  /** Rows of C per invocation. */
  tm: number;
  /** vec4 columns of C per invocation (4·tn scalar columns). */
  tn: number;
  /** Invocations per workgroup along N. */
  wgx: number;
  /** Invocations per workgroup along M. */
  wgy: number;
}

/** Tiling for software adapters: measured best of several on llvmpipe (README, bench). */
export const SOFTWARE_TILING: MatmulTiling = { tm: 8, tn: 4, wgx: 8, wgy: 1 };
/** Tiling for hardware GPUs: many small blocks to fill the machine. */
export const HARDWARE_TILING: MatmulTiling = { tm: 4, tn: 1, wgx: 16, wgy: 16 };

/** Parameter names of {@link matmulKernel}, in order. */
export const MATMUL_PARAMS = [
  "M",
  "N",
  "K",
  "offA",
  "bsA",
  "rsA",
  "csA",
  "offB4",
  "bsB4",
  "ldB4",
  "offC",
  "bsC",
  "ldC",
  "alpha",
] as const;

/**
 * C[b, m, n] (+)= alpha · Σ_k A[b, m, k] · B[b, k, n], with
 * A[b, m, k] = A[offA + b·bsA + m·rsA + k·csA] and B packed as vec4 rows:
 * B[b, k, 4j..4j+3] = B4[offB4 + b·bsB4 + k·ldB4 + j].
 */
export function matmulKernel(t: MatmulTiling, accumulate: boolean): Kernel {
  const { tm, tn, wgx, wgy } = t;
  const L: string[] = [];
  L.push(`  let b = wid.z;`);
  L.push(`  let m0 = (wid.y * ${wgy}u + lid.y) * ${tm}u;`);
  L.push(`  let j0 = wid.x * ${wgx * tn}u + lid.x;`);
  L.push(`  let N4 = (p.N + 3u) / 4u;`);
  L.push(`  if (m0 >= p.M || j0 >= N4) { return; }`);
  L.push(`  let aBase = p.offA + b * p.bsA;`);
  L.push(`  let bBase = p.offB4 + b * p.bsB4;`);
  for (let i = 0; i < tm; i++) L.push(`  let ar${i} = aBase + min(m0 + ${i}u, p.M - 1u) * p.rsA;`);
  for (let j = 0; j < tn; j++) L.push(`  let bc${j} = bBase + min(j0 + ${j * wgx}u, N4 - 1u);`);
  for (let i = 0; i < tm; i++) {
    for (let j = 0; j < tn; j++) L.push(`  var c${i}_${j} = vec4<f32>();`);
  }
  L.push(`  for (var k = 0u; k < p.K; k++) {`);
  L.push(`    let ka = k * p.csA;`);
  L.push(`    let kb = k * p.ldB4;`);
  for (let i = 0; i < tm; i++) L.push(`    let a${i} = vec4<f32>(A[ar${i} + ka]);`);
  for (let j = 0; j < tn; j++) L.push(`    let b${j} = B4[bc${j} + kb];`);
  for (let i = 0; i < tm; i++) {
    for (let j = 0; j < tn; j++) L.push(`    c${i}_${j} = fma(a${i}, b${j}, c${i}_${j});`);
  }
  L.push(`  }`);
  L.push(`  let cBase = p.offC + b * p.bsC;`);
  for (let i = 0; i < tm; i++) {
    L.push(`  if (m0 + ${i}u < p.M) {`);
    L.push(`    let row = cBase + (m0 + ${i}u) * p.ldC;`);
    for (let j = 0; j < tn; j++) {
      L.push(`    store4(row, (j0 + ${j * wgx}u) * 4u, c${i}_${j});`);
    }
    L.push(`  }`);
  }
  const assign = accumulate ? "C[row + n + q] + p.alpha * v[q]" : "p.alpha * v[q]";
  return {
    name: `matmul_${tm}x${tn}_${wgx}x${wgy}${accumulate ? "_acc" : ""}`,
    params: MATMUL_PARAMS.map((n) => [n, n === "alpha" ? "f32" : "u32"] as const),
    buffers: [
      { name: "A", type: "f32", access: "read" },
      { name: "B4", type: "vec4<f32>", access: "read" },
      { name: "C", type: "f32", access: "read_write" },
    ],
    workgroupSize: [wgx, wgy, 1],
    prelude: `fn store4(row: u32, n: u32, v: vec4<f32>) {
  for (var q = 0u; q < 4u; q++) {
    if (n + q < p.N) { C[row + n + q] = ${assign}; }
  }
}`,
    body: L.join("\n"),
  };
}

/**
 * Packs a strided B (element [b, k, n] at off + b·bs + k·rs + n·cs) into zero-padded rows of
 * `ld` floats: out[b·K·ld + k·ld + n]. One invocation per output element.
 */
export const PACK_KERNEL: Kernel = {
  name: "matmul_pack_b",
  params: [
    ["total", "u32"],
    ["K", "u32"],
    ["N", "u32"],
    ["ld", "u32"],
    ["off", "u32"],
    ["bs", "u32"],
    ["rs", "u32"],
    ["cs", "u32"],
  ],
  buffers: [
    { name: "src", type: "f32", access: "read" },
    { name: "dst", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.total) { return; }
  let n = i % p.ld;
  let k = (i / p.ld) % p.K;
  let b = i / (p.ld * p.K);
  if (n < p.N) {
    dst[i] = src[p.off + b * p.bs + k * p.rs + n * p.cs];
  } else {
    dst[i] = 0.0;
  }`,
};
