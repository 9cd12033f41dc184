import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import {
  assertFiniteLoss,
  crossEntropy,
  crossEntropyBackwardCpu,
  crossEntropyCpu,
  type CrossEntropyOptions,
  logSoftmaxRowsCpu,
} from "./cross_entropy.ts";
import { scale } from "./elementwise.ts";
import type { Gpu } from "./gpu.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, finiteDifference, randomArray, smallBindingGpu, testGpu } from "./testing.ts";

const gpu = testGpu();

/** Targets in [0, V), with every `ignoreEvery`-th row set to the ignore index. */
function makeTargets(rows: number, vocab: number, seed: number, ignoreEvery = 0, ignore = -100) {
  return Array.from(
    randomArray(rows, seed, 0, vocab),
    (v, r) => ignoreEvery > 0 && r % ignoreEvery === 1 ? ignore : Math.floor(v),
  );
}

/** Runs the loss and its backward (with gradOut 2.5) on `g` and checks both against the CPU. */
async function checkAgainstCpu(
  g: Gpu,
  rows: number,
  vocab: number,
  opts: CrossEntropyOptions,
  ignoreEvery: number,
  seed: number,
) {
  const label = `[${rows}, ${vocab}] ${JSON.stringify(opts)}`;
  const x = randomArray(rows * vocab, seed, -5, 5);
  const targets = makeTargets(rows, vocab, seed + 1, ignoreEvery, opts.ignoreIndex);
  const logits = tensorFrom(g, x, [rows, vocab], { requiresGrad: true });
  const loss = crossEntropy(logits, targets, opts);
  backward(scale(loss, 2.5));
  const expected = crossEntropyCpu(x, vocab, targets, opts);
  assertClose([await loss.item()], [expected], `${label} loss`, { atol: 1e-5, rtol: 1e-5 });
  const grad = crossEntropyBackwardCpu(x, vocab, targets, opts, 2.5);
  assertClose(await logits.grad!.readFloat(), grad, `${label} dlogits`, { atol: 1e-6, rtol: 1e-4 });
}

const CASES: [number, number, CrossEntropyOptions, number][] = [
  [1, 1, {}, 0],
  [3, 7, {}, 0],
  [5, 130, { labelSmoothing: 0.1 }, 2],
  [17, 1000, { reduction: "sum", ignoreIndex: -1 }, 3],
  [9, 65, { labelSmoothing: 0.25, reduction: "sum", ignoreIndex: 0 }, 4],
];

Deno.test("crossEntropy() forward and backward equal the CPU reference", async () => {
  const g = await gpu();
  for (const [i, [rows, vocab, opts, ignoreEvery]] of CASES.entries()) {
    await checkAgainstCpu(g, rows, vocab, opts, ignoreEvery, 100 + i);
  }
});

Deno.test("crossEntropy() chunks rows when the logits exceed one storage binding", async () => {
  const g = smallBindingGpu(await gpu(), 4096 + 256); // 1,024 elements: 10 rows of 100
  await checkAgainstCpu(g, 37, 100, { labelSmoothing: 0.1 }, 5, 7);
});

Deno.test("crossEntropy() is stable for large logits (max-subtracted log-sum-exp)", async () => {
  const g = await gpu();
  const x = [1000, 1001, 999, -1000, -3000, 0];
  const loss = await crossEntropy(tensorFrom(g, x, [2, 3]), [1, 0]).item();
  assertClose([loss], [crossEntropyCpu(x, 3, [1, 0])], "loss", { atol: 1e-4, rtol: 1e-6 });
});

Deno.test("crossEntropy() gives NaN for mean and 0 for sum when every row is ignored", async () => {
  const g = await gpu();
  const logits = tensorFrom(g, randomArray(6, 1), [2, 3], { requiresGrad: true });
  const mean = crossEntropy(logits, [-100, -100]);
  assert.ok(Number.isNaN(await mean.item()));
  backward(mean);
  assert.deepEqual(Array.from(await logits.grad!.readFloat()), [0, 0, 0, 0, 0, 0]);
  assert.equal(await crossEntropy(logits, [-100, -100], { reduction: "sum" }).item(), 0);
});

