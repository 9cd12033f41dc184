import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { crossEntropyBackwardCpu, crossEntropyCpu } from "./cross_entropy.ts";
import { scale } from "./elementwise.ts";
import { lmHeadCrossEntropy } from "./lm_head_loss.ts";
import { matmulCpu } from "./matmul.ts";
import { tensorFrom } from "./tensor.ts";
import { assertClose, randomArray, smallBindingGpu, testGpu } from "./testing.ts";

const gpu = testGpu();

/** Loss and gradients of crossEntropy(x · wᵀ) from the f64 CPU references. */
function reference(
  x: Float32Array,
  w: Float32Array,
  [N, C, V]: number[],
  targets: number[],
  options: { labelSmoothing?: number },
  gradOut: number,
) {
  const logits = matmulCpu(x, [N, C], w, [V, C], { transB: true });
  const loss = crossEntropyCpu(logits, V, targets, options);
  const dl = crossEntropyBackwardCpu(logits, V, targets, options, gradOut);
  return {
    loss,
    dx: matmulCpu(dl, [N, V], w, [V, C]),
    dw: matmulCpu(dl, [N, V], x, [N, C], { transA: true }),
  };
}

async function check(
  label: string,
  g: Awaited<ReturnType<typeof gpu>>,
  [N, C, V]: number[],
  keepLogitsBytes?: number,
  loads: "auto" | "storage" = "auto",
) {
  const x = randomArray(N * C, N + C, -2, 2);
  const w = randomArray(V * C, V, -2, 2);
  const targets = Array.from({ length: N }, (_, r) => r % 4 === 3 ? -100 : (r * 97) % V);
  for (const smoothing of [{}, { labelSmoothing: 0.1 }]) {
    const options = { ...smoothing, keepLogitsBytes, loads };
    const xt = tensorFrom(g, x, [N, C], { requiresGrad: true });
    const wt = tensorFrom(g, w, [V, C], { requiresGrad: true });
    const loss = lmHeadCrossEntropy(xt, wt, targets, options);
    const ref = reference(x, w, [N, C, V], targets, options, 3);
    assertClose([await loss.item()], [ref.loss], `${label} loss ${JSON.stringify(options)}`);
    backward(scale(loss, 3)); // an incoming gradient of 3 scales both gradients
    assertClose(await xt.grad!.readFloat(), ref.dx, `${label} dx ${JSON.stringify(options)}`);
    assertClose(await wt.grad!.readFloat(), ref.dw, `${label} dw ${JSON.stringify(options)}`);
  }
}

Deno.test("lmHeadCrossEntropy() equals crossEntropy(x · wᵀ) and its gradients (CPU reference)", async () => {
  const g = await gpu();
  await check("one chunk, odd V", g, [7, 8, 301]);
  await check("more than 32 rows", g, [40, 12, 130]);
  // Widths that are multiples of 64 take the texture kernels on a software adapter.
  await check("one chunk 64-aligned", g, [9, 8, 256]);
  await check("one chunk 64-aligned, storage loads", g, [9, 8, 256], undefined, "storage");
});

Deno.test("lmHeadCrossEntropy() gives the same result when the vocabulary is split into many chunks", async () => {
  const g = smallBindingGpu(await gpu(), 4096 + 256); // 1,088 floats: 128-column chunks
  await check("chunked", g, [5, 8, 450]);
  await check("chunked, logits recomputed in pass 2", g, [5, 8, 450], 0);
  await check("chunked, storage loads", g, [5, 8, 450], undefined, "storage");
});

Deno.test("lmHeadCrossEntropy() rejects a target outside the vocabulary, naming row and value", async () => {
  const g = await gpu();
  const x = tensorFrom(g, randomArray(8, 1), [2, 4]);
  const w = tensorFrom(g, randomArray(40, 2), [10, 4]);
  assert.throws(() => lmHeadCrossEntropy(x, w, [1, 10]), /target 10 at row 1 is outside \[0, 10\)/);
});
