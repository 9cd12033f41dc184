import assert from "node:assert/strict";
import { join } from "node:path";
import { testGpu } from "../kernels/testing.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { smallModel } from "../tests/small_model.ts";
import { LORA } from "./lora.ts";
import { PREFIX } from "./prefix.ts";
import { PREFIX_OFFSET } from "./prefix_offset.ts";
import { loadSavedAdapter } from "./saved_adapter.ts";
import type { Strategy } from "./strategy.ts";
import { testContext } from "./strategy_testing.ts";

const gpu = testGpu();
const INPUT = { ids: Int32Array.from([464, 3797, 318, 922]), batch: 1, seqLen: 4 };
const NO_DROPOUT = { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 };

async function logits(model: GPT2): Promise<Float32Array> {
  return await model.gpu.scopeAsync(() =>
    model.gpu.noGrad(() => model.logits(model.forward(INPUT).hidden)).readFloat()
  );
}

const OPTIONS = { prefixLength: 2, prefixHidden: 8, loraRank: 2 };

for (
  const [strategy, kind] of [
    [LORA, "LORA"],
    [PREFIX, "PREFIX_TUNING"],
    [PREFIX_OFFSET, "HIDDEN_OFFSET"],
  ] as [Strategy, string][]
) {
  Deno.test(`loadSavedAdapter() recognises a saved ${strategy.name} folder as ${kind} and restores its logits`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "adapter-" });
    const model = smallModel(await gpu(), 1, NO_DROPOUT);
    const attached = strategy.attach(model, testContext(OPTIONS));
    if (strategy === LORA) {
      // B = 0 at attachment: give it values so the adapter changes the logits
      for (const [name, t] of attached.params()) {
        if (name.endsWith(".B")) model.gpu.write(t.buffer, 0, new Float32Array(t.size).fill(0.05));
      }
    }
    await attached.beforeInference?.();
    await attached.save!(dir);
    const want = await logits(model);
    attached.detach();
    const base = await logits(model);
    assert.notDeepEqual(base, want, "the adapter changes the logits");
    const loaded = await loadSavedAdapter(model, dir);
    assert.equal(loaded.kind, kind);
    assert.deepEqual(await logits(model), want);
    loaded.detach();
    assert.deepEqual(await logits(model), base);
    model.dispose();
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("loadSavedAdapter() throws naming the file for a missing config or an unknown peft_type", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adapter-" });
  const model = smallModel(await gpu(), 1);
  const configFile = join(dir, "adapter_config.json");
  await assert.rejects(
    () => loadSavedAdapter(model, dir),
    new RegExp(`--adapter: ${configFile.replaceAll("/", "\\/")} not found`),
  );
  await Deno.writeTextFile(configFile, JSON.stringify({ peft_type: "IA3" }));
  await assert.rejects(
    () => loadSavedAdapter(model, dir),
    /adapter_config\.json: peft_type "IA3" is not one this toolkit loads \(LORA, PREFIX_TUNING, HIDDEN_OFFSET\)/,
  );
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});
