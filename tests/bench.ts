/**
 * `deno task bench`: measured speed of the kernels and the model on this machine's adapter.
 * Prints a Markdown table; nothing here is asserted. `--quick` skips the GPT-2 124M model rows.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { acquireGpu, type Gpu } from "../kernels/gpu.ts";
import { matmul } from "../kernels/matmul.ts";
import { layerNorm } from "../kernels/layer_norm.ts";
import { causalSelfAttention } from "../kernels/attention.ts";
import { backward } from "../kernels/autograd.ts";
import { AdamW } from "../kernels/adamw.ts";
import { type Tensor, tensorFrom } from "../kernels/tensor.ts";
import { randomArray } from "../kernels/testing.ts";
import { PRESETS } from "../model/config.ts";
import { GPT2 } from "../model/gpt2.ts";
import { initParameters } from "../model/init.ts";
import { lmLoss } from "../model/lm_loss.ts";
import { generate } from "../model/generate.ts";

const args = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean", default: false } },
});
const gpu = await acquireGpu();
const rows: string[] = [];

function row(what: string, value: string, detail = "") {
  const line = `| ${what} | ${value} | ${detail} |`;
  rows.push(line);
  console.log(line);
}

/** Median wall time of `fn` (which records GPU work) over `reps` runs after one warm-up. */
async function time(g: Gpu, fn: () => void, reps = 3): Promise<number> {
  await g.scopeAsync(async () => {
    fn();
    await g.sync();
  });
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    await g.scopeAsync(async () => {
      const t0 = performance.now();
      fn();
      await g.sync();
      times.push(performance.now() - t0);
    });
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

function rand(shape: number[], seed: number, requiresGrad = false): Tensor {
  const t = tensorFrom(gpu, randomArray(shape.reduce((a, b) => a * b, 1), seed), shape, {
    requiresGrad,
  });
  gpu.keep(t);
  return t;
}

console.log(`adapter: ${gpu.describe()}; CPU cores: ${navigator.hardwareConcurrency}\n`);
console.log("| benchmark | result | detail |\n| --- | --- | --- |");

async function matmulRow(label: string, M: number, K: number, N: number, transB = false) {
  const a = rand([M, K], 1);
  const b = rand(transB ? [N, K] : [K, N], 2);
  const flops = 2 * M * N * K;
  const reps = flops > 2e10 ? 1 : 3;
  const fwd = await time(gpu, () => gpu.noGrad(() => matmul(a, b, { transB })), reps);
  const g = rand([M, N], 3);
  // Backward of C = A·op(B): dA = dC·op(B)ᵀ and dB = Aᵀ·dC (or dCᵀ·A when B is transposed).
  const bwd = await time(gpu, () =>
    gpu.noGrad(() => {
      matmul(g, b, { transB: !transB });
      if (transB) matmul(g, a, { transA: true });
      else matmul(a, g, { transA: true });
    }), reps);
  row(
    `matmul ${label}`,
    `${(flops / fwd / 1e6).toFixed(2)} GFLOP/s fwd, ${(2 * flops / bwd / 1e6).toFixed(2)} bwd`,
    `${fwd.toFixed(0)} ms fwd, ${bwd.toFixed(0)} ms bwd`,
  );
  for (const t of [a, b, g]) t.dispose();
}

await matmulRow("1024×1024×1024", 1024, 1024, 1024);
const BT = 8 * 128;
await matmulRow("qkv 1024×768·768×2304", BT, 768, 2304);
await matmulRow("attn proj 1024×768·768×768", BT, 768, 768);
await matmulRow("mlp up 1024×768·768×3072", BT, 768, 3072);
await matmulRow("mlp down 1024×3072·3072×768", BT, 3072, 768);
if (!args.values.quick) await matmulRow("LM head 1024×768·(50257×768)ᵀ", BT, 768, 50257, true);

{
  const [B, H, T, D] = [8, 12, 128, 64];
  const q = rand([B, H, T, D], 4, true);
  const k = rand([B, H, T, D], 5, true);
  const v = rand([B, H, T, D], 6, true);
  const fwd = await time(gpu, () => gpu.noGrad(() => causalSelfAttention(q, k, v, {})));
  const both = await time(gpu, () => {
    const o = causalSelfAttention(q, k, v, {});
    backward(o, o);
  });
  const flops = 4 * B * H * T * T * D;
  row(
    "attention B8 H12 T128 D64",
    `${(flops / fwd / 1e6).toFixed(2)} GFLOP/s fwd`,
    `${fwd.toFixed(0)} ms fwd, ${both.toFixed(0)} ms fwd+bwd`,
  );
}
{
  const x = rand([BT, 768], 7);
  const w = rand([768], 8);
  const b = rand([768], 9);
  const ms = await time(gpu, () => gpu.noGrad(() => layerNorm(x, w, b, 1e-5)));
  row("LayerNorm 1024×768", `${(BT / ms * 1000 / 1e6).toFixed(3)} M rows/s`, `${ms.toFixed(2)} ms`);
}

async function modelRows(name: string, config: typeof PRESETS.tiny, B: number, T: number) {
  const model = GPT2.fromTensors(gpu, config, initParameters(config, 0));
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7919) % config.vocabSize);
  const input = { ids, batch: B, seqLen: T };
  const fwd = await time(gpu, () => gpu.noGrad(() => model.logits(model.forward(input).hidden)), 1);
  const opt = new AdamW([{ params: model.trainable(), lr: 1e-5, weightDecay: 0.01 }]);
  const step = await time(gpu, () => {
    backward(lmLoss(model, input, { training: true }).loss);
    opt.step();
    for (const p of model.trainable()) p.grad?.dispose(), p.grad = null;
  }, 1);
  row(
    `${name} forward ${B}×${T}`,
    `${(B * T / fwd * 1000).toFixed(0)} tokens/s`,
    `${fwd.toFixed(0)} ms`,
  );
  row(
    `${name} train step ${B}×${T}`,
    `${(B * T / step * 1000).toFixed(0)} tokens/s`,
    `${step.toFixed(0)} ms (fwd+bwd+AdamW)`,
  );
  const held = gpu.memory();
  row(
    `${name} GPU memory after training steps`,
    `${((held.liveBytes + held.pooledBytes) / 2 ** 20).toFixed(0)} MiB`,
    "weights, gradients, AdamW moments, pooled activations",
  );
  const prompt = [Array.from({ length: 16 }, (_, i) => 464 + i)];
  for (const useCache of [true, false]) {
    const n = 16;
    const t0 = performance.now();
    await generate(model, prompt, { maxNewTokens: n, stopTokens: [], useCache });
    const ms = performance.now() - t0;
    row(
      `${name} generation ${useCache ? "with" : "without"} KV cache`,
      `${(n / ms * 1000).toFixed(1)} tokens/s`,
      `16-token prompt, ${n} new`,
    );
  }
  opt.dispose();
  model.dispose();
  gpu.trimPool();
}

await modelRows("tiny", PRESETS.tiny, 8, 128);
if (!args.values.quick) await modelRows("gpt2 (124M, random)", { ...PRESETS.gpt2 }, 8, 128);
