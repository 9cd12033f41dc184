import assert from "node:assert/strict";
import { acquireGpu } from "../kernels/gpu.ts";
import { fileURLToPath } from "node:url";
import { generate } from "./generate.ts";
import { loadModel } from "./load.ts";

const gpu = await acquireGpu();
// A one-layer checkpoint that ships with the tests (24 positions, GPT-2's vocabulary).
const fixture = fileURLToPath(new URL("../tests/fixtures/gpt2-l1-h8-c16-p24", import.meta.url));
const model = await loadModel(fixture, { gpu });
const prompts = [[36879, 24856, 49718, 21496, 38950, 26420], [464, 2068], [1, 2, 3, 4]];

Deno.test("generate() in a batch of different prompt lengths equals one prompt at a time", async () => {
  const batch = await generate(model, prompts, { maxNewTokens: 6, stopTokens: [] });
  for (const [i, p] of prompts.entries()) {
    const alone = await generate(model, [p], { maxNewTokens: 6, stopTokens: [] });
    assert.deepEqual(batch.tokens[i], alone.tokens[0], `prompt ${i}`);
  }
  const uncached = await generate(model, prompts, {
    maxNewTokens: 6,
    stopTokens: [],
    useCache: false,
  });
  assert.deepEqual(uncached.tokens, batch.tokens);
});

Deno.test("generate() samples reproducibly from a seed and stops at a stop token", async () => {
  const a = await generate(model, prompts, { maxNewTokens: 8, temperature: 1, topK: 50, seed: 3 });
  const b = await generate(model, prompts, { maxNewTokens: 8, temperature: 1, topK: 50, seed: 3 });
  assert.deepEqual(a.tokens, b.tokens);
  const greedy = await generate(model, [prompts[0]], { maxNewTokens: 8, stopTokens: [] });
  const stopAt = greedy.tokens[0][2];
  const stopped = await generate(model, [prompts[0]], { maxNewTokens: 8, stopTokens: [stopAt] });
  assert.deepEqual(
    stopped.tokens[0],
    greedy.tokens[0].slice(0, greedy.tokens[0].indexOf(stopAt) + 1),
  );
  assert.equal(stopped.finishReasons[0], "stop");
});

Deno.test("generate() lets a logits processor veto a token", async () => {
  const greedy = await generate(model, [prompts[1]], { maxNewTokens: 4, stopTokens: [] });
  const banned = greedy.tokens[0][0];
  const edited = await generate(model, [prompts[1]], {
    maxNewTokens: 4,
    stopTokens: [],
    processors: [(logits) => void (logits[banned] = -Infinity)],
  });
  assert.ok(!edited.tokens[0].includes(banned));
});

Deno.test("generate() refuses a prompt longer than the context, naming the lengths", async () => {
  const long = Array.from({ length: model.config.nPositions + 1 }, () => 1);
  await assert.rejects(
    generate(model, [long], { maxNewTokens: 1 }),
    /prompt 0 has \d+ tokens, over the context of/,
  );
});
