import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { mul } from "./elementwise.ts";
import { matmul, matmulCpu } from "./matmul.ts";
import { sum } from "./reduce.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, dot, finiteDifference, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

const CASES: [number, number, number, number, boolean, boolean][] = [
  [1, 1, 1, 1, false, false],
  [1, 5, 7, 3, false, false],
  [2, 33, 17, 9, true, false],
  [2, 8, 16, 12, false, true],
  [3, 13, 21, 10, true, true],
  [2, 5, 9, 12, false, true], // B read as stored by the NT kernel (few rows, K % 4 = 0)
  [1, 3, 70, 8, true, true],
  [1, 70, 129, 67, false, false],
  [2, 40, 64, 64, false, false], // rows 256 bytes apart: copied into textures without packing
  [3, 37, 9, 68, true, true],
];

function shapes(b: number, m: number, n: number, k: number, tA: boolean, tB: boolean) {
  return { a: tA ? [b, k, m] : [b, m, k], b: tB ? [b, n, k] : [b, k, n] };
}

Deno.test("matmul() equals the CPU reference for every transpose and odd sizes", async () => {
  const g = await gpu();
  for (const [bt, m, n, k, transA, transB] of CASES) {
    const s = shapes(bt, m, n, k, transA, transB);
    const a = randomArray(bt * m * k, 1 + m);
    const b = randomArray(bt * n * k, 2 + n);
    const out = await matmul(tensorFrom(g, a, s.a), tensorFrom(g, b, s.b), { transA, transB })
      .readFloat();
    const ref = matmulCpu(a, s.a, b, s.b, { transA, transB });
    assertClose(out, ref, `matmul ${JSON.stringify(s)} tA=${transA} tB=${transB}`);
  }
});

Deno.test("matmul() backward equals finite differences of the CPU reference", async () => {
  const g = await gpu();
  for (const [bt, m, n, k, transA, transB] of CASES.slice(0, 7)) {
    const s = shapes(bt, m, n, k, transA, transB);
    const a = randomArray(bt * m * k, 3 + k);
    const b = randomArray(bt * n * k, 4 + m);
    const w = randomArray(bt * m * n, 5);
    const ta = tensorFrom(g, a, s.a, { requiresGrad: true });
    const tb = tensorFrom(g, b, s.b, { requiresGrad: true });
    const y = matmul(ta, tb, { transA, transB });
    backward(sum(mul(y, tensorFrom(g, w, y.shape))));
    const opts = { transA, transB };
    const fa = (x: Float64Array) => dot(w, matmulCpu(x, s.a, b, s.b, opts));
    const fb = (x: Float64Array) => dot(w, matmulCpu(a, s.a, x, s.b, opts));
    const tol = { atol: 1e-4, rtol: 1e-3 };
    assertClose(await ta.grad!.readFloat(), finiteDifference(fa, Float64Array.from(a)), "dA", tol);
    assertClose(await tb.grad!.readFloat(), finiteDifference(fb, Float64Array.from(b)), "dB", tol);
  }
});

Deno.test("matmul() with storage loads equals the default (texture loads on software)", async () => {
  const g = await gpu();
  for (const [bt, m, n, k, transA, transB] of [CASES[2], CASES[7], CASES[8]]) {
    const s = shapes(bt, m, n, k, transA, transB);
    const a = tensorFrom(g, randomArray(bt * m * k, 11), s.a);
    const b = tensorFrom(g, randomArray(bt * n * k, 12), s.b);
    const viaTextures = await matmul(a, b, { transA, transB }).readFloat();
    const viaStorage = await matmul(a, b, { transA, transB, loads: "storage" }).readFloat();
    assertClose(viaTextures, viaStorage, `loads ${JSON.stringify(s)}`, { atol: 1e-5, rtol: 1e-5 });
  }
});

Deno.test("matmul() is exact at 50,257 columns, wider than one texture", async () => {
  // C (40, 50257) = A (40, 12) · B (12, 50257): B is split along N into textures of at most
  // 4 × maxTextureDimension2D columns on software adapters; odd widths are zero-padded.
  const g = await gpu();
  const [M, N, K] = [40, 50257, 12];
  const a = randomArray(M * K, 13);
  const b = randomArray(K * N, 14);
  const out = await matmul(tensorFrom(g, a, [M, K]), tensorFrom(g, b, [K, N])).readFloat();
  assertClose(out, matmulCpu(a, [M, K], b, [K, N]), "40 × 50257");
});

Deno.test("matmul() rejects mismatched inner dimensions with both shapes in the message", async () => {
  const g = await gpu();
  const a = tensorFrom(g, new Float32Array(6), [2, 3]);
  const b = tensorFrom(g, new Float32Array(8), [4, 2]);
  assert.throws(() => matmul(a, b), /matmul\(A \[2, 3\], B \[4, 2\]\): inner dimensions differ/);
});

Deno.test("matmul() handles operands larger than one storage binding", async () => {
  // (16, 768) · (50257, 768)ᵀ: B is GPT-2's tied embedding, 154 MB, over llvmpipe's 128 MiB.
  const g = await gpu();
  const [M, N, K] = [16, 50257, 768];
  if (N * K * 4 <= g.maxBindingBytes) return; // a device with larger bindings needs no split
  const a = randomArray(M * K, 7);
  const b = randomArray(N * K, 8);
  const ta = tensorFrom(g, a, [M, K], { requiresGrad: true });
  const tb = tensorFrom(g, b, [N, K], { requiresGrad: true });
  const y = matmul(ta, tb, { transB: true });
  const out = await y.readFloat();
  // Check sampled entries against f64 dot products.
  for (const [m, n] of [[0, 0], [3, 12345], [15, 50256], [7, 33000]]) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a[m * K + k] * b[n * K + k];
    assertClose([out[m * N + n]], [s], `C[${m}, ${n}]`, { atol: 1e-3, rtol: 1e-4 });
  }
  const w = randomArray(M * N, 9);
  backward(sum(mul(y, tensorFrom(g, w, [M, N]))));
  const db = await tb.grad!.readFloat();
  for (const [n, k] of [[0, 0], [50256, 767], [40000, 5]]) {
    let s = 0;
    for (let m = 0; m < M; m++) s += w[m * N + n] * a[m * K + k];
    assertClose([db[n * K + k]], [s], `dB[${n}, ${k}]`, { atol: 1e-3, rtol: 1e-4 });
  }
  const da = await ta.grad!.readFloat();
  for (const [m, k] of [[0, 0], [15, 767]]) {
    let s = 0;
    for (let n = 0; n < N; n++) s += w[m * N + n] * b[n * K + k];
    assertClose([da[m * K + k]], [s], `dA[${m}, ${k}]`, { atol: 1e-2, rtol: 1e-3 });
  }
  ta.grad!.dispose(), tb.grad!.dispose(), ta.dispose(), tb.dispose(), y.dispose();
});
