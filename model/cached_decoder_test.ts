import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { acquireGpu } from "../kernels/gpu.ts";
import { gatherLastToken } from "../kernels/pooling.ts";
import { prefixKeysValues } from "../kernels/prefix_kv.ts";
import { tensorFrom } from "../kernels/tensor.ts";
import { randomArray } from "../kernels/testing.ts";
import { CachedDecoder, leftPad } from "./cached_decoder.ts";
import { generate } from "./generate.ts";
import { loadModel } from "./load.ts";
import { argmax, sampleStream } from "./sampling.ts";

const gpu = await acquireGpu();
// A three-layer checkpoint that ships with the tests (32 positions, GPT-2's vocabulary).
const fixture = fileURLToPath(new URL("../tests/fixtures/gpt2-l3-h2-c16-p32", import.meta.url));
const model = await loadModel(fixture, { gpu });
const V = model.config.vocabSize;
const prompts = [[36879, 24856, 49718, 21496, 38950], [464, 2068], [1, 2, 3]];

/** Next-token logits of every sequence by a full forward pass without any cache. */
async function recomputed(seqs: number[][]): Promise<Float32Array> {
  return await gpu.scopeAsync(async () => {
    const { ids, mask, positions, T, B } = leftPad(seqs);
    const logits = gpu.noGrad(() => {
      const { hidden } = model.forward({ ids, batch: B, seqLen: T, mask, positions });
      return model.logits(gatherLastToken(hidden, new Array(B).fill(T)));
    });
    return await logits.readFloat();
  });
}

/** Greedy decoding through the in-place cache, checked against recomputation at every step. */
async function checkSteps(steps: number): Promise<number> {
  const seqs = prompts.map((p) => [...p]);
  const { decoder, logits: first } = await CachedDecoder.start(model, seqs, steps, null);
  let worst = 0;
  try {
    let logits = first!;
    for (let step = 0; step <= steps; step++) {
      const want = await recomputed(seqs);
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(logits[i] - want[i]));
      if (step === steps) break;
      seqs.forEach((s, b) => s.push(argmax(logits.subarray(b * V, (b + 1) * V))));
      logits = await decoder.step(seqs);
    }
  } finally {
    decoder.dispose();
  }
  return worst;
}

Deno.test("CachedDecoder.step() equals full recomputation at every step for left-padded prompts", async () => {
  const worst = await checkSteps(6);
  console.log(`in-place cache vs recomputation: max |Δ logit| = ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-4, `max logit difference ${worst}`);
});

Deno.test("CachedDecoder.step() equals full recomputation at every step with a prefix-tuning prefix", async () => {
  const { nLayer: L, nHead: H, nEmbd: C } = model.config;
  const P = 3;
  const plain = await recomputed(prompts);
  const table = tensorFrom(gpu, randomArray(P * 2 * L * C, 9), [P, 2 * L * C]);
  gpu.keep(table);
  model.setAttentionPrefix(
    P,
    (batch) => Array.from({ length: L }, (_, l) => prefixKeysValues(table, l, batch, H, C)),
  );
  try {
    const withPrefix = await recomputed(prompts);
    assert.ok(
      withPrefix.some((x, i) => Math.abs(x - plain[i]) > 1e-3),
      "the prefix changes logits",
    );
    const worst = await checkSteps(5);
    console.log(`with a ${P}-key prefix: max |Δ logit| = ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-4, `max logit difference ${worst}`);
  } finally {
    model.setAttentionPrefix(0, null);
    table.dispose();
  }
});

