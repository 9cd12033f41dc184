import assert from "node:assert/strict";
import { join } from "node:path";
import { AdamW } from "../kernels/adamw.ts";
import { backward } from "../kernels/autograd.ts";
import { assertClose, maxAbsDiff, randomArray, testGpu } from "../kernels/testing.ts";
import { generate } from "../model/generate.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { lmLoss } from "../model/lm_loss.ts";
import { readSafetensors } from "../model/safetensors.ts";
import { smallModel } from "../tests/small_model.ts";
import { PREFIX_PEFT_FILES } from "./prefix.ts";
import {
  attachComputedOffset,
  attachPrefixOffset,
  loadPrefixOffset,
  OFFSET_KEY,
  PREFIX_OFFSET,
} from "./prefix_offset.ts";
import { changed, snapshot, testContext } from "./strategy_testing.ts";

const gpu = testGpu();
const NO_DROPOUT = { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 };
const INPUT = {
  ids: Int32Array.from([464, 3797, 318, 922, 40, 588, 50256, 50256]),
  mask: Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0]),
  batch: 2,
  seqLen: 4,
};

async function hidden(model: GPT2): Promise<Float32Array> {
  return await model.gpu.scopeAsync(() =>
    model.gpu.noGrad(() => model.forward(INPUT).hidden).readFloat()
  );
}

async function logits(model: GPT2): Promise<Float32Array> {
  return await model.gpu.scopeAsync(() =>
    model.gpu.noGrad(() => model.logits(model.forward(INPUT).hidden)).readFloat()
  );
}

async function lossOf(model: GPT2): Promise<number> {
  return await model.gpu.scopeAsync(() => model.gpu.noGrad(() => lmLoss(model, INPUT).loss).item());
}

Deno.test("attachComputedOffset() with a zero offset leaves the model unchanged at either site", async () => {
  const model = smallModel(await gpu(), 1, NO_DROPOUT);
  const base = await logits(model);
  for (const at of ["final", "blocks"] as const) {
    const offset = attachComputedOffset(model, new Float32Array(32), at, "test");
    assert.deepEqual(await logits(model), base, at);
    offset.detach();
  }
  model.dispose();
});

/** The offset by hand (f64): mean over the P rows of W2ᵀ·tanh(W1ᵀ·e_p + b1) + b2. */
function offsetReference(p: Map<string, Float32Array>, P: number, C: number, Hd: number) {
  const [e, w1, b1, w2, b2] = [
    "embedding",
    "mlp.0.weight",
    "mlp.0.bias",
    "mlp.2.weight",
    "mlp.2.bias",
  ]
    .map((n) => p.get("offset." + n)!);
  const h = Array.from({ length: P }, (_, r) =>
    Array.from({ length: Hd }, (_, j) => {
      let z = b1[j];
      for (let i = 0; i < C; i++) z += e[r * C + i] * w1[i * Hd + j];
      return Math.tanh(z);
    }));
  const o = Array.from({ length: C }, (_, c) => {
    let s = 0;
    for (let r = 0; r < P; r++) for (let j = 0; j < Hd; j++) s += h[r][j] * w2[j * C + c];
    return s / P + b2[c];
  });
  return { h, o, e, w1, w2 };
}

Deno.test("attachPrefixOffset() adds the mean-pooled MLP offset to every final hidden state (CPU reference)", async () => {
  const model = smallModel(await gpu(), 1, NO_DROPOUT);
  const base = await hidden(model);
  const offset = attachPrefixOffset(model, { length: 3, hidden: 8, at: "final", seed: 4 });
  const { o } = offsetReference(await snapshot(offset.params()), 3, 32, 8);
  const shifted = await hidden(model);
  const diff = Array.from(shifted, (v, i) => v - base[i]);
  assertClose(diff, Array.from(shifted, (_, i) => o[i % 32]), "hidden − base", {
    atol: 1e-5,
    rtol: 1e-4,
  });
  offset.detach();
  assert.deepEqual(await hidden(model), base, "detach restores the model");
  model.dispose();
});

