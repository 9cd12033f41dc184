import assert from "node:assert/strict";
import { join } from "node:path";
import { AdamW } from "../kernels/adamw.ts";
import { causalSelfAttention } from "../kernels/attention.ts";
import { backward } from "../kernels/autograd.ts";
import { concatSeq } from "../kernels/heads.ts";
import { prefixKeysValues } from "../kernels/prefix_kv.ts";
import { tensorFrom } from "../kernels/tensor.ts";
import { assertClose, maxAbsDiff, padMask, randomArray, testGpu } from "../kernels/testing.ts";
import { generate } from "../model/generate.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { lmLoss } from "../model/lm_loss.ts";
import { readSafetensors } from "../model/safetensors.ts";
import { smallModel } from "../tests/small_model.ts";
import { attachPrefix, PREFIX, PREFIX_PEFT_FILES } from "./prefix.ts";
import { changed, snapshot, testContext } from "./strategy_testing.ts";

const gpu = testGpu();
const NO_DROPOUT = { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 };
const INPUT = {
  ids: Int32Array.from([464, 3797, 318, 922, 40, 588, 50256, 50256]),
  mask: Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0]),
  batch: 2,
  seqLen: 4,
};

async function hidden(model: GPT2, input = INPUT): Promise<Float32Array> {
  return await model.gpu.scopeAsync(() =>
    model.gpu.noGrad(() => model.forward(input).hidden).readFloat()
  );
}

Deno.test("attachPrefix() with P = 0 leaves the model unchanged", async () => {
  const model = smallModel(await gpu(), 1);
  const base = await hidden(model);
  const prefix = attachPrefix(model, { length: 0, hidden: 16, seed: 1 });
  assert.equal(model.prefixLength, 0);
  assert.equal(prefix.params().size, 0);
  assert.deepEqual(await hidden(model), base);
  model.dispose();
});

/**
 * Attention over [prefix; keys] by hand (f64): query t of sequence b sees all P prefix keys and
 * real keys 0 … t; the prefix's keys and values are read from the table's columns by hand.
 */
function attentionReference(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  table: Float32Array,
  mask: Float32Array,
  [B, H, T, D]: number[],
  P: number,
  layer: number,
): Float64Array {
  const C = H * D;
  const W = table.length / P;
  const out = new Float64Array(B * H * T * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const keys: number[][] = [];
        const values: number[][] = [];
        for (let p = 0; p < P; p++) {
          const col = (j: number) => (2 * layer + j) * C + h * D;
          keys.push(Array.from({ length: D }, (_, d) => table[p * W + col(0) + d]));
          values.push(Array.from({ length: D }, (_, d) => table[p * W + col(1) + d]));
        }
        for (let s = 0; s <= t; s++) {
          if (mask[b * T + s] === 0) continue;
          const at = ((b * H + h) * T + s) * D;
          keys.push(Array.from(k.subarray(at, at + D)));
          values.push(Array.from(v.subarray(at, at + D)));
        }
        const qa = ((b * H + h) * T + t) * D;
        const scores = keys.map((key) =>
          key.reduce((a, x, d) => a + x * q[qa + d], 0) / Math.sqrt(D)
        );
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, x) => a + x, 0);
        for (let d = 0; d < D; d++) {
          out[qa + d] = values.reduce((a, val, i) => a + val[d] * e[i] / z, 0);
        }
      }
    }
  }
  return out;
}

Deno.test("prefixKeysValues() makes the prefix visible from every position (CPU reference)", async () => {
  const g = await gpu();
  const [B, H, T, D, P, L] = [2, 2, 5, 4, 3, 2];
  const shape = [B, H, T, D];
  const q = randomArray(B * H * T * D, 1);
  const k = randomArray(B * H * T * D, 2);
  const v = randomArray(B * H * T * D, 3);
  const table = randomArray(P * 2 * L * H * D, 4);
  const mask = padMask([5, 3], T);
  for (const layer of [0, 1]) {
    const out = await g.scopeAsync(() => {
      const t = tensorFrom(g, table, [P, 2 * L * H * D]);
      const pre = prefixKeysValues(t, layer, B, H, H * D);
      const y = causalSelfAttention(
        tensorFrom(g, q, shape),
        concatSeq(pre.k, tensorFrom(g, k, shape)),
        concatSeq(pre.v, tensorFrom(g, v, shape)),
        { alwaysVisible: P, keyMask: padMask([P + 5, P + 3], P + T) },
      );
      return y.readFloat();
    });
    const want = attentionReference(q, k, v, table, mask, shape, P, layer);
    // padded queries (sequence 1, t ≥ 3) are not compared: their output is unused
    const real = (i: number) => !(Math.floor(i / (H * T * D)) === 1 && Math.floor(i / D) % T >= 3);
    const pick = (a: ArrayLike<number>) => Array.from(a).filter((_, i) => real(i));
    assertClose(pick(out), pick(want), `layer ${layer}`, { atol: 1e-5, rtol: 1e-4 });
  }
});