Deno.test("CachedDecoder.step() refuses a step past the cache's columns", async () => {
  const seqs = [[5, 6]];
  const { decoder } = await CachedDecoder.start(model, seqs, 1, null);
  try {
    seqs[0].push(7);
    await decoder.step(seqs); // column 2: the one new token the cache was sized for
    seqs[0].push(8);
    await assert.rejects(decoder.step(seqs), /column 3 is past the cache's 3 columns/);
  } finally {
    decoder.dispose();
  }
});

Deno.test("generate() creates no buffer or bind group in its decoding steps (counted on the device)", async () => {
  const device = gpu.device;
  const counts = { buffers: 0, bindGroups: 0 };
  const createBuffer = device.createBuffer;
  const createBindGroup = device.createBindGroup;
  device.createBuffer = (d) => (counts.buffers++, createBuffer.call(device, d));
  device.createBindGroup = (d) => (counts.bindGroups++, createBindGroup.call(device, d));
  const options = { stopTokens: [], temperature: 1, topP: 0.9, seed: 2 };
  const run = async (maxNewTokens: number, sampleOn: "host" | "device" = "host") => {
    const before = { ...counts };
    await generate(model, prompts, { ...options, maxNewTokens, sampleOn });
    return {
      buffers: counts.buffers - before.buffers,
      bindGroups: counts.bindGroups - before.bindGroups,
    };
  };
  try {
    // Warm-up of both lengths: pipelines, staging buffers, and pooled buffers of both cache sizes
    // (a longer generation allocates a longer cache once, which is not a per-step creation).
    await run(2);
    await run(12);
    const short = await run(2);
    const long = await run(12);
    console.log(
      `per generation: 2 tokens ${JSON.stringify(short)}, 12 tokens ${JSON.stringify(long)}`,
    );
    // Ten more decoding steps, and not one more creation.
    assert.deepEqual(long, short);
    await run(2, "device");
    await run(12, "device");
    assert.deepEqual(await run(12, "device"), await run(2, "device"), "sampling on the device");
    // The concatenating cache, for contrast, binds afresh at every step.
    const before = counts.bindGroups;
    await generate(model, prompts, { ...options, maxNewTokens: 12, inPlaceCache: false });
    const concat = counts.bindGroups - before;
    assert.ok(concat > long.bindGroups + 10 * model.config.nLayer, `concat path: ${concat}`);
  } finally {
    device.createBuffer = createBuffer;
    device.createBindGroup = createBindGroup;
  }
});

Deno.test("generate() with sampleOn device gives a prompt the same sample alone and in a batch of 12, and the host's greedy and top-k tokens", async () => {
  const p = prompts[0];
  const batch = Array.from(
    { length: 12 },
    (_, i) => i === 7 ? p : Array.from({ length: 2 + (i % 5) }, (_, t) => 100 + 37 * i + t),
  );
  const streams = batch.map((_, i) => sampleStream(i, 0));
  const options = { maxNewTokens: 8, stopTokens: [], temperature: 1.5, topP: 0.95, seed: 4 };
  const device = { ...options, sampleOn: "device" as const };
  const together = await generate(model, batch, { ...device, streams });
  const alone = await generate(model, [p], { ...device, streams: [sampleStream(7, 0)] });
  assert.deepEqual(together.tokens[7], alone.tokens[0]);
  // A random model's distribution is nearly flat over ~45,000 kept tokens, each within f32
  // rounding of its neighbours' boundaries: agreement with the f64 host is reported, not asserted.
  const host = await generate(model, batch, { ...options, streams });
  const firstAgree = together.tokens.filter((t, i) => t[0] === host.tokens[i][0]).length;
  console.log(
    `top-p 0.95 on a flat distribution: ${firstAgree} of 12 first draws equal the host's`,
  );
  for (const topK of [0, 40]) {
    const greedyOrK = { maxNewTokens: 6, stopTokens: [], temperature: topK ? 0.9 : 0, topK };
    const onDevice = await generate(model, prompts, { ...greedyOrK, sampleOn: "device" });
    const onHost = await generate(model, prompts, greedyOrK);
    assert.deepEqual(onDevice.tokens, onHost.tokens, `topK ${topK}`);
  }
});

Deno.test("generate() refuses sampleOn device with logits processors, naming both", async () => {
  await assert.rejects(
    generate(model, prompts, {
      maxNewTokens: 2,
      sampleOn: "device",
      processors: [(logits) => void (logits[0] = 0)],
    }),
    /sampleOn "device" cannot run logits processors/,
  );
});

Deno.test("generate() with the in-place cache stops at the context like the concatenating cache", async () => {
  const long = [Array.from({ length: 28 }, (_, t) => 300 + t), [5, 6, 7]];
  const options = { maxNewTokens: 10, stopTokens: [] };
  const inPlace = await generate(model, long, options);
  const concat = await generate(model, long, { ...options, inPlaceCache: false });
  assert.deepEqual(inPlace, concat);
  assert.deepEqual(inPlace.finishReasons, ["context", "context"]);
  assert.equal(inPlace.tokens[0].length, model.config.nPositions - 28);
});