Deno.test("crossEntropyBackwardCpu() equals finite differences of crossEntropyCpu()", () => {
  const [rows, vocab] = [4, 5];
  const x = Float64Array.from(randomArray(rows * vocab, 3, -3, 3));
  const targets = [2, -100, 0, 4];
  for (const opts of [{}, { labelSmoothing: 0.2 }, { reduction: "sum" as const }]) {
    const fd = finiteDifference((v) => 1.5 * crossEntropyCpu(v, vocab, targets, opts), x);
    const ref = crossEntropyBackwardCpu(x, vocab, targets, opts, 1.5);
    assertClose(ref, fd, `dlogits ${JSON.stringify(opts)}`, { atol: 1e-7, rtol: 1e-6 });
  }
  const logp = logSoftmaxRowsCpu(x, vocab);
  const total = logp.slice(0, vocab).reduce((s, v) => s + Math.exp(v), 0);
  assertClose([total], [1], "softmax row sum", { atol: 1e-12, rtol: 0 });
});

Deno.test("crossEntropy() rejects targets outside [0, V), naming the row, value and V", async () => {
  const g = await gpu();
  const logits = tensorFrom(g, new Float32Array(12), [3, 4]);
  assert.throws(
    () => crossEntropy(logits, [0, 4, 1]),
    /crossEntropy\(logits \[3, 4\]\): target 4 at row 1 is outside \[0, 4\) \(V = 4\)/,
  );
  assert.throws(() => crossEntropy(logits, [0, 1, -1]), /target -1 at row 2/);
  assert.throws(() => crossEntropy(logits, [0, 1.5, 1]), /target 1.5 at row 1/);
  assert.throws(() => crossEntropy(logits, [0, 1]), /2 targets for 3 rows/);
  assert.throws(
    () => crossEntropy(tensorFrom(g, new Float32Array(4), [4]), [0, 1, 2, 3]),
    /crossEntropy\(logits \[4\]\): logits must be 2-D/,
  );
  assert.throws(
    () => crossEntropy(logits, [0, 1, 2], { labelSmoothing: 2 }),
    /labelSmoothing must be in \[0, 1\]/,
  );
});

Deno.test("assertFiniteLoss() throws for a NaN loss, naming where, the op and shapes", async () => {
  const g = await gpu();
  const logits = tensorFrom(g, [0, NaN, 1, 2, 3, 4], [2, 3], { requiresGrad: true });
  const loss = crossEntropy(logits, [0, 1]);
  const value = await loss.item();
  assert.throws(
    () => assertFiniteLoss(value, "step 3", loss),
    /^Error: loss is NaN at step 3 \(op crossEntropy, shapes \[2, 3\]\)$/,
  );
  assert.throws(() => assertFiniteLoss(Infinity, "eval"), /loss is Infinity at eval/);
  assertFiniteLoss(2.5, "step 4", loss);
});

Deno.test("crossEntropy() handles [700, 50257] logits (141 MB, over one binding)", async () => {
  const g = await gpu();
  const [rows, vocab] = [700, 50257];
  const x = randomArray(rows * vocab, 11, -8, 8);
  const targets = makeTargets(rows, vocab, 12, 97);
  const logits = tensorFrom(g, x, [rows, vocab], { requiresGrad: true });
  const loss = crossEntropy(logits, targets, { labelSmoothing: 0.1 });
  backward(loss);
  // f64 reference of the whole mean, row by row (no 281 MB f64 copy of the logits).
  let total = 0;
  let count = 0;
  for (let r = 0; r < rows; r++) {
    if (targets[r] === -100) continue;
    const row = x.subarray(r * vocab, (r + 1) * vocab);
    total += crossEntropyCpu(row, vocab, [targets[r]], { labelSmoothing: 0.1 });
    count++;
  }
  assertClose([await loss.item()], [total / count], "loss", { atol: 1e-5, rtol: 1e-5 });
  // Sampled gradient rows, on both sides of the chunk boundary and an ignored row.
  for (const r of [0, 1, 333, 666, 667, 668, 699]) {
    const row = x.subarray(r * vocab, (r + 1) * vocab);
    const bytes = await g.readBytes(logits.grad!.buffer, r * vocab * 4, vocab * 4);
    const ref = crossEntropyBackwardCpu(
      row,
      vocab,
      [targets[r]],
      { labelSmoothing: 0.1 },
      1 / count,
    );
    assertClose(new Float32Array(bytes), ref, `dlogits row ${r}`, { atol: 1e-9, rtol: 1e-4 });
  }
  logits.grad!.dispose();
  logits.dispose();
  g.trimPool();
});