Deno.test("prefix generation with the KV cache equals full recomputation", async () => {
  const model = smallModel(await gpu(), 1, NO_DROPOUT);
  const prefix = attachPrefix(model, { length: 4, hidden: 16, seed: 2 });
  const prompts = [[464, 3797, 318], [40]];
  const options = { maxNewTokens: 6, temperature: 0, sample: false, stopTokens: [] };
  const cached = await generate(model, prompts, { ...options, useCache: true });
  const full = await generate(model, prompts, { ...options, useCache: false });
  assert.deepEqual(cached.tokens, full.tokens);
  prefix.detach();
  const plain = await generate(model, prompts, { ...options, useCache: true });
  assert.notDeepEqual(plain.tokens, cached.tokens, "the prefix changes what the model writes");
  model.dispose();
});

Deno.test("PREFIX moves only the prefix parameters, and keeps the computed prefix after", async () => {
  const dir = await Deno.makeTempDir({ prefix: "prefix-" });
  const model = smallModel(await gpu(), 1);
  const attached = PREFIX.attach(model, testContext({ prefixLength: 3, prefixHidden: 8 }));
  const own = attached.params();
  assert.deepEqual([...own.keys()], [
    "prefix.embedding",
    "prefix.mlp.0.weight",
    "prefix.mlp.0.bias",
    "prefix.mlp.2.weight",
    "prefix.mlp.2.bias",
  ]);
  const before = await snapshot([...model.params, ...own]);
  const optimizer = new AdamW(attached.paramGroups());
  await model.gpu.scopeAsync(async () => {
    const { loss } = lmLoss(model, INPUT, { training: true, seed: 2 });
    backward(loss);
    for (const t of model.params.values()) assert.equal(t.grad, null, "GPT-2 gets no gradient");
    optimizer.step();
    await loss.item();
  });
  const after = await snapshot([...model.params, ...own]);
  assert.deepEqual(changed(before, after).sort(), [...own.keys()].sort());
  const trained = await hidden(model);
  await attached.beforeInference!();
  assert.equal(attached.params().size, 0, "the MLP is gone after training");
  assert.ok(maxAbsDiff(await hidden(model), trained) <= 1e-5, "computed prefix = reparametrised");
  await attached.save!(dir);
  const saved = await readSafetensors(join(dir, PREFIX_PEFT_FILES.weights));
  assert.deepEqual([...saved.keys()], ["prompt_embeddings"]);
  assert.deepEqual(saved.get("prompt_embeddings")!.shape, [3, 2 * 2 * 32]); // (P, 2·L·C)
  const config = JSON.parse(await Deno.readTextFile(join(dir, PREFIX_PEFT_FILES.config)));
  assert.equal(config.peft_type, "PREFIX_TUNING");
  assert.deepEqual(
    [config.num_virtual_tokens, config.token_dim, config.num_layers, config.num_attention_heads],
    [3, 32, 2, 2],
  );
  optimizer.dispose();
  attached.detach();
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("attachPrefix() throws naming the flag when the prefix leaves no room in the context", async () => {
  const model = smallModel(await gpu(), 1);
  assert.throws(
    () => attachPrefix(model, { length: 64, hidden: 8, seed: 1 }),
    /--prefix-length: .*\[0, 64\).*got 64/,
  );
  const prefix = attachPrefix(model, { length: 60, hidden: 8, seed: 1 });
  assert.equal(model.contextRoom, 4);
  assert.throws(
    () => model.forward({ ids: new Int32Array(5), batch: 1, seqLen: 5 }),
    /65 keys \(60 prefix \+ 0 cached \+ 5 new\) exceed the model's context of 64/,
  );
  prefix.detach();
  model.dispose();
});
