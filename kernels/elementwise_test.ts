import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import {
  add,
  axpyInPlace,
  biasAdd,
  biasAddCpu,
  fill,
  mul,
  scale,
  scaleInPlace,
  sumRows,
  sumRowsCpu,
} from "./elementwise.ts";
import { mean, sum } from "./reduce.ts";
import { empty, tensorFrom } from "./tensor.ts";
import { assertClose, dot, finiteDifference, randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();
const SIZES = [1, 7, 255, 256, 257, 1000];

Deno.test("add(), mul() and scale() equal the CPU values at odd sizes", async () => {
  const g = await gpu();
  for (const n of SIZES) {
    const a = randomArray(n, n);
    const b = randomArray(n, n + 1);
    const ta = tensorFrom(g, a, [n]);
    const tb = tensorFrom(g, b, [n]);
    assertClose(await add(ta, tb).readFloat(), a.map((v, i) => v + b[i]), `add n=${n}`);
    assertClose(await mul(ta, tb).readFloat(), a.map((v, i) => v * b[i]), `mul n=${n}`);
    assertClose(await scale(ta, -2.5).readFloat(), a.map((v) => -2.5 * v), `scale n=${n}`);
  }
});

Deno.test("add(), mul() and scale() backward give the analytic gradients", async () => {
  const g = await gpu();
  const n = 300;
  const [a, b, w] = [randomArray(n, 1), randomArray(n, 2), randomArray(n, 3)];
  const ta = tensorFrom(g, a, [n], { requiresGrad: true });
  const tb = tensorFrom(g, b, [n], { requiresGrad: true });
  const tw = tensorFrom(g, w, [n]);
  // loss = Σ w·(a·b + 3a) ⇒ dL/da = w·(b + 3), dL/db = w·a
  backward(sum(mul(add(mul(ta, tb), scale(ta, 3)), tw)));
  assertClose(await ta.grad!.readFloat(), w.map((v, i) => v * (b[i] + 3)), "da");
  assertClose(await tb.grad!.readFloat(), w.map((v, i) => v * a[i]), "db");
});

Deno.test("biasAdd() and its backward equal the CPU reference and finite differences", async () => {
  const g = await gpu();
  const [rows, cols] = [5, 37];
  const x = randomArray(rows * cols, 4);
  const bias = randomArray(cols, 5);
  const w = randomArray(rows * cols, 6);
  const tx = tensorFrom(g, x, [rows, cols], { requiresGrad: true });
  const tb = tensorFrom(g, bias, [cols], { requiresGrad: true });
  const y = biasAdd(tx, tb);
  assertClose(await y.readFloat(), biasAddCpu(x, bias), "biasAdd forward");
  backward(sum(mul(y, tensorFrom(g, w, [rows, cols]))));
  const fd = finiteDifference((b) => dot(w, biasAddCpu(x, b)), Float64Array.from(bias));
  assertClose(await tb.grad!.readFloat(), fd, "dbias", { atol: 1e-4, rtol: 1e-4 });
  assertClose(await tb.grad!.readFloat(), sumRowsCpu(w, cols), "dbias = sumRows");
  assertClose(await tx.grad!.readFloat(), w, "dx");
  assertClose(
    await sumRows(tensorFrom(g, w, [rows, cols])).readFloat(),
    sumRowsCpu(w, cols),
    "sum",
  );
});

Deno.test("fill(), axpyInPlace() and scaleInPlace() update in place", async () => {
  const g = await gpu();
  const n = 513;
  const x = randomArray(n, 7);
  const y = fill(empty(g, [n]), 2);
  axpyInPlace(y, tensorFrom(g, x, [n]), 0.5);
  scaleInPlace(y, 3);
  assertClose(await y.readFloat(), x.map((v) => 3 * (2 + 0.5 * v)), "3·(2 + 0.5x)");
});

Deno.test("mean() and sum() reduce every element and differentiate", async () => {
  const g = await gpu();
  for (const n of [1, 3, 256, 257, 100003]) {
    const x = randomArray(n, n);
    let s = 0;
    for (const v of x) s += v;
    const tx = tensorFrom(g, x, [n], { requiresGrad: true });
    assertClose([await sum(tx).item()], [s], `sum n=${n}`, { atol: 1e-3, rtol: 1e-5 });
    const m = mean(tx);
    assertClose([await m.item()], [s / n], `mean n=${n}`, { atol: 1e-6, rtol: 1e-5 });
    backward(m);
    assertClose(await tx.grad!.readFloat(), new Float32Array(n).fill(1 / n), `dmean n=${n}`);
  }
});

Deno.test("add() rejects different shapes, naming both", async () => {
  const g = await gpu();
  const a = tensorFrom(g, [1, 2, 3, 4], [2, 2]);
  const b = tensorFrom(g, [1, 2, 3, 4], [4]);
  assert.throws(() => add(a, b), /add: b must have shape \[2, 2\], got \[4\] f32/);
  const i = tensorFrom(g, new Int32Array([1, 2, 3, 4]), [2, 2]);
  assert.throws(() => add(a, i), /add: b must be f32/);
});

Deno.test("sum() is exact past llvmpipe's per-invocation loop limit (2²⁴ + 6 elements)", async () => {
  // Loops of more than ~65,535 iterations per invocation stop silently on llvmpipe.
  const g = await gpu();
  const n = 2 ** 24 + 6; // n/2 is an integer below 2²⁴: exact in f32
  const x = tensorFrom(g, new Float32Array(n).fill(0.5), [n]);
  assert.equal(await sum(x).item(), n / 2);
  x.dispose();
});
