import assert from "node:assert/strict";
import { backward } from "../../kernels/autograd.ts";
import { crossEntropyBackwardCpu, crossEntropyCpu } from "../../kernels/cross_entropy.ts";
import { dropoutCpu } from "../../kernels/dropout.ts";
import { matmulCpu } from "../../kernels/matmul.ts";
import { tensorFrom } from "../../kernels/tensor.ts";
import { assertClose, randomArray, testGpu } from "../../kernels/testing.ts";
import { createClassifierHead, HEAD_DROPOUT_STREAM } from "./classifier_head.ts";
import { multiSampleDropoutLoss } from "./multi_sample_dropout.ts";

const gpu = testGpu();
const [B, C, K] = [4, 8, 2];
const LABELS = [0, 1, 1, 0];

/** CPU reference: the mean over `samples` masks of the smoothed cross-entropy, and d/dW. */
function referenceCpu(
  pooled: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  samples: number,
  p: number,
  seed: number,
  eps: number,
) {
  let loss = 0;
  const dw = new Float64Array(C * K);
  for (let k = 0; k < samples; k++) {
    const dropped = dropoutCpu(pooled, p, seed, HEAD_DROPOUT_STREAM + k);
    const logits = matmulCpu(dropped, [B, C], w, [C, K]).map((v, i) => v + bias[i % K]);
    loss += crossEntropyCpu(logits, K, LABELS, { labelSmoothing: eps }) / samples;
    const dl = crossEntropyBackwardCpu(logits, K, LABELS, { labelSmoothing: eps }, 1 / samples);
    matmulCpu(dropped, [B, C], dl, [B, K], { transA: true }).forEach((v, i) => dw[i] += v);
  }
  return { loss, dw };
}

Deno.test("multiSampleDropoutLoss() averages the loss and gradient over 3 masks as the CPU reference does", async () => {
  const g = await gpu();
  const head = createClassifierHead(g, C, K, { seed: 3 });
  g.write(head.bias.buffer, 0, Float32Array.from([0.3, -0.2]));
  const w = await head.weight.readFloat();
  const bias = await head.bias.readFloat();
  const host = randomArray(B * C, 11, -2, 2);
  for (const [samples, eps] of [[3, 0.1], [1, 0]]) {
    await g.scopeAsync(async () => {
      const pooled = tensorFrom(g, host, [B, C]);
      const loss = multiSampleDropoutLoss(pooled, head, LABELS, {
        samples,
        dropout: 0.2,
        seed: 7,
        labelSmoothing: eps,
      });
      const want = referenceCpu(host, w, bias, samples, 0.2, 7, eps);
      assertClose([await loss.item()], [want.loss], `K=${samples} loss`);
      backward(loss);
      assertClose(await head.weight.grad!.readFloat(), want.dw, `K=${samples} head.weight grad`);
      head.weight.grad!.dispose();
      head.weight.grad = null;
      head.bias.grad?.dispose();
      head.bias.grad = null;
    });
  }
  // three masks differ from one mask: the samples really are different
  const one = referenceCpu(host, w, bias, 1, 0.2, 7, 0.1).loss;
  assert.notEqual(referenceCpu(host, w, bias, 3, 0.2, 7, 0.1).loss, one);
  assert.throws(
    () =>
      multiSampleDropoutLoss(tensorFrom(g, host, [B, C]), head, LABELS, {
        samples: 0,
        dropout: 0.2,
        seed: 1,
      }),
    /samples must be a positive integer, got 0/,
  );
  head.dispose();
});
