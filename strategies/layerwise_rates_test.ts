import assert from "node:assert/strict";
import { layerwiseRateGroups, TASK_C_SCALES } from "./layerwise_rates.ts";

/** GPT-2's parameter names for `nLayer` blocks (two per block here: enough to place them). */
function names(nLayer: number): string[] {
  const blocks = Array.from(
    { length: nLayer },
    (_, i) => [`h.${i}.ln_1.weight`, `h.${i}.mlp.c_proj.bias`],
  ).flat();
  return ["wte.weight", "wpe.weight", ...blocks, "ln_f.weight", "ln_f.bias"];
}

Deno.test("layerwiseRateGroups() puts h.0–h.5 and embeddings at 0.5×, h.6–h.11 and ln_f at 1×, the head at 2× for GPT-2 124M", () => {
  const groups = layerwiseRateGroups(names(12), ["head.weight", "head.bias"], 12, TASK_C_SCALES);
  assert.deepEqual(groups.map((g) => [g.name, g.scale, g.names.length]), [
    ["lower", 0.5, 2 + 6 * 2],
    ["upper", 1, 6 * 2 + 2],
    ["head", 2, 2],
  ]);
  assert.deepEqual(groups[0].names.slice(0, 3), ["wte.weight", "wpe.weight", "h.0.ln_1.weight"]);
  assert.equal(groups[0].names.at(-1), "h.5.mlp.c_proj.bias");
  assert.equal(groups[1].names[0], "h.6.ln_1.weight");
  assert.deepEqual(groups[1].names.slice(-2), ["ln_f.weight", "ln_f.bias"]);
  assert.deepEqual(groups[2].names, ["head.weight", "head.bias"]);
});

Deno.test("layerwiseRateGroups() splits odd and tiny depths at ⌊L/2⌋ when models are small", () => {
  const block = (
    g: { names: string[] },
  ) => [...new Set(g.names.map((n) => /^h\.(\d+)/.exec(n)?.[1]).filter((v) => v))];
  const two = layerwiseRateGroups(names(2), [], 2, { lower: 0.1, upper: 3, head: 2 });
  assert.deepEqual(two.map((g) => [g.name, g.scale, block(g)]), [
    ["lower", 0.1, ["0"]],
    ["upper", 3, ["1"]],
  ]);
  const three = layerwiseRateGroups(names(3), ["h"], 3, TASK_C_SCALES);
  assert.deepEqual(three.map((g) => block(g)), [["0"], ["1", "2"], []]);
  const one = layerwiseRateGroups(names(1), [], 1, TASK_C_SCALES);
  assert.deepEqual(one[0].names, ["wte.weight", "wpe.weight"]); // no lower block at L = 1
});

Deno.test("layerwiseRateGroups() throws naming the parameter or scale when input is bad", () => {
  assert.throws(
    () => layerwiseRateGroups(["head.weight"], [], 2, TASK_C_SCALES),
    /head\.weight is not a GPT-2 parameter/,
  );
  assert.throws(
    () => layerwiseRateGroups(["h.2.ln_1.weight"], [], 2, TASK_C_SCALES),
    /h\.2\.ln_1\.weight is in block 2, the model has 2/,
  );
  assert.throws(
    () => layerwiseRateGroups([], [], 2, { ...TASK_C_SCALES, head: 0 }),
    /the head scale must be positive, got 0/,
  );
});
