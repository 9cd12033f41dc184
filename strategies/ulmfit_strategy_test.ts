import assert from "node:assert/strict";
import { AdamW } from "../kernels/adamw.ts";
import { backward, zeroGrad } from "../kernels/autograd.ts";
import { crossEntropy } from "../kernels/cross_entropy.ts";
import type { Tensor } from "../kernels/tensor.ts";
import { testGpu } from "../kernels/testing.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { classify, createClassifierHead } from "../tasks/classification/classifier_head.ts";
import { smallModel } from "../tests/small_model.ts";
import { applyGradualUnfreezing, ulmfit, ulmfitParamGroups } from "./ulmfit_strategy.ts";

const gpu = testGpu();
const INPUT = {
  ids: Int32Array.from([464, 3797, 318, 922, 40, 588, 50256, 50256]),
  mask: Float32Array.from([1, 1, 1, 1, 1, 1, 0, 0]),
  batch: 2,
  seqLen: 4,
};

/** The layer group each parameter name of the 2-block model belongs to, by hand. */
function expectedGroup(name: string): string {
  if (name.startsWith("wte.") || name.startsWith("wpe.")) return "embeddings";
  if (name.startsWith("h.0.")) return "h.0";
  if (name.startsWith("h.1.") || name.startsWith("ln_f.")) return "h.1+ln_f";
  if (name.startsWith("head.")) return "head";
  throw new Error(`unexpected parameter ${name}`);
}

/** Names of the parameters that require gradients. */
function trainableNames(model: GPT2, extras: Map<string, Tensor>): string[] {
  return [...model.params, ...extras].filter(([, t]) => t.requiresGrad).map(([n]) => n).sort();
}

/** Host copies of every parameter, by name. */
async function snapshot(all: [string, Tensor][]): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of all) out.set(name, await t.readFloat());
  return out;
}

/** One forward/backward/AdamW step on INPUT, as the trainer takes it. */
async function step(model: GPT2, head: ReturnType<typeof createClassifierHead>, opt: AdamW) {
  await model.gpu.scopeAsync(async () => {
    const loss = crossEntropy(classify(model, head, INPUT, { training: true, seed: 1 }), [1, 0]);
    backward(loss);
    opt.step();
    await loss.item();
  });
}

Deno.test("ulmfitParamGroups() gives each layer group lr / 2.6^(distance from the top)", async () => {
  const g = await gpu();
  const model = smallModel(g, 1);
  const head = createClassifierHead(g, 32, 5, { seed: 1 });
  const groups = ulmfitParamGroups(model, head.params(), 1e-3, { weightDecay: 0.01 });
  assert.deepEqual(groups.map((x) => x.name), ["embeddings", "h.0", "h.1+ln_f", "head"]);
  const want = [1e-3 / 2.6 ** 3, 1e-3 / 2.6 ** 2, 1e-3 / 2.6, 1e-3];
  groups.forEach((x, i) => {
    assert.ok(Math.abs(x.lr - want[i]) < 1e-18, `${x.name}: lr ${x.lr}, expected ${want[i]}`);
    assert.equal(x.weightDecay, 0.01);
  });
  const all = [...model.params, ...head.params()];
  const placed = groups.flatMap((x) => x.params.map((p) => [p.name, x.name!]));
  assert.equal(placed.length, all.length, "every parameter exactly once");
  for (const [name, group] of placed) assert.equal(group, expectedGroup(name), name);
  const factor2 = ulmfitParamGroups(model, head.params(), 0.8, { factor: 2 });
  assert.deepEqual(factor2.map((x) => x.lr), [0.1, 0.2, 0.4, 0.8]);
  const stray = new Map([["adapter.weight", head.weight]]);
  assert.throws(
    () => ulmfitParamGroups(model, stray, 1e-3),
    /parameter 'adapter.weight' belongs to no layer group/,
  );
  head.dispose();
  model.dispose();
});

Deno.test("applyGradualUnfreezing() trains one more group from the top each epoch", async () => {
  const g = await gpu();
  const model = smallModel(g, 1);
  const head = createClassifierHead(g, 32, 2, { seed: 1 });
  const extras = head.params();
  const all = [...model.params.keys(), ...extras.keys()];
  const inGroups = (names: string[]) => all.filter((n) => names.includes(expectedGroup(n))).sort();
  const schedule = [
    ["head"],
    ["h.1+ln_f", "head"],
    ["h.0", "h.1+ln_f", "head"],
    ["embeddings", "h.0", "h.1+ln_f", "head"],
    ["embeddings", "h.0", "h.1+ln_f", "head"],
  ];
  for (const [epoch, groups] of schedule.entries()) {
    assert.deepEqual(applyGradualUnfreezing(model, extras, epoch), groups, `epoch ${epoch}`);
    assert.deepEqual(trainableNames(model, extras), inGroups(groups), `epoch ${epoch}`);
  }
  // going back to epoch 0 (a resumed run) freezes again
  applyGradualUnfreezing(model, extras, 0);
  assert.deepEqual(trainableNames(model, extras), ["head.bias", "head.weight"]);
  head.dispose();
  model.dispose();
});

Deno.test("ulmfit() leaves frozen parameters unchanged and without gradients after a step", async () => {
  const g = await gpu();
  const model = smallModel(g, 2, { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 });
  const head = createClassifierHead(g, 32, 2, { seed: 2 });
  const extras = head.params();
  const u = ulmfit(model, extras, { lr: 1e-2 });
  assert.deepEqual(trainableNames(model, extras), ["head.bias", "head.weight"], "epoch 0 at once");
  const opt = new AdamW(u.groups);
  const all = [...model.params, ...extras];
  const changed = async (before: Map<string, Float32Array>) => {
    const after = await snapshot(all);
    return all.map(([n]) => n).filter((n) => after.get(n)!.some((v, i) => v !== before.get(n)![i]))
      .sort();
  };
  const epochs: [number, string[]][] = [[0, ["head"]], [1, ["h.1+ln_f", "head"]]];
  for (const [epoch, moving] of epochs) {
    u.onEpochStart(epoch);
    const before = await snapshot(all);
    await step(model, head, opt);
    const frozen = all.filter(([n]) => !moving.includes(expectedGroup(n)));
    for (const [name, t] of frozen) {
      assert.equal(t.grad, null, `epoch ${epoch}: frozen ${name} has a gradient buffer`);
      assert.equal(opt.hasState(t), false, `epoch ${epoch}: frozen ${name} has AdamW state`);
    }
    // every tensor of the unfrozen groups moved, and nothing else
    const expected = all.map(([n]) => n).filter((n) => moving.includes(expectedGroup(n))).sort();
    assert.deepEqual(await changed(before), expected, `epoch ${epoch}: parameters that moved`);
    zeroGrad(all.map(([, t]) => t));
  }
  opt.dispose();
  head.dispose();
  model.dispose();
});

Deno.test("ulmfit() groups keep the head's rate on top when the discriminative factor is 1", async () => {
  const g = await gpu();
  const model = smallModel(g, 1);
  const head = createClassifierHead(g, 32, 2, { seed: 1 });
  const u = ulmfit(model, head.params(), { lr: 3e-4, factor: 1 });
  assert.deepEqual(u.groups.map((x) => x.lr), [3e-4, 3e-4, 3e-4, 3e-4]);
  assert.throws(
    () => ulmfit(model, head.params(), { lr: 3e-4, factor: 0.5 }),
    /factor must be ≥ 1/,
  );
  head.dispose();
  model.dispose();
});
