/**
 * `deno task bench`: measured speed of the kernels and the model on this machine's adapter.
 * Prints a Markdown table; nothing here is asserted.
 *
 * - `--quick` skips the GPT-2 124M rows;
 * - `--compare` also runs the PyTorch reference (tests/bench_torch.py) first, in the same run,
 *   and prints each row's ratio to it;
 * - `--peers` also runs the same rows first on jax-js and TF.js (Wasm backends, from npm, in
 *   subprocesses: tests/bench_peers.ts) and prints each row's ratio to each;
 * - `--profile` prints the per-kernel profile of a `tiny` training step and decoding steps
 *   instead of the table.
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
import { scale } from "../kernels/elementwise.ts";
import { type GPT2Config, PRESETS } from "../model/config.ts";
import { GPT2 } from "../model/gpt2.ts";
import { initParameters } from "../model/init.ts";
import { lmLoss } from "../model/lm_loss.ts";
import { generate } from "../model/generate.ts";
import { crossEntropy } from "../kernels/cross_entropy.ts";
import { lmHeadCrossEntropy } from "../kernels/lm_head_loss.ts";
import { rowHeadMatmul, transposeHead } from "../kernels/row_head.ts";
import {
  type BenchResult,
  comparisonTable,
  findTorchPython,
  runTorchBench,
  type TorchRun,
} from "./bench_compare.ts";
import { profileTiny } from "./bench_profile.ts";
import { type PeerRun, peersTable, runPeers } from "./bench_peers.ts";
import { KEYS } from "./bench_peers_common.ts";
import { decodeChangeRows, printChangeRows } from "./bench_decode.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    compare: { type: "boolean", default: false },
    peers: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
  },
});

let peers: PeerRun[] | null = null;
if (args.values.peers && !args.values.profile) {
  console.log("JavaScript peers (Wasm backends, from npm; tests/bench_peers_*.ts), run first…");
  peers = await runPeers();
  for (const p of peers) {
    for (const n of p.notes) console.log(`  ${p.name}: ${n}`);
    if (p.error) console.log(`  ${p.name} not run to the end: ${p.error}`);
  }
}

let torch: TorchRun | null = null;
if (args.values.compare) {
  const python = await findTorchPython();
  if (!python) {
    console.log("--compare: no python with torch found (tried python3 and /usr/bin/python3)");
  } else {
    console.log(`PyTorch reference (${python} tests/bench_torch.py), run first…`);
    torch = await runTorchBench(python, args.values.quick);
    for (const n of torch.notes) console.log(`  ${n}`);
  }
}

const gpu = await acquireGpu();
console.log(`adapter: ${gpu.describe()}; CPU cores: ${navigator.hardwareConcurrency}\n`);
if (args.values.profile) {
  await profileTiny(gpu);
  Deno.exit(0);
}
const results: BenchResult[] = [];
/** Rows only the peers' table pairs (already printed in the main table under their own label). */
const peerRows: BenchResult[] = [];
console.log("| benchmark | result | detail |\n| --- | --- | --- |");

function row(what: string, value: string, detail = "") {
  console.log(`| ${what} | ${value} | ${detail} |`);
}

/** A row that has a PyTorch counterpart (same key in tests/bench_torch.py). */
function keyed(key: string, value: number, unit: string, detail: string) {
  results.push({ key, value, unit, detail });
  row(key, `${value.toFixed(value < 100 ? 2 : 0)} ${unit}`, detail);
}

/**
 * Median wall time of `fn` (which records GPU work) over `reps` runs after one warm-up. With
 * `calls` > 1 each run records `fn` that many times before one wait and reports the time per
 * call, so that the fixed cost of waiting for the device (the "wait floor" row) is spread.
 */
