import assert from "node:assert/strict";
import { join } from "node:path";
import { AdamW } from "../kernels/adamw.ts";
import { backward } from "../kernels/autograd.ts";
import { maxAbsDiff, randomArray, testGpu } from "../kernels/testing.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { lmLoss } from "../model/lm_loss.ts";
import { readSafetensors } from "../model/safetensors.ts";
import { smallModel } from "../tests/small_model.ts";
import { attachLora, LORA } from "./lora.ts";
import { loadLoraPeft, PEFT_FILES, saveLoraPeft } from "./lora_peft.ts";
import { changed, snapshot, testContext } from "./strategy_testing.ts";

const gpu = testGpu();
const INPUT = {
  ids: Int32Array.from([464, 3797, 318, 922, 40, 588, 11, 257]),
  mask: Float32Array.from([1, 1, 1, 1, 1, 1, 1, 0]),
  batch: 2,
  seqLen: 4,
};
const OPTIONS = { rank: 4, alpha: 8, dropout: 0, targets: ["c_attn", "mlp.c_proj"], seed: 3 };

async function logits(model: GPT2): Promise<Float32Array> {
  return await model.gpu.scopeAsync(() =>
    model.gpu.noGrad(() => model.logits(model.forward(INPUT).hidden)).readFloat()
  );
}

/** Gives every B a random value, so that the adapters change the output. */
function randomizeB(lora: ReturnType<typeof attachLora>): void {
  lora.layers.forEach((l, i) =>
    l.b.gpu.write(l.b.buffer, 0, randomArray(l.b.size, 10 + i, -0.5, 0.5))
  );
}

Deno.test("attachLora() equals the base model exactly when B = 0", async () => {
  const model = smallModel(await gpu(), 1);
  const base = await logits(model);
  const lora = attachLora(model, OPTIONS);
  assert.equal(model.adapters.size, 4); // 2 blocks × 2 targets
  assert.deepEqual(await logits(model), base);
  lora.detach();
  model.dispose();
});

Deno.test("attachLora() merged equals unmerged and unmerge restores the base weights", async () => {
  const model = smallModel(await gpu(), 1);
  const weights = await snapshot(model.params);
  const lora = attachLora(model, OPTIONS);
  randomizeB(lora);
  const before = await logits(model);
  lora.merge();
  assert.equal(model.adapters.size, 0, "merged: no adapter runs");
  const merged = await logits(model);
  assert.ok(maxAbsDiff(before, merged) <= 1e-5, `merged vs unmerged ${maxAbsDiff(before, merged)}`);
  const exported = await model.toHost();
  assert.ok(
    maxAbsDiff(exported.get("h.0.attn.c_attn.weight")!, weights.get("h.0.attn.c_attn.weight")!) >
      1e-3,
    "merging changed the base weight",
  );
  lora.unmerge();
  const restored = await snapshot(model.params);
  for (const [name, w] of weights) {
    assert.ok(maxAbsDiff(w, restored.get(name)!) <= 1e-6, `${name} restored`);
  }
  assert.ok(maxAbsDiff(await logits(model), before) <= 1e-5);
  lora.detach();
  model.dispose();
});

Deno.test("GPT2.exportTensors() merges attached LoRA adapters into the weights", async () => {
  const model = smallModel(await gpu(), 1);
  const lora = attachLora(model, OPTIONS);
  randomizeB(lora);
  const exported = await model.exportTensors();
  lora.merge();
  const merged = await model.toHost();
  for (const [name, w] of merged) {
    assert.ok(maxAbsDiff(w, exported.get(name)!) <= 1e-6, name);
  }
  lora.detach();
  model.dispose();
});