Deno.test("PREFIX_OFFSET's gradients equal the chain rule by hand and a finite difference", async () => {
  const model = smallModel(await gpu(), 2, NO_DROPOUT);
  const [P, C, Hd] = [3, 32, 8];
  const attached = PREFIX_OFFSET.attach(model, testContext({ prefixLength: P, prefixHidden: Hd }));
  const own = attached.params();
  const grads = await model.gpu.scopeAsync(async () => {
    const { loss } = lmLoss(model, INPUT);
    backward(loss);
    for (const t of model.params.values()) assert.equal(t.grad, null, "GPT-2 gets no gradient");
    const out = new Map<string, Float32Array>();
    for (const [n, t] of own) out.set(n, await t.grad!.readFloat());
    return out;
  });
  // dL/db2 is dL/do; the rest follows from it by the chain rule through the mean and the MLP.
  const go = grads.get("offset.mlp.2.bias")!;
  const { h, e, w1, w2 } = offsetReference(await snapshot(own), P, C, Hd);
  const gw2 = new Float64Array(Hd * C);
  const gb1 = new Float64Array(Hd);
  const gw1 = new Float64Array(C * Hd);
  const ge = new Float64Array(P * C);
  for (let r = 0; r < P; r++) {
    const dz = h[r].map((hj, j) => {
      let s = 0;
      for (let c = 0; c < C; c++) {
        gw2[j * C + c] += hj * go[c] / P;
        s += w2[j * C + c] * go[c] / P;
      }
      return s * (1 - hj * hj);
    });
    for (let j = 0; j < Hd; j++) {
      gb1[j] += dz[j];
      for (let i = 0; i < C; i++) {
        gw1[i * Hd + j] += e[r * C + i] * dz[j];
        ge[r * C + i] += w1[i * Hd + j] * dz[j];
      }
    }
  }
  const tol = { atol: 1e-6, rtol: 1e-3 };
  assertClose(grads.get("offset.mlp.2.weight")!, gw2, "W2", tol);
  assertClose(grads.get("offset.mlp.0.bias")!, gb1, "b1", tol);
  assertClose(grads.get("offset.mlp.0.weight")!, gw1, "W1", tol);
  assertClose(grads.get("offset.embedding")!, ge, "E", tol);
  // Along the whole gradient g: (L(θ + εĝ) − L(θ − εĝ)) / 2ε ≈ |g|.
  const norm = Math.sqrt(
    [...grads.values()].reduce((a, g) => a + g.reduce((s, x) => s + x * x, 0), 0),
  );
  const values = await snapshot(own);
  const move = (sign: number, eps: number) => {
    for (const [n, t] of own) {
      const g = grads.get(n)!;
      const v = values.get(n)!.map((x, i) => x + sign * eps * g[i] / norm);
      model.gpu.write(t.buffer, 0, v);
    }
  };
  const eps = 1e-2;
  move(1, eps);
  const up = await lossOf(model);
  move(-1, eps);
  const down = await lossOf(model);
  const slope = (up - down) / (2 * eps);
  assert.ok(Math.abs(slope - norm) <= 0.02 * norm, `finite difference ${slope} vs |g| ${norm}`);
  attached.detach();
  model.dispose();
});

Deno.test("PREFIX_OFFSET moves only its parameters; the kept offset saves and loads back with identical logits", async () => {
  const dir = await Deno.makeTempDir({ prefix: "offset-" });
  const model = smallModel(await gpu(), 1);
  const attached = PREFIX_OFFSET.attach(model, testContext({ prefixLength: 3, prefixHidden: 8 }));
  const own = attached.params();
  const before = await snapshot([...model.params, ...own]);
  const optimizer = new AdamW(attached.paramGroups());
  await model.gpu.scopeAsync(async () => {
    const { loss } = lmLoss(model, INPUT, { training: true, seed: 2 });
    backward(loss);
    optimizer.step();
    await loss.item();
  });
  const after = await snapshot([...model.params, ...own]);
  assert.deepEqual(changed(before, after).sort(), [...own.keys()].sort());
  const trained = await logits(model);
  await attached.beforeInference!();
  assert.equal(attached.params().size, 0, "E and the MLP are gone after training");
  const kept = await logits(model);
  assert.ok(maxAbsDiff(kept, trained) <= 1e-4, "computed offset = reparametrised");
  await attached.save!(dir);
  const saved = await readSafetensors(join(dir, PREFIX_PEFT_FILES.weights));
  assert.deepEqual([...saved.keys()], [OFFSET_KEY]);
  assert.deepEqual(saved.get(OFFSET_KEY)!.shape, [32]);
  attached.detach();
  const loaded = await loadPrefixOffset(model, dir);
  assert.deepEqual(await logits(model), kept, "loaded offset = kept offset");
  loaded.detach();
  const wider = smallModel(await gpu(), 1, { nEmbd: 64 });
  await assert.rejects(
    () => loadPrefixOffset(wider, dir),
    /adapter_config\.json: saved for n_layer 2, n_embd 32; the model has n_layer 2, n_embd 64/,
  );
  wider.dispose();
  optimizer.dispose();
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an offset on every block's input: generation with the KV cache equals full recomputation", async () => {
  const model = smallModel(await gpu(), 1, NO_DROPOUT);
  const values = randomArray(32, 9);
  const offset = attachComputedOffset(model, values, "blocks", "test");
  const prompts = [[464, 3797, 318], [40]];
  const options = { maxNewTokens: 6, temperature: 0, sample: false, stopTokens: [] };
  const cached = await generate(model, prompts, { ...options, useCache: true });
  const full = await generate(model, prompts, { ...options, useCache: false });
  assert.deepEqual(cached.tokens, full.tokens);
  offset.detach();
  const plain = await generate(model, prompts, { ...options, useCache: true });
  assert.notDeepEqual(plain.tokens, cached.tokens, "the offset changes what the model writes");
  model.dispose();
});

Deno.test("attachPrefixOffset() throws naming the flag for P < 1 or an unknown site", async () => {
  const model = smallModel(await gpu(), 1);
  assert.throws(
    () => attachPrefixOffset(model, { length: 0, hidden: 8, at: "final", seed: 1 }),
    /--prefix-length: must be an integer ≥ 1, got 0/,
  );
  assert.throws(
    () => attachPrefixOffset(model, { length: 2, hidden: 8, at: "middle" as "final", seed: 1 }),
    /--offset-at: expected final or blocks, got "middle"/,
  );
  assert.throws(
    () => attachComputedOffset(model, new Float32Array(16), "final", "x.json"),
    /x\.json: the offset has shape \[16\], the model needs \[32\]/,
  );
  model.dispose();
});
