import assert from "node:assert/strict";
import { backward } from "../../kernels/autograd.ts";
import { crossEntropy, logSoftmaxRowsCpu } from "../../kernels/cross_entropy.ts";
import { dropoutCpu } from "../../kernels/dropout.ts";
import { matmulCpu } from "../../kernels/matmul.ts";
import { gatherLastTokenCpu } from "../../kernels/pooling.ts";
import { assertClose, testGpu } from "../../kernels/testing.ts";
import { freezeAll } from "../../strategies/freezing.ts";
import { smallModel } from "../../tests/small_model.ts";
import {
  classify,
  createClassifierHead,
  HEAD_DROPOUT_STREAM,
  HEAD_INIT_STD,
  lastTokenLengths,
} from "./classifier_head.ts";

const gpu = testGpu();
const NO_DROPOUT = { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 };

/** Two right-padded rows (lengths 5 and 2) of a 5-token batch, with real GPT-2 ids. */
const IDS = Int32Array.from([464, 3797, 318, 922, 13, 40, 588, 50256, 50256, 50256]);
const MASK = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
const INPUT = { ids: IDS, mask: MASK, batch: 2, seqLen: 5 };

/** CPU logits: pooled (B, C) → optional dropout → · W (C, K) + b. */
function headCpu(
  pooled: ArrayLike<number>,
  w: Float32Array,
  bias: Float32Array,
  [B, C, K]: number[],
): Float64Array {
  const out = matmulCpu(pooled, [B, C], w, [C, K]);
  for (let i = 0; i < out.length; i++) out[i] += bias[i % K];
  return out;
}

Deno.test("lastTokenLengths() counts up to the last real token when rows are padded", () => {
  assert.deepEqual(lastTokenLengths(MASK, 2, 5), [5, 2]);
  assert.deepEqual(lastTokenLengths([1, 0, 1, 0], 1, 4), [3]);
  assert.throws(() => lastTokenLengths([1, 0, 0, 0], 2, 2), /row 1 of the batch has no real token/);
  assert.throws(() => lastTokenLengths([1, 1], 2, 2), /mask has 2 values, expected 2 × 2/);
});

Deno.test("createClassifierHead() draws N(0, 0.02²) weights from the seed and a zero bias", async () => {
  const g = await gpu();
  const a = createClassifierHead(g, 32, 5, { seed: 3 });
  const b = createClassifierHead(g, 32, 5, { seed: 3 });
  const c = createClassifierHead(g, 32, 5, { seed: 4, prefix: "pair_head" });
  const wa = await a.weight.readFloat();
  assert.deepEqual(a.weight.shape, [32, 5]);
  assert.deepEqual([...await a.bias.readFloat()], [0, 0, 0, 0, 0]);
  assert.deepEqual(wa, await b.weight.readFloat());
  assert.notDeepEqual(wa, await c.weight.readFloat());
  const std = Math.sqrt(wa.reduce((s, v) => s + v * v, 0) / wa.length);
  assert.ok(Math.abs(std - HEAD_INIT_STD) < 0.005, `std ${std}`);
  assert.deepEqual([...a.params().keys()], ["head.weight", "head.bias"]);
  assert.deepEqual([...c.params().keys()], ["pair_head.weight", "pair_head.bias"]);
  assert.ok(a.weight.requiresGrad && a.bias.requiresGrad);
  assert.throws(() => createClassifierHead(g, 32, 0, { seed: 1 }), /numClasses must be a positive/);
  for (const h of [a, b, c]) h.dispose();
});

Deno.test("classify() equals the CPU head on GPT-2's last real token, in eval and training", async () => {
  const g = await gpu();
  const model = smallModel(g, 5, NO_DROPOUT);
  const head = createClassifierHead(g, 32, 3, { seed: 9 });
  // a non-zero bias, so that a missing bias add shows
  g.write(head.bias.buffer, 0, Float32Array.from([0.5, -0.25, 1]));
  const w = await head.weight.readFloat();
  const bias = await head.bias.readFloat();
  const hidden = await g.noGrad(() => model.forward(INPUT).hidden).readFloat();
  const pooled = gatherLastTokenCpu(hidden, [2, 5, 32], [5, 2]);
  const evalLogits = g.noGrad(() => classify(model, head, INPUT, { dropout: 0.5, seed: 4 }));
  assert.deepEqual(evalLogits.shape, [2, 3]);
  assertClose(await evalLogits.readFloat(), headCpu(pooled, w, bias, [2, 32, 3]), "eval logits");
  // training: GPT-2's own dropout is 0 here, so only the head's dropout (p 0.5) acts
  const trainLogits = g.noGrad(() =>
    classify(model, head, INPUT, { training: true, dropout: 0.5, seed: 4 })
  );
  const dropped = dropoutCpu(pooled, 0.5, 4, HEAD_DROPOUT_STREAM);
  assertClose(
    await trainLogits.readFloat(),
    headCpu(dropped, w, bias, [2, 32, 3]),
    "train logits",
  );
  head.dispose();
  model.dispose();
});

Deno.test("classify() gives only the head gradients when GPT-2 is frozen, equal to the CPU ones", async () => {
  const g = await gpu();
  const model = smallModel(g, 6, NO_DROPOUT);
  const head = createClassifierHead(g, 32, 2, { seed: 2 });
  freezeAll(model);
  const targets = [1, 0];
  const hidden = await g.noGrad(() => model.forward(INPUT).hidden).readFloat();
  const pooled = gatherLastTokenCpu(hidden, [2, 5, 32], [5, 2]);
  const logits = headCpu(pooled, await head.weight.readFloat(), await head.bias.readFloat(), [
    2,
    32,
    2,
  ]);
  // d loss / d logits = (softmax − onehot) / B
  const dl = logSoftmaxRowsCpu(logits, 2).map((lp, i) =>
    (Math.exp(lp) - (targets[Math.floor(i / 2)] === i % 2 ? 1 : 0)) / 2
  );
  const dw = matmulCpu(pooled, [2, 32], dl, [2, 2], { transA: true });
  const db = [dl[0] + dl[2], dl[1] + dl[3]];
  await g.scopeAsync(async () => {
    backward(crossEntropy(classify(model, head, INPUT), targets));
    assertClose(await head.weight.grad!.readFloat(), dw, "head.weight grad");
    assertClose(await head.bias.grad!.readFloat(), db, "head.bias grad");
  });
  for (const [name, t] of model.params) assert.equal(t.grad, null, `${name} got a gradient`);
  head.dispose();
  model.dispose();
});
