/**
 * GPT-2 parity with PyTorch / Hugging Face on a fixture made by
 * ../shared/fixtures/make_parity_fixture.py. Shapes come from the fixture's config.json, so the
 * same test runs on fixtures of any depth, width, head count and context length.
 *
 * It runs on the fixture named by `GPT2_PARITY_FIXTURE` (default ../shared/fixtures/gpt2-tiny) and
 * on every fixture of another shape in tests/fixtures/.
 *
 * Tolerances (f32 on both sides): hidden states and logits 1e-4 relative + 1e-4 absolute (scaled
 * by each tensor's largest magnitude), LM loss 1e-4 relative, gradients 1e-3 relative to each
 * tensor's largest magnitude, AdamW 1e-5 absolute (a 1e-3 step on O(1) values).
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { acquireGpu } from "../kernels/gpu.ts";
import { backward } from "../kernels/autograd.ts";
import { AdamW } from "../kernels/adamw.ts";
import { loadModel } from "../model/load.ts";
import { lmLoss } from "../model/lm_loss.ts";
import { generate } from "../model/generate.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { parityFixtureDir, testNeeds } from "./fixture.ts";

const gpu = await acquireGpu();
const fixturesDir = fileURLToPath(new URL("./fixtures/", import.meta.url));
const shapeFixtures = [...Deno.readDirSync(fixturesDir)].filter((e) => e.isDirectory)
  .map((e) => join(fixturesDir, e.name)).sort();

function report(label: string, actual: ArrayLike<number>, want: ArrayLike<number>, rel: number) {
  assert.equal(actual.length, want.length, `${label}: length`);
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  console.log(`  ${label}: max |diff| ${maxDiff.toExponential(2)} (scale ${scale.toPrecision(3)})`);
  assert.ok(maxDiff <= rel * scale + 1e-6, `${label}: max diff ${maxDiff} over ${rel}·${scale}`);
}

/** Registers the parity tests of one fixture directory. */
async function parityTests(dir: string): Promise<void> {
  const expected = JSON.parse(await Deno.readTextFile(join(dir, "expected.json")));
  const B = expected.input_ids.length;
  const T = expected.input_ids[0].length;
  const ids = Int32Array.from(expected.input_ids.flat());
  const mask = Float32Array.from(expected.attention_mask.flat());
  const fixture = basename(dir);

  async function fresh(): Promise<GPT2> {
    return await loadModel(dir, { gpu, configOverrides: {} });
  }

  Deno.test(`${fixture}: GPT-2 hidden states and logit probes equal PyTorch's`, async () => {
    const model = await fresh();
    const C = model.config.nEmbd;
    const V = model.config.vocabSize;
    const { hidden } = gpu.noGrad(() => model.forward({ ids, batch: B, seqLen: T, mask }));
    const h = await hidden.readFloat();
    const logits = await gpu.noGrad(() => model.logits(hidden)).readFloat();
    for (let b = 0; b < B; b++) {
      const rows = expected.hidden_states[b] as number[][];
      const got = rows.flatMap((_, t) => [...h.subarray((b * T + t) * C, (b * T + t + 1) * C)]);
      report(`hidden_states[${b}]`, got, rows.flat(), 1e-4);
    }
    const probes = expected.logit_probe_ids as number[];
    for (const entry of expected.logits) {
      const row = logits.subarray((entry.b * T + entry.t) * V, (entry.b * T + entry.t + 1) * V);
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let s = 0;
      for (const v of row) s += Math.exp(v - max);
      const top5 = [...row.keys()].sort((x, y) => row[y] - row[x]).slice(0, 5);
      report(`logits b${entry.b} t${entry.t}`, probes.map((i) => row[i]), entry.probe_logits, 1e-4);
      report(`logsumexp b${entry.b} t${entry.t}`, [max + Math.log(s)], [entry.logsumexp], 1e-5);
      assert.deepEqual(top5, entry.top5_ids, `top-5 ids at b${entry.b} t${entry.t}`);
    }
    model.dispose();
  });

  Deno.test(`${fixture}: GPT-2 LM loss, every gradient and every gradient norm equal PyTorch's`, async () => {
    const model = await fresh();
    const { loss } = lmLoss(model, { ids, batch: B, seqLen: T, mask });
    backward(loss);
    report("lm_loss", [await loss.item()], [expected.lm_loss], 1e-5);
    for (const [name, want] of Object.entries(expected.grads)) {
      if (name === "wte.weight[rows]") {
        const { rows, values } = want as { rows: number[]; values: number[][] };
        const g = await model.param("wte.weight").grad!.readFloat();
        const C = model.config.nEmbd;
        report(name, rows.flatMap((r) => [...g.subarray(r * C, (r + 1) * C)]), values.flat(), 1e-3);
      } else if (name.startsWith("wpe.weight[:")) {
        const w = (want as number[][]).flat();
        const g = await model.param("wpe.weight").grad!.readFloat();
        report(name, g.subarray(0, w.length), w, 1e-3);
      } else {
        report(name, await model.param(name).grad!.readFloat(), (want as number[][]).flat(), 1e-3);
      }
    }
    for (const [name, norm] of Object.entries(expected.grad_norms as Record<string, number>)) {
      const g = await model.param(name).grad!.readFloat();
      let s = 0;
      for (const v of g) s += v * v;
      report(`‖∇${name}‖`, [Math.sqrt(s)], [norm], 1e-4);
    }
    model.dispose();
  });

  Deno.test(`${fixture}: GPT-2 AdamW step equals torch.optim.AdamW's`, async () => {
    const model = await fresh();
    const { lr, betas, eps, weight_decay } = expected.adamw.config;
    const opt = new AdamW([{ params: model.trainable(), lr, weightDecay: weight_decay }], {
      betas,
      eps,
    });
    backward(lmLoss(model, { ids, batch: B, seqLen: T, mask }).loss);
    opt.step();
    // Where PyTorch's gradient is float noise (|g| < 1e-6: e.g. the key bias, whose exact gradient
    // is 0 because softmax ignores a constant shift), Adam's first step is ±lr by the noise's
    // sign, so those elements are held to |diff| ≤ 2·lr; every other element to 1e-5.
    for (const [name, want] of Object.entries(expected.adamw.params_after_one_step)) {
      const flat = (want as number[] | number[][]).flat();
      const base = name.replace(/\[.*\]$/, "");
      const gradKey = Object.keys(expected.grads).find((k) => k.replace(/\[.*\]$/, "") === base);
      const grads = gradKey ? (expected.grads[gradKey] as number[] | number[][]).flat() : [];
      const got = (await model.param(base).readFloat()).subarray(0, flat.length);
      const noisy = flat.map((_, i) => Math.abs(grads[i] ?? 1) < 1e-6);
      report(
        `after AdamW ${name}`,
        got.filter((_, i) => !noisy[i]),
        flat.filter((_, i) => !noisy[i]),
        1e-5,
      );
      const worstNoisy = Math.max(0, ...flat.map((w, i) => noisy[i] ? Math.abs(got[i] - w) : 0));
      assert.ok(
        worstNoisy <= 2 * lr,
        `after AdamW ${name}: noise-gradient element moved ${worstNoisy}`,
      );
    }
    opt.dispose();
    model.dispose();
  });

  Deno.test(`${fixture}: GPT-2 greedy decoding with the KV cache equals full recomputation and PyTorch`, async () => {
    const model = await fresh();
    const { prompt, new_tokens, output } = expected.greedy;
    const cached = await generate(model, [prompt], { maxNewTokens: new_tokens, stopTokens: [] });
    const full = await generate(model, [prompt], {
      maxNewTokens: new_tokens,
      stopTokens: [],
      useCache: false,
    });
    assert.deepEqual([...prompt, ...cached.tokens[0]], output, "KV cache vs PyTorch");
    assert.deepEqual(full.tokens[0], cached.tokens[0], "full recomputation vs KV cache");
    model.dispose();
  });
}

const needs = testNeeds(import.meta.url);
if (needs.parityFixture().ignore) {
  Deno.test({ name: "gpt2-tiny: GPT-2 parity with PyTorch", ignore: true, fn: () => {} });
  for (const dir of shapeFixtures) await parityTests(dir);
} else {
  for (const dir of [parityFixtureDir(), ...shapeFixtures]) await parityTests(dir);
}
