import assert from "node:assert/strict";
import { testGpu } from "../kernels/testing.ts";
import { TASKS } from "../tasks/registry.ts";
import { defaultConfig } from "../tasks/engine/train_defaults.ts";
import { createClassifierHead } from "../tasks/classification/classifier_head.ts";
import { smallModel } from "../tests/small_model.ts";
import { attachStrategy, findStrategy, STRATEGIES } from "./registry.ts";
import { defaultBlocksPerGroup } from "./ulmfit_strategy.ts";

const gpu = testGpu();

Deno.test("findStrategy() throws naming the value and the known names when unknown", () => {
  assert.throws(() => findStrategy("adapterx"), /"adapterx" is not registered; known: full,/);
});

Deno.test("findStrategy() throws naming the tasks it applies to when the task is not one", () => {
  assert.throws(() => findStrategy("last-linear", "sonnet"), /does not apply to --task=sonnet/);
});

Deno.test("every task row uses a registered strategy that applies to its task", () => {
  for (const task of TASKS) {
    for (const name of Object.keys(task.defaults.strategies)) {
      const c = defaultConfig(task.name, name);
      assert.ok(findStrategy(c.uses).tasks.includes(task.name), `${task.name}/${name}`);
    }
  }
  assert.equal(new Set(STRATEGIES.map((s) => s.name)).size, STRATEGIES.length);
});

Deno.test("defaultBlocksPerGroup() lets every layer group unfreeze within the epochs", () => {
  assert.equal(defaultBlocksPerGroup(12, 10), 2); // 1 + 6 + 1 = 8 groups ≤ 10
  assert.equal(defaultBlocksPerGroup(12, 14), 1); // 14 groups
  assert.equal(defaultBlocksPerGroup(12, 4), 6); // 1 + 2 + 1
  assert.equal(defaultBlocksPerGroup(2, 2), 2); // cannot: one group of all blocks
});

Deno.test("attachStrategy() ulmfit with default groups has every parameter trainable by the last epoch", async () => {
  const g = await gpu();
  for (const epochs of [3, 4, 10]) {
    const model = smallModel(g, 1);
    const head = createClassifierHead(g, 32, 5, { seed: 1 });
    const config = { ...defaultConfig("sst", "ulmfit"), epochs };
    const messages: string[] = [];
    const s = attachStrategy(config, model, head.params(), (m) => messages.push(m));
    const all = [...model.params.values(), ...head.params().values()];
    assert.ok(all.some((t) => !t.requiresGrad), "epoch 0 trains the head only");
    s.onEpochStart!(epochs - 1);
    assert.ok(all.every((t) => t.requiresGrad), `epochs ${epochs}: frozen parameters remain`);
    assert.match(messages.join("\n"), /every group trains by the last epoch/);
    // the study's grouping (one block per group) over 3 epochs leaves the embeddings frozen
    const study = { ...config, options: { ...config.options, ulmfitBlocksPerGroup: 1 } };
    const s1 = attachStrategy(study, model, head.params(), (m) => messages.push(m));
    s1.onEpochStart!(epochs - 1);
    assert.equal(model.param("wte.weight").requiresGrad, epochs >= 4);
    model.dispose();
    head.dispose();
  }
});