async function time(
  g: Gpu,
  fn: () => void | Promise<unknown>,
  reps = 3,
  calls = 1,
): Promise<number> {
  await g.scopeAsync(async () => {
    await fn();
    await g.sync();
  });
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    await g.scopeAsync(async () => {
      const t0 = performance.now();
      for (let c = 0; c < calls; c++) await fn();
      await g.sync();
      times.push((performance.now() - t0) / calls);
    });
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

{
  const one = rand([1], 0);
  const floor = await time(gpu, () => void gpu.noGrad(() => scale(one, 1)), 5);
  row(
    "wait floor: one tiny dispatch + wait",
    `${floor.toFixed(1)} ms`,
    "Deno's WebGPU sleeps ~10 ms between device polls while waiting; op rows below time " +
      "several calls per wait",
  );
  one.dispose();
}

function rand(shape: number[], seed: number, requiresGrad = false): Tensor {
  const t = tensorFrom(gpu, randomArray(shape.reduce((a, b) => a * b, 1), seed), shape, {
    requiresGrad,
  });
  gpu.keep(t);
  return t;
}

async function matmulRow(label: string, M: number, K: number, N: number, transB = false) {
  const a = rand([M, K], 1);
  const b = rand(transB ? [N, K] : [K, N], 2);
  const flops = 2 * M * N * K;
  const reps = flops > 2e10 ? 1 : 3;
  const calls = flops > 2e10 ? 1 : 3;
  const fwd = await time(gpu, () => void gpu.noGrad(() => matmul(a, b, { transB })), reps, calls);
  const g = rand([M, N], 3);
  // Backward of C = A·op(B): dA = dC·op(B)ᵀ and dB = Aᵀ·dC (or dCᵀ·A when B is transposed).
  const bwd = await time(
    gpu,
    () =>
      gpu.noGrad(() => {
        matmul(g, b, { transB: !transB });
        if (transB) matmul(g, a, { transA: true });
        else matmul(a, g, { transA: true });
      }),
    reps,
    calls,
  );
  if (M === 1024 && N === 1024 && K === 1024) {
    keyed(KEYS.matmul, flops / fwd / 1e6, "GFLOP/s", `${fwd.toFixed(0)} ms fwd`);
  }
  if (M === 1024 && K === 128 && N === 50257 && transB) {
    peerRows.push({ key: KEYS.head, value: fwd / 1000, unit: "s", detail: "matmul, NT" });
  }
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
await matmulRow("tiny LM head 1024×128·(50257×128)ᵀ", BT, 128, 50257, true);
if (peers) {
  // The head at nanoGPT's padded vocabulary (a multiple of 64), where jax-js is fast.
  const x = rand([BT, 128], 1);
  const w = rand([50304, 128], 2);
  const fwd = await time(gpu, () => void gpu.noGrad(() => matmul(x, w, { transB: true })));
  row("matmul tiny LM head, padded 1024×128·(50304×128)ᵀ", `${fwd.toFixed(0)} ms fwd`);
  peerRows.push({ key: KEYS.headPadded, value: fwd / 1000, unit: "s", detail: "matmul, NT" });
  x.dispose();
  w.dispose();
}
if (!args.values.quick) await matmulRow("LM head 1024×768·(50257×768)ᵀ", BT, 768, 50257, true);

{
  const [B, H, T, D] = [8, 12, 128, 64];
  const q = rand([B, H, T, D], 4, true);
  const k = rand([B, H, T, D], 5, true);
  const v = rand([B, H, T, D], 6, true);
  const fwd = await time(gpu, () => void gpu.noGrad(() => causalSelfAttention(q, k, v, {})));
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
  const ms = await time(gpu, () => void gpu.noGrad(() => layerNorm(x, w, b, 1e-5)));
  row("LayerNorm 1024×768", `${(BT / ms * 1000 / 1e6).toFixed(3)} M rows/s`, `${ms.toFixed(2)} ms`);
}

/** Before/after of the kept changes: the unfused path still exists, so both run here. */
async function changeRows(C: number, label: string) {
  const V = 50257;
  const w = rand([V, C], 11, true);
  for (const M of [1, 12]) {
    const x = rand([M, C], 12);
    const head = transposeHead(w);
    const storageHead = transposeHead(w, { loads: "storage" });
    // Ten calls per wait: one call is a few ms, the wait floor ~10.
    const before = await time(
      gpu,
      () => void gpu.noGrad(() => matmul(x, w, { transB: true })),
      3,
      10,
    );
    const storage = await time(gpu, () => void rowHeadMatmul(x, storageHead), 3, 10);
    const after = await time(gpu, () => void rowHeadMatmul(x, head), 3, 10);
    const textured = head.chunks[0].tex !== undefined;
    head.dispose();
    storageHead.dispose();
    if (C === 128 && M === 1) {
      const detail =
        "rowHeadMatmul over the once-transposed weight, no readback, 10 calls per wait";
      peerRows.push({ key: KEYS.headRow, value: after, unit: "ms", detail });
    }
    row(
      `${label} decoding LM head, ${M} row${M > 1 ? "s" : ""}: matmul → row head`,
      `${before.toFixed(1)} → ${after.toFixed(1)} ms (${(before / after).toFixed(2)}×)`,
      "kernels/row_head.ts; the weight is transposed once per generate()",
    );
    if (textured) {
      row(
        `${label} decoding LM head, ${M} row${M > 1 ? "s" : ""}: row head, storage → texture loads`,
        `${storage.toFixed(1)} → ${after.toFixed(1)} ms (${(storage / after).toFixed(2)}×)`,
        'transposeHead(w, { loads: "storage" }) against the default on a software adapter',
      );
    }
    x.dispose();
  }
  const N = 1024;
  const x = rand([N, C], 13, true);
  const targets = Array.from({ length: N }, (_, i) => (i * 7919) % V);
  const step = (fused: boolean) => async () => {
    const loss = fused
      ? lmHeadCrossEntropy(x, w, targets)
      : crossEntropy(matmul(x, w, { transB: true }), targets);
    backward(loss);
    await x.grad!.read();
    for (const t of [x, w]) t.grad?.dispose(), t.grad = null;
  };
  const reps = C > 128 ? 1 : 3;
  const before = await time(gpu, step(false), reps);
  const after = await time(gpu, step(true), reps);
  if (C === 128) {
    const detail = "fused lmHeadCrossEntropy, gradients of x and w";
    peerRows.push({ key: KEYS.headLoss, value: after / 1000, unit: "s", detail });
  }
  row(
    `${label} LM head + cross-entropy fwd+bwd, ${N} rows: unfused → fused`,
    `${before.toFixed(0)} → ${after.toFixed(0)} ms (${(before / after).toFixed(2)}×)`,
    "kernels/lm_head_loss.ts (lmLoss uses it)",
  );
  x.dispose();
  w.dispose();
}

async function modelRows(key: string, label: string, config: GPT2Config, B: number, T: number) {
  // The memory row below counts this model's training only, not earlier rows' pooled buffers.
  gpu.trimPool();
  const model = GPT2.fromTensors(gpu, config, initParameters(config, 0));
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7919) % config.vocabSize);
  const input = { ids, batch: B, seqLen: T };
  const reps = key === "tiny" ? 3 : 1;
  const fwd = await time(
    gpu,
    () => void gpu.noGrad(() => model.logits(model.forward(input).hidden)),
    reps,
  );
  keyed(
    `${key} forward`,
    B * T / fwd * 1000,
    "tokens/s",
    `${label} ${B}×${T}, ${fwd.toFixed(0)} ms`,
  );
  const opt = new AdamW([{ params: model.trainable(), lr: 1e-5, weightDecay: 0.01 }]);
  const step = await time(gpu, () => {
    backward(lmLoss(model, input, { training: true }).loss);
    opt.step();
    for (const p of model.trainable()) p.grad?.dispose(), p.grad = null;
  }, reps);
  keyed(
    `${key} train step`,
    B * T / step * 1000,
    "tokens/s",
    `${label} ${B}×${T}, ${step.toFixed(0)} ms (fwd+bwd+AdamW)`,
  );
  const held = gpu.memory();
  row(
    `${label} GPU memory after training steps`,
    `${((held.liveBytes + held.pooledBytes) / 2 ** 20).toFixed(0)} MiB`,
    "weights, gradients, AdamW moments, pooled activations",
  );
  const n = 16;
  for (const batch of [1, 12]) {
    const prompts = Array.from(
      { length: batch },
      () => Array.from({ length: 16 }, (_, i) => 464 + i),
    );
    const ms = await time(gpu, async () => {
      await generate(model, prompts, {
        maxNewTokens: n,
        stopTokens: [],
        temperature: 1,
        topP: 0.9,
        seed: 1,
      });
    }, reps);
    keyed(
      `${key} generation batch ${batch}`,
      batch * n / ms * 1000,
      "tokens/s",
      `16-token prompt, ${n} new, top-p 0.9: ${(ms / n).toFixed(1)} ms/step`,
    );
  }
  if (key === "tiny") printChangeRows(await decodeChangeRows(model, label));
  opt.dispose();
  model.dispose();
  gpu.trimPool();
}

await changeRows(128, "tiny");
await modelRows("tiny", "tiny", PRESETS.tiny, 8, 128);
if (!args.values.quick) await modelRows("gpt2", "gpt2 (124M, random)", { ...PRESETS.gpt2 }, 8, 128);

if (torch) {
  console.log(`\nAgainst PyTorch CPU (${torch.python}; ${torch.notes.join("; ")}), same run:\n`);
  console.log(comparisonTable(results, torch.rows));
}
if (peers) {
  console.log("\nAgainst the JavaScript peers (Wasm backends), same run; ours / peer in speed:\n");
  for (const p of peers) if (p.error) console.log(`${p.name}: ${p.error}\n`);
  console.log(peersTable([...results, ...peerRows], peers));
}