Deno.test("LORA strategy moves only adapter parameters; frozen ones get no grad and no state", async () => {
  const model = smallModel(await gpu(), 1);
  const attached = LORA.attach(model, testContext({ loraRank: 2, loraTargets: ["c_attn"] }));
  const own = attached.params();
  assert.deepEqual([...own.keys()], [
    "lora.h.0.attn.c_attn.A",
    "lora.h.0.attn.c_attn.B",
    "lora.h.1.attn.c_attn.A",
    "lora.h.1.attn.c_attn.B",
  ]);
  const before = await snapshot([...model.params, ...own]);
  const optimizer = new AdamW(attached.paramGroups());
  await model.gpu.scopeAsync(async () => {
    const { loss } = lmLoss(model, INPUT, { training: true, seed: 2 });
    backward(loss);
    for (const t of model.params.values()) assert.equal(t.grad, null, "frozen: no gradient");
    optimizer.step();
    await loss.item();
  });
  const after = await snapshot([...model.params, ...own]);
  // B starts at 0, so A's gradient is 0 at step 1: B moves first, A from step 2 on
  assert.deepEqual(changed(before, after), [
    "lora.h.0.attn.c_attn.B",
    "lora.h.1.attn.c_attn.B",
  ]);
  const state = await optimizer.exportState();
  assert.deepEqual([...state.moments.keys()].sort(), [...own.keys()], "state for adapters only");
  optimizer.dispose();
  attached.detach();
  model.dispose();
});

Deno.test("saveLoraPeft() writes PEFT's keys and config; loadLoraPeft() gives identical logits", async () => {
  const g = await gpu();
  const dir = await Deno.makeTempDir({ prefix: "lora-peft-" });
  try {
    const model = smallModel(g, 1);
    const lora = attachLora(model, OPTIONS);
    randomizeB(lora);
    const want = await logits(model);
    await saveLoraPeft(dir, lora);
    lora.detach();
    // Keys and config fields as PEFT writes them for GPT2LMHeadModel (huggingface/peft,
    // src/peft/utils/save_and_load.py and tuners/lora/config.py): written out by hand here.
    const tensors = await readSafetensors(join(dir, PEFT_FILES.weights));
    const keys = [...tensors.keys()].sort();
    assert.deepEqual(keys, [
      "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight",
      "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight",
      "base_model.model.transformer.h.0.mlp.c_proj.lora_A.weight",
      "base_model.model.transformer.h.0.mlp.c_proj.lora_B.weight",
      "base_model.model.transformer.h.1.attn.c_attn.lora_A.weight",
      "base_model.model.transformer.h.1.attn.c_attn.lora_B.weight",
      "base_model.model.transformer.h.1.mlp.c_proj.lora_A.weight",
      "base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight",
    ]);
    // lora_A is (r, in), lora_B is (out, r): c_attn maps 32 → 96, mlp.c_proj 128 → 32
    assert.deepEqual(tensors.get(keys[0])!.shape, [4, 32]);
    assert.deepEqual(tensors.get(keys[1])!.shape, [96, 4]);
    assert.deepEqual(tensors.get(keys[2])!.shape, [4, 128]);
    assert.deepEqual(tensors.get(keys[3])!.shape, [32, 4]);
    const config = JSON.parse(await Deno.readTextFile(join(dir, PEFT_FILES.config)));
    assert.equal(config.peft_type, "LORA");
    assert.equal(config.task_type, "CAUSAL_LM");
    assert.deepEqual([config.r, config.lora_alpha, config.lora_dropout], [4, 8, 0]);
    assert.deepEqual(config.target_modules, ["c_attn", "mlp.c_proj"]); // PEFT matches by suffix
    assert.equal(config.fan_in_fan_out, true);
    assert.equal(config.bias, "none");
    const loaded = await loadLoraPeft(model, dir);
    assert.deepEqual(await logits(model), want);
    loaded.detach();
    model.dispose();
    const wider = smallModel(g, 1, { nEmbd: 64 });
    await assert.rejects(
      () => loadLoraPeft(wider, dir),
      /adapter_model\.safetensors: '.*h\.0\.attn\.c_attn\.lora_A\.weight' has shape \[4,32\], the model needs \[4,64\]/,
    );
    assert.equal(wider.adapters.size, 0, "nothing stays attached after a failed load");
    wider.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("attachLora() throws naming the flag and value for a bad rank or target", async () => {
  const model = smallModel(await gpu(), 1);
  assert.throws(() => attachLora(model, { ...OPTIONS, rank: 0 }), /--lora-r: .* > 0, got 0/);
  assert.throws(
    () => attachLora(model, { ...OPTIONS, targets: ["c_proj"] }),
    /--lora-targets: "c_proj" is not a GPT-2 linear layer/,
  );
  assert.equal(model.adapters.size, 0);
  model.dispose();
});
