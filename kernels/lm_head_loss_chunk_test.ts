import assert from "node:assert/strict";
import { backward } from "./autograd.ts";
import { lmHeadCrossEntropy } from "./lm_head_loss.ts";
import { chunkFitsTexture } from "./lm_head_loss_chunk.ts";
import { tensorFrom } from "./tensor.ts";
import { randomArray, testGpu } from "./testing.ts";

const gpu = testGpu();

Deno.test("chunkFitsTexture() takes 64-aligned chunks on software adapters only", async () => {
  const g = await gpu();
  assert.equal(chunkFitsTexture(g, 1024, 8192), g.isSoftware);
  assert.equal(chunkFitsTexture(g, 1024, 1105), false, "GPT-2's last chunk is not 64-aligned");
  const D = g.device.limits.maxTextureDimension2D;
  assert.equal(chunkFitsTexture(g, D + 1, 64), false, "more rows than a texture side");
});

Deno.test("lmHeadCrossEntropy() runs the texture kernels by default on a software adapter, the storage ones with loads: storage", async () => {
  const g = await gpu();
  const names = (loads: "auto" | "storage") => {
    const seen: string[] = [];
    const dispatch = g.dispatch;
    g.dispatch = (kernel, ...rest) => (seen.push(kernel.name), dispatch.call(g, kernel, ...rest));
    try {
      g.scope(() => {
        const x = tensorFrom(g, randomArray(6 * 8, 1), [6, 8], { requiresGrad: true });
        const w = tensorFrom(g, randomArray(128 * 8, 2), [128, 8], { requiresGrad: true });
        backward(lmHeadCrossEntropy(x, w, [0, 5, 127, 3, 64, 1], { loads }));
      });
    } finally {
      g.dispatch = dispatch;
    }
    return seen.filter((n) => n.startsWith("lm_head_loss_"));
  };
  const auto = names("auto");
  const storage = names("storage");
  assert.ok(storage.includes("lm_head_loss_stats") && storage.includes("lm_head_loss_grad"));
  assert.ok(!storage.some((n) => n.endsWith("_tex")), storage.join(", "));
  if (g.isSoftware) {
    assert.ok(auto.includes("lm_head_loss_stats_tex"), auto.join(", "));
    assert.ok(auto.includes("lm_head_loss_grad_tex"), auto.join(", "));
  } else {
    assert.deepEqual(auto, storage);
  }
});
