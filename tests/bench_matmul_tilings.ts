/**
 * Times the texture-reading matmul kernel (`matmulTexKernel`) at several register-block tilings
 * in one process, with both operands already in textures, and reports each one's first-call time
 * (shader compilation included) next to its rate. Nothing is asserted.
 *
 * `deno run -A tests/bench_matmul_tilings.ts [M,N,K] [tilings as JSON [[tm, tn, wgx], …]]`,
 * e.g. `deno run -A tests/bench_matmul_tilings.ts 1024,1024,1024 "[[32,8,8],[32,16,8]]"`.
 * M and K must be multiples of 4 and N of 64 (the operands are copied into textures in place).
 *
 * @module
 */
import { acquireGpu } from "../kernels/gpu.ts";
import { empty, tensorFrom } from "../kernels/tensor.ts";
import { randomArray } from "../kernels/testing.ts";
import { matmulTexKernel, type MatmulTiling } from "../kernels/matmul_wgsl.ts";

const gpu = await acquireGpu();
const [M, N, K] = (Deno.args[0] ?? "1024,1024,1024").split(",").map(Number);
const tilings: [number, number, number][] = JSON.parse(
  Deno.args[1] ?? "[[32,8,8],[32,4,8],[16,8,8],[8,8,8],[8,4,8]]",
);
const a = tensorFrom(gpu, randomArray(M * K, 1), [M, K]);
const b = tensorFrom(gpu, randomArray(K * N, 2), [K, N]);
const c = empty(gpu, [M, N]);
const ta = gpu.takeTexture(K / 4, M);
gpu.copyToTexture(a.buffer, 0, K * 4, ta, K / 4, M);
const tb = gpu.takeTexture(N / 4, K);
gpu.copyToTexture(b.buffer, 0, N * 4, tb, N / 4, K);
await gpu.sync();

console.log(`${M}×${K} · ${K}×${N} on ${gpu.describe()}`);
console.log(
  "| tiling (rows × vec4 columns, lanes) | ms per call | GFLOP/s | first call (compile) |",
);
console.log("| --- | --- | --- | --- |");
for (const [tm, tn, wgx] of tilings) {
  const t: MatmulTiling = { tm, tn, wgx, wgy: 1, maxK: K };
  const kernel = matmulTexKernel(t, false);
  const run = () =>
    gpu.dispatch(
      kernel,
      [M, N, K / 4, M, K, 0, M * N, N, 1],
      [ta.createView(), tb.createView(), c.whole()],
      [Math.ceil(M / tm), Math.ceil(N / 4 / (wgx * tn)), 1],
    );
  const t0 = performance.now();
  run();
  await gpu.sync();
  const first = performance.now() - t0;
  // One call and four calls per wait: their difference spreads out the wait floor.
  const t1 = performance.now();
  run();
  await gpu.sync();
  const one = performance.now() - t1;
  const t2 = performance.now();
  for (let r = 0; r < 4; r++) run();
  await gpu.sync();
  const per = (performance.now() - t2 - one) / 3;
  console.log(
    `| ${tm} × ${tn}, ${wgx} | ${per.toFixed(1)} | ${(2 * M * N * K / per / 1e6).toFixed(1)} | ` +
      `${(first / 1000).toFixed(1)} s |`,
  );
}
gpu.releaseTexture(ta);
gpu.releaseTexture(tb);
