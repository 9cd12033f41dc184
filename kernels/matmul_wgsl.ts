/**
 * WGSL for the matmul: a register-blocked kernel where each invocation computes `tm` rows ×
 * `4·tn` columns of C, reading A and B as vec4 rows (A along K, B along N) and walking K four
 * at a time, plus the kernel that packs any strided operand into that zero-padded layout.
 *
 * On software adapters (llvmpipe) a workgroup runs on one CPU thread with invocations in SIMD
 * lanes, so large register blocks and vec4 loads pay and barriers do not (DESIGN.md); blocks of
 * 32 rows × 32 columns (16 for narrow outputs) with vec4 loads of both operands measured fastest
 * of those tried there.
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
  /** Longest K range of one dispatch (longer K is split and accumulated), to keep B in cache. */
  maxK: number;
}

/**
 * Tiling for software adapters (measured on llvmpipe, see the README's benchmark table): 32 rows
 * × 32 columns per invocation for wide outputs, 32 × 16 when N is narrower (so that lanes are not
 * left idle).
 */
export const SOFTWARE_TILING: MatmulTiling = { tm: 32, tn: 8, wgx: 8, wgy: 1, maxK: 1024 };
/** {@link SOFTWARE_TILING} for outputs narrower than 1,024 columns. */
export const SOFTWARE_NARROW_TILING: MatmulTiling = { ...SOFTWARE_TILING, tn: 4 };
/** Tiling for hardware GPUs: many small blocks to fill the machine. */
export const HARDWARE_TILING: MatmulTiling = { tm: 4, tn: 1, wgx: 16, wgy: 16, maxK: 1 << 30 };

/** Parameter names of {@link matmulKernel}, in order (offsets and strides in vec4 units). */
export const MATMUL_PARAMS = [
  "M",
  "N",
  "K4",
  "offA4",
  "bsA4",
  "ldA4",
  "offB4",
  "bsB4",
  "ldB4",
  "offC",
  "bsC",
  "ldC",
  "alpha",
] as const;

/**
 * C[b, m, n] (+)= alpha · Σ_k A[b, m, k] · B[b, k, n] over k < 4·K4, with A and B as vec4 rows:
 * A[b, m, 4q..4q+3] = A4[offA4 + b·bsA4 + m·ldA4 + q] and
 * B[b, k, 4j..4j+3] = B4[offB4 + b·bsB4 + k·ldB4 + j] (zero-padded past K and N).
 */
export function matmulKernel(t: MatmulTiling, accumulate: boolean): Kernel {
  const { tm, tn, wgx, wgy } = t;
  const L: string[] = [];
  L.push(`  let b = wid.z;`);
  // Row blocks vary fastest across workgroups (wid.x): consecutive workgroups reuse the same
  // panel of B while it is in cache, and A is the operand streamed.
  L.push(
    wgy === 1 ? `  let m0 = wid.x * ${tm}u;` : `  let m0 = (wid.x * ${wgy}u + lid.y) * ${tm}u;`,
  );
  L.push(`  let j0 = wid.y * ${wgx * tn}u + lid.x;`);
  L.push(`  let N4 = (p.N + 3u) / 4u;`);
  L.push(`  if (m0 >= p.M || j0 >= N4) { return; }`);
  L.push(`  let aBase = p.offA4 + b * p.bsA4;`);
  L.push(`  let bBase = p.offB4 + b * p.bsB4;`);
  for (let i = 0; i < tm; i++) L.push(`  let ar${i} = aBase + min(m0 + ${i}u, p.M - 1u) * p.ldA4;`);
  for (let j = 0; j < tn; j++) L.push(`  let bc${j} = bBase + min(j0 + ${j * wgx}u, N4 - 1u);`);
  for (let i = 0; i < tm; i++) {
    for (let j = 0; j < tn; j++) L.push(`  var c${i}_${j} = vec4<f32>();`);
  }
  L.push(`  for (var q = 0u; q < p.K4; q++) {`);
  for (let i = 0; i < tm; i++) L.push(`    let a${i} = A4[ar${i} + q];`);
  for (let u = 0; u < 4; u++) {
    L.push(`    {`);
    L.push(`      let kb = (q * 4u + ${u}u) * p.ldB4;`);
    for (let j = 0; j < tn; j++) L.push(`      let b${j} = B4[bc${j} + kb];`);
    pushOuterProduct(L, tm, tn, u);
    L.push(`    }`);
  }
  L.push(`  }`);
  pushStoreBlock(L, tm, tn, wgx);
  return {
    name: `matmul4_${tm}x${tn}_${wgx}x${wgy}${accumulate ? "_acc" : ""}`,
    params: MATMUL_PARAMS.map((n) => [n, n === "alpha" ? "f32" : "u32"] as const),
    buffers: [
      { name: "A4", type: "vec4<f32>", access: "read" },
      { name: "B4", type: "vec4<f32>", access: "read" },
      { name: "C", type: "f32", access: "read_write" },
    ],
    workgroupSize: [wgx, wgy, 1],
    prelude: store4Wgsl(accumulate),
    body: L.join("\n"),
  };
}

