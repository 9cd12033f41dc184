import assert from "node:assert/strict";
import { formatSelectOn, parseSelectOn, selectionMetric, selectionSplit } from "./selection.ts";

Deno.test("parseSelectOn() reads dev and heldout:FRACTION and rejects anything else", () => {
  assert.deepEqual(parseSelectOn("dev"), { source: "dev" });
  assert.deepEqual(parseSelectOn("heldout:0.1"), { source: "heldout", fraction: 0.1 });
  assert.deepEqual(parseSelectOn("heldout:.25"), { source: "heldout", fraction: 0.25 });
  for (const bad of ["heldout", "heldout:0", "heldout:1", "heldout:1.5", "heldout:-0.1", "test"]) {
    assert.throws(() => parseSelectOn(bad), /expected dev or heldout:FRACTION/, bad);
  }
  assert.equal(formatSelectOn(parseSelectOn("heldout:0.2")), "heldout:0.2");
});

Deno.test("selectionSplit() holds out a seeded fraction that never overlaps the training examples", () => {
  for (
    const [size, fraction, seed] of [[1707, 0.1, 11711], [131, 0.1, 1], [8, 0.25, 5], [2, 0.1, 3]]
  ) {
    const { train, heldout } = selectionSplit(size, { source: "heldout", fraction }, seed);
    const expected = Math.min(size - 1, Math.max(1, Math.round(size * fraction)));
    assert.equal(heldout.length, expected, `size ${size}`);
    const trainSet = new Set(train);
    assert.ok(heldout.every((i) => !trainSet.has(i)), `size ${size}: a held-out index trains`);
    assert.deepEqual([...train, ...heldout].sort((a, b) => a - b), [...Array(size).keys()]);
  }
});

Deno.test("selectionSplit() gives the same split for the same seed and another for another seed", () => {
  const h = (seed: number) =>
    selectionSplit(500, { source: "heldout", fraction: 0.1 }, seed).heldout;
  assert.deepEqual(h(7), h(7));
  assert.notDeepEqual(h(7), h(8));
  // not simply the first or last examples of the file
  assert.notDeepEqual(h(7), [...Array(50).keys()]);
  assert.notDeepEqual(h(7), [...Array(50).keys()].map((i) => 450 + i));
});

Deno.test("selectionSplit() on dev trains on every example and holds none out", () => {
  assert.deepEqual(selectionSplit(4, { source: "dev" }, 1), { train: [0, 1, 2, 3], heldout: [] });
});

Deno.test("selectionSplit() names the flag when there are too few examples to hold any out", () => {
  assert.throws(
    () => selectionSplit(1, { source: "heldout", fraction: 0.5 }, 1),
    /--select-on=heldout:0\.5: needs at least 2 training examples.*got 1/,
  );
});

Deno.test("selectionMetric() renames the dev metric for held-out selection", () => {
  assert.equal(selectionMetric("dev_accuracy", { source: "dev" }), "dev_accuracy");
  assert.equal(
    selectionMetric("dev_perplexity", { source: "heldout", fraction: 0.1 }),
    "heldout_perplexity",
  );
});
