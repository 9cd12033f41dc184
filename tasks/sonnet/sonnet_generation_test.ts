import assert from "node:assert/strict";
import { acquireGpu } from "../../kernels/gpu.ts";
import { smallModel } from "../../tests/small_model.ts";
import type { Sonnet } from "../data/sonnet_data.ts";
import { SONNET_DEFAULTS } from "./sonnet.ts";
import {
  generateSonnets,
  generateSonnetSamples,
  sampleBatches,
  sampleFileName,
  sampleGroups,
} from "./sonnet_generation.ts";

Deno.test("sampleGroups() keeps sample 0 alone, then fills a batch with samples of the same prompts", () => {
  assert.deepEqual(sampleGroups(12, 1, 12), [[0]]);
  assert.deepEqual(sampleGroups(12, 3, 12), [[0], [1], [2]]); // 12 prompts fill a batch
  assert.deepEqual(sampleGroups(2, 8, 12), [[0], [1, 2, 3, 4, 5, 6], [7]]); // 6 × 2 = 12
  assert.deepEqual(sampleGroups(5, 4, 12), [[0], [1, 2], [3]]); // ⌊12 / 5⌋ = 2
  assert.deepEqual(sampleGroups(13, 2, 12), [[0], [1]]); // chunks of 12 and 1: one per group
  assert.throws(() => sampleGroups(2, 0), /samples must be an integer in \[1, 65536\], got 0/);
  assert.throws(() => sampleGroups(2, 1.5), /samples must be an integer/);
  assert.throws(() => sampleGroups(2, 2, 0), /batchSize must be an integer/);
});

Deno.test("sampleBatches() holds each chunk's prompts once per sample of the group, within the batch size", () => {
  assert.deepEqual(sampleBatches(2, [1, 2], 12), [[
    { prompt: 0, sample: 1 },
    { prompt: 1, sample: 1 },
    { prompt: 0, sample: 2 },
    { prompt: 1, sample: 2 },
  ]]);
  const thirteen = sampleBatches(13, [0], 12);
  assert.deepEqual(thirteen.map((b) => b.length), [12, 1]);
  assert.deepEqual(thirteen[1], [{ prompt: 12, sample: 0 }]);
  for (const [p, n] of [[2, 8], [5, 4], [12, 3], [13, 2]]) {
    for (const group of sampleGroups(p, n, 12)) {
      for (const batch of sampleBatches(p, group, 12)) assert.ok(batch.length <= 12, `${p}, ${n}`);
    }
  }
  assert.deepEqual(sampleBatches(0, [0], 12), []);
});

Deno.test("sampleFileName() keeps the file for sample 0 and numbers the others from 2", () => {
  assert.equal(sampleFileName("generated_sonnets_dev.txt", 0), "generated_sonnets_dev.txt");
  assert.equal(sampleFileName("generated_sonnets_dev.txt", 1), "generated_sonnets_dev_sample2.txt");
  assert.equal(sampleFileName("runs/a.b/out", 9), "runs/a.b/out_sample10");
  assert.throws(() => sampleFileName("x.txt", -1), /sample must be an integer/);
});

const prompt = (number: number, lines: string[]): Sonnet => ({
  number,
  text: lines.join("\n"),
  lines,
  line: 1,
});
const PROMPTS = [
  prompt(132, ["Thine eyes I love,", "and they as pitying me,", "Knowing thy heart"]),
  prompt(133, ["Beshrew that heart", "that makes my heart to groan", "For that deep wound"]),
];
// A few tokens per sonnet at a high temperature: the random model's next-token distribution is
// nearly flat, so two samples agreeing by chance is vanishingly unlikely.
const SETTINGS = { ...SONNET_DEFAULTS.generation!, maxNewTokens: 6, temperature: 1.5 };

Deno.test("generateSonnetSamples() gives sample 0 the one-sample text, other samples other texts", async () => {
  const gpu = await acquireGpu();
  const model = smallModel(gpu, 3, { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 });
  try {
    const one = await generateSonnets(model, PROMPTS, SETTINGS, 7);
    const [first, second, third] = await generateSonnetSamples(
      model,
      PROMPTS,
      SETTINGS,
      7,
      [0, 1, 2],
    );
    assert.deepEqual(first, one, "sample 0 in a batch of 6 equals the one-sample run");
    for (const set of [first, second, third]) {
      assert.deepEqual(set.map((s) => s.number), [132, 133]);
      set.forEach((s, i) => assert.ok(s.text.startsWith(PROMPTS[i].text + "\n"), s.text));
    }
    for (const i of [0, 1]) {
      const texts = new Set([first[i].text, second[i].text, third[i].text]);
      assert.equal(texts.size, 3, `prompt ${i}: the three samples differ`);
    }
    // Sample 2 of prompt 1 is the same alone (a group of its own) as beside other samples.
    const [alone] = await generateSonnetSamples(model, PROMPTS, SETTINGS, 7, [2]);
    assert.deepEqual(alone, third);
    // Another seed, another sample 0.
    const other = await generateSonnets(model, PROMPTS, SETTINGS, 8);
    assert.notDeepEqual(other, one);
  } finally {
    model.dispose();
  }
});