/**
 * Packs a strided operand (element [b, r, c] at off + b·bs + r·rs + c·cs, for r < R, c < C)
 * into zero-padded rows: out[b·Rpad·ld + r·ld + c] for r < Rpad, c < ld. One invocation per
 * output element.
 */
export const PACK_KERNEL: Kernel = {
  name: "matmul_pack",
  params: [
    ["total", "u32"],
    ["Rpad", "u32"],
    ["R", "u32"],
    ["C", "u32"],
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
  let c = i % p.ld;
  let r = (i / p.ld) % p.Rpad;
  let b = i / (p.ld * p.Rpad);
  if (r < p.R && c < p.C) {
    dst[i] = src[p.off + b * p.bs + r * p.rs + c * p.cs];
  } else {
    dst[i] = 0.0;
  }`,
};

/**
 * C[b, m, n] (+)= alpha · Σ_k A[b, m, k] · B[b, n, k]: the "B transposed" case read directly,
 * both operands as vec4 rows along K (dot products), so that GPT-2's tied LM head reads the
 * embedding as stored instead of packing a transposed copy each call. Same parameters as
 * {@link matmulKernel}, with `ldB4` the row stride of B (along N) in vec4s.
 */
export function matmulNTKernel(t: MatmulTiling, accumulate: boolean): Kernel {
  const { tm, tn, wgx } = t;
  const L: string[] = [];
  L.push(`  let b = wid.z;`);
  L.push(`  let m0 = wid.x * ${tm}u;`);
  L.push(`  let n0 = wid.y * ${wgx * tn}u + lid.x;`);
  L.push(`  if (m0 >= p.M || n0 >= p.N) { return; }`);
  L.push(`  let aBase = p.offA4 + b * p.bsA4;`);
  L.push(`  let bBase = p.offB4 + b * p.bsB4;`);
  for (let i = 0; i < tm; i++) L.push(`  let ar${i} = aBase + min(m0 + ${i}u, p.M - 1u) * p.ldA4;`);
  for (let j = 0; j < tn; j++) {
    L.push(`  let br${j} = bBase + min(n0 + ${j * wgx}u, p.N - 1u) * p.ldB4;`);
  }
  for (let i = 0; i < tm; i++) {
    for (let j = 0; j < tn; j++) L.push(`  var c${i}_${j} = vec4<f32>();`);
  }
  L.push(`  for (var q = 0u; q < p.K4; q++) {`);
  for (let i = 0; i < tm; i++) L.push(`    let a${i} = A4[ar${i} + q];`);
  for (let j = 0; j < tn; j++) L.push(`    let b${j} = B4[br${j} + q];`);
  for (let i = 0; i < tm; i++) {
    for (let j = 0; j < tn; j++) L.push(`    c${i}_${j} = fma(a${i}, b${j}, c${i}_${j});`);
  }
  L.push(`  }`);
  L.push(`  let cBase = p.offC + b * p.bsC;`);
  for (let i = 0; i < tm; i++) {
    for (let j = 0; j < tn; j++) {
      const n = `n0 + ${j * wgx}u`;
      const idx = `cBase + (m0 + ${i}u) * p.ldC + ${n}`;
      const sum = `p.alpha * dot(c${i}_${j}, vec4<f32>(1.0))`;
      L.push(
        `  if (m0 + ${i}u < p.M && ${n} < p.N) { C[${idx}] = ${
          accumulate ? `C[${idx}] + ` : ""
        }${sum}; }`,
      );
    }
  }
  return {
    name: `matmul_nt_${tm}x${tn}_${wgx}${accumulate ? "_acc" : ""}`,
    params: MATMUL_PARAMS.map((n) => [n, n === "alpha" ? "f32" : "u32"] as const),
    buffers: [
      { name: "A4", type: "vec4<f32>", access: "read" },
      { name: "B4", type: "vec4<f32>", access: "read" },
      { name: "C", type: "f32", access: "read_write" },
    ],
    workgroupSize: [wgx, 1, 1],
    body: L.join("\n"),
  };
}

/** Tiling of {@link matmulNTKernel}: rows and B rows per invocation, lanes along N. */
export const NT_TILING: MatmulTiling = { tm: 4, tn: 4, wgx: 8, wgy: 1, maxK: 1 << 30 };

/** Parameter names of {@link matmulTexKernel}, in order. */
export const MATMUL_TEX_PARAMS = [
  "M",
  "N",
  "K4",
  "aRows",
  "bRows",
  "offC",
  "bsC",
  "ldC",
  "alpha",
] as const;

/**
 * {@link matmulKernel} with both operands read from rgba32float textures instead of storage
 * buffers: A's texel (q, b·aRows + m) holds A[b, m, 4q..4q+3] and B's texel (j, b·bRows + k)
 * holds B[b, k, 4j..4j+3] (zero-padded past K and N). On llvmpipe a storage load whose address
 * differs across invocations runs as a loop over the SIMD lanes that reassembles the vector
 * through the stack, one component at a time, while a texel fetch is straight-line code: the
 * same register block ran 2.8–4.3× faster this way (README, "Speed changes").
 */
export function matmulTexKernel(t: MatmulTiling, accumulate: boolean): Kernel {
  const { tm, tn, wgx } = t;
  const L: string[] = [];
  L.push(`  let b = wid.z;`);
  L.push(`  let m0 = wid.x * ${tm}u;`);
  L.push(`  let j0 = wid.y * ${wgx * tn}u + lid.x;`);
  L.push(`  let N4 = (p.N + 3u) / 4u;`);
  // No early return: loads are clamped and only the stores are guarded.
  L.push(`  let aRow0 = b * p.aRows;`);
  L.push(`  let bRow0 = b * p.bRows;`);
  for (let i = 0; i < tm; i++) L.push(`  let ar${i} = aRow0 + min(m0 + ${i}u, p.M - 1u);`);
  for (let j = 0; j < tn; j++) L.push(`  let bc${j} = min(j0 + ${j * wgx}u, N4 - 1u);`);
  for (let i = 0; i < tm; i++) {
    for (let j = 0; j < tn; j++) L.push(`  var c${i}_${j} = vec4<f32>();`);
  }
  L.push(`  for (var q = 0u; q < p.K4; q++) {`);
  for (let i = 0; i < tm; i++) L.push(`    let a${i} = textureLoad(At, vec2<u32>(q, ar${i}), 0);`);
  for (let u = 0; u < 4; u++) {
    L.push(`    {`);
    L.push(`      let kr = bRow0 + q * 4u + ${u}u;`);
    for (let j = 0; j < tn; j++) {
      L.push(`      let b${j} = textureLoad(Bt, vec2<u32>(bc${j}, kr), 0);`);
    }
    pushOuterProduct(L, tm, tn, u);
    L.push(`    }`);
  }
  L.push(`  }`);
  pushStoreBlock(L, tm, tn, wgx);
  return {
    name: `matmul_tex_${tm}x${tn}_${wgx}${accumulate ? "_acc" : ""}`,
    params: MATMUL_TEX_PARAMS.map((n) => [n, n === "alpha" ? "f32" : "u32"] as const),
    buffers: [
      { name: "At", type: "texture", access: "read" },
      { name: "Bt", type: "texture", access: "read" },
      { name: "C", type: "f32", access: "read_write" },
    ],
    workgroupSize: [wgx, 1, 1],
    prelude: store4Wgsl(accumulate),
    body: L.join("\n"),
  };
}

/** The `u`-th K step of a register block: c[i][j] += a_i[u] · b_j for every row i and column j. */
function pushOuterProduct(L: string[], tm: number, tn: number, u: number): void {
  for (let i = 0; i < tm; i++) {
    for (let j = 0; j < tn; j++) {
      L.push(`      c${i}_${j} = fma(vec4<f32>(a${i}[${u}]), b${j}, c${i}_${j});`);
    }
  }
}

/** Writes a register block's `tm` rows × `tn` vec4 columns into C through `store4`. */
function pushStoreBlock(L: string[], tm: number, tn: number, wgx: number): void {
  L.push(`  let cBase = p.offC + b * p.bsC;`);
  for (let i = 0; i < tm; i++) {
    L.push(`  if (m0 + ${i}u < p.M) {`);
    L.push(`    let row = cBase + (m0 + ${i}u) * p.ldC;`);
    for (let j = 0; j < tn; j++) L.push(`    store4(row, (j0 + ${j * wgx}u) * 4u, c${i}_${j});`);
    L.push(`  }`);
  }
}

/** `store4(row, n, v)`: C[row + n + q] (+)= alpha · v[q] for the columns q below N. */
function store4Wgsl(accumulate: boolean): string {
  const assign = accumulate ? "C[row + n + q] + p.alpha * v[q]" : "p.alpha * v[q]";
  return `fn store4(row: u32, n: u32, v: vec4<f32>) {
  for (var q = 0u; q < 4u; q++) {
    if (n + q < p.N) { C[row + n + q] = ${assign}; }
  }
}`;
}
