import assert from "node:assert/strict";
import {
  discriminativeRates,
  groupOf,
  layerGroups,
  layerwiseRates,
  trainableGroupsAtEpoch,
  unfrozenGroupsAtEpoch,
} from "./ulmfit.ts";

function closeAll(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  actual.forEach((a, i) => {
    assert.ok(Math.abs(a - expected[i]) <= 1e-15, `[${i}]: got ${a}, expected ${expected[i]}`);
  });
}

Deno.test("discriminativeRates() divides each lower group's rate by 2.6 by default", () => {
  closeAll(discriminativeRates(1e-3, 4), [1e-3 / 17.576, 1e-3 / 6.76, 1e-3 / 2.6, 1e-3]);
});

Deno.test("discriminativeRates() uses the factor when one is given", () => {
  closeAll(discriminativeRates(0.8, 3, 2), [0.2, 0.4, 0.8]);
  closeAll(discriminativeRates(0.5, 1), [0.5]);
});

Deno.test("discriminativeRates() throws naming the argument when it is invalid", () => {
  assert.throws(() => discriminativeRates(1e-3, 0), /numGroups must be an integer ≥ 1, got 0/);
  assert.throws(() => discriminativeRates(-1, 3), /baseLr must be > 0, got -1/);
  assert.throws(() => discriminativeRates(1e-3, 3, 0.5), /factor must be ≥ 1, got 0.5/);
});

Deno.test("unfrozenGroupsAtEpoch() adds one group from the top each epoch until all train", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 9].map((e) => unfrozenGroupsAtEpoch(e, 4)), [1, 2, 3, 4, 4, 4]);
  assert.throws(() => unfrozenGroupsAtEpoch(-1, 4), /epoch must be an integer ≥ 0, got -1/);
});

Deno.test("trainableGroupsAtEpoch() marks only the head trainable when epoch is 0", () => {
  assert.deepEqual(trainableGroupsAtEpoch(0, 4), [false, false, false, true]);
  assert.deepEqual(trainableGroupsAtEpoch(2, 4), [false, true, true, true]);
  assert.deepEqual(trainableGroupsAtEpoch(7, 3), [true, true, true]);
});

Deno.test("layerGroups() lists embeddings, one group per block with ln_f on the last, head", () => {
  assert.deepEqual(layerGroups(3), [
    { name: "embeddings", prefixes: ["wte", "wpe"], blocks: [] },
    { name: "h.0", prefixes: ["h.0"], blocks: [0] },
    { name: "h.1", prefixes: ["h.1"], blocks: [1] },
    { name: "h.2+ln_f", prefixes: ["h.2", "ln_f"], blocks: [2] },
    { name: "head", prefixes: ["head"], blocks: [] },
  ]);
  assert.equal(layerGroups(12).length, 14);
});

Deno.test("layerGroups() merges consecutive blocks when blocksPerGroup is set", () => {
  const groups = layerGroups(5, { blocksPerGroup: 2, headPrefixes: ["classifier"] });
  assert.deepEqual(groups.map((g) => g.name), [
    "embeddings",
    "h.0-h.1",
    "h.2-h.3",
    "h.4+ln_f",
    "head",
  ]);
  assert.deepEqual(groups[2].prefixes, ["h.2", "h.3"]);
  assert.deepEqual(groups[4].prefixes, ["classifier"]);
});

Deno.test("groupOf() finds a parameter's group by prefix when names have a dot boundary", () => {
  const groups = layerGroups(12);
  assert.equal(groupOf("wte.weight", groups), 0);
  assert.equal(groupOf("wpe.weight", groups), 0);
  assert.equal(groupOf("h.1.mlp.c_fc.bias", groups), 2); // not h.10 or h.11
  assert.equal(groupOf("h.10.ln_1.weight", groups), 11);
  assert.equal(groupOf("transformer.h.11.attn.c_proj.weight", groups), 12);
  assert.equal(groupOf("ln_f.weight", groups), 12);
  assert.equal(groupOf("head.weight", groups), 13);
  assert.equal(groupOf("lm_head.weight", groups), -1);
});

Deno.test("layerwiseRates() gives 0.5× below the middle, 1× above and 2× to the head", () => {
  // 4 blocks: groups [emb, h.0, h.1, h.2, h.3+ln_f, head]; lower = h.0, h.1
  closeAll(layerwiseRates(1e-5, 4), [5e-6, 5e-6, 5e-6, 1e-5, 1e-5, 2e-5]);
  // 3 blocks: lower half is ⌊3/2⌋ = 1 block
  closeAll(layerwiseRates(1, 3), [0.5, 0.5, 1, 1, 2]);
});

Deno.test("layerwiseRates() uses the scales when they are given", () => {
  closeAll(layerwiseRates(1, 2, { lower: 0.1, upper: 0.3, head: 5 }), [0.1, 0.1, 0.3, 5]);
  assert.throws(() => layerwiseRates(1, 2, { head: -1 }), /head must be ≥ 0, got -1/);
});
