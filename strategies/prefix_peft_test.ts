import assert from "node:assert/strict";
import { join } from "node:path";
import { testGpu } from "../kernels/testing.ts";
import { generate } from "../model/generate.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { smallModel } from "../tests/small_model.ts";
import { PREFIX, PREFIX_PEFT_FILES } from "./prefix.ts";
import { loadPrefixPeft } from "./prefix_peft.ts";
import { testContext } from "./strategy_testing.ts";

const gpu = testGpu();
const NO_DROPOUT = { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 };
const INPUT = {
  ids: Int32Array.from([464, 3797, 318, 922, 40, 588, 50256, 50256]),
  mask: Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0]),
  batch: 2,
  seqLen: 4,
};
const PROMPTS = [[464, 3797, 318], [40]];
const GREEDY = { maxNewTokens: 6, temperature: 0, sample: false, stopTokens: [], useCache: true };

async function logits(model: GPT2): Promise<Float32Array> {
  return await model.gpu.scopeAsync(() =>
    model.gpu.noGrad(() => model.logits(model.forward(INPUT).hidden)).readFloat()
  );
}

/** A prefix-tuned small model's saved folder, with the logits and greedy tokens it gave. */
async function savedPrefix(model: GPT2, dir: string, length = 3) {
  const attached = PREFIX.attach(model, testContext({ prefixLength: length, prefixHidden: 8 }));
  await attached.save!(dir); // keeps the computed prefix, then writes it
  const want = await logits(model);
  const tokens = (await generate(model, PROMPTS, GREEDY)).tokens;
  attached.detach();
  return { want, tokens };
}

Deno.test("loadPrefixPeft() gives the saved prefix's logits and greedy generation exactly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "prefix-peft-" });
  const model = smallModel(await gpu(), 1, NO_DROPOUT);
  const base = await logits(model);
  const { want, tokens } = await savedPrefix(model, dir);
  assert.deepEqual(await logits(model), base, "detached");
  const loaded = await loadPrefixPeft(model, dir);
  assert.equal(model.prefixLength, 3);
  assert.equal(loaded.params().size, 0, "a loaded prefix does not train");
  assert.deepEqual(await logits(model), want);
  assert.deepEqual((await generate(model, PROMPTS, GREEDY)).tokens, tokens);
  loaded.detach();
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadPrefixPeft() throws naming the file and both shapes for another model or prefix length", async () => {
  const dir = await Deno.makeTempDir({ prefix: "prefix-peft-" });
  const model = smallModel(await gpu(), 1, NO_DROPOUT);
  await savedPrefix(model, dir);
  const configFile = join(dir, PREFIX_PEFT_FILES.config);
  for (
    const [overrides, message] of [
      [
        { nLayer: 3 },
        /saved for n_layer 2, n_embd 32, n_head 2; the model has n_layer 3, n_embd 32, n_head 2/,
      ],
      [
        { nEmbd: 64 },
        /saved for n_layer 2, n_embd 32, n_head 2; the model has n_layer 2, n_embd 64, n_head 2/,
      ],
    ] as const
  ) {
    const other = smallModel(await gpu(), 1, overrides);
    await assert.rejects(() => loadPrefixPeft(other, dir), (e: Error) => {
      assert.ok(e.message.startsWith(configFile), e.message);
      assert.match(e.message, message);
      return true;
    });
    assert.equal(other.prefixLength, 0, "nothing attached");
    other.dispose();
  }
  // A config that claims 4 virtual tokens beside a table of 3.
  const config = JSON.parse(await Deno.readTextFile(configFile));
  await Deno.writeTextFile(configFile, JSON.stringify({ ...config, num_virtual_tokens: 4 }));
  await assert.rejects(
    () => loadPrefixPeft(model, dir),
    /adapter_model\.safetensors: 'prompt_embeddings' has shape \[3,128\], the model needs \[4,128\] \(prefix length 4/,
  );
  await Deno.writeTextFile(configFile, JSON.stringify({ ...config, peft_type: "LORA" }));
  await assert.rejects(
    () => loadPrefixPeft(model, dir),
    /peft_type is "LORA", not "PREFIX_TUNING"/,
  );
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});
