/**
 * GPT-2 parity with a PyTorch reference on a fixture made by
 * ../shared/fixtures/make_parity_fixture.py: a GPT-2 written in PyTorch with Hugging Face
 * GPT2LMHeadModel's semantics (gelu_new, Conv1D weight orientation, tied head, eps 1e-5).
 * `transformers` itself is not installable here, so the reference is that script, not the HF
 * library. Shapes come from the fixture's config.json, so the same test runs on fixtures of any
 * depth, width, head count and context length.
 *
 * It runs on the fixture named by `GPT2_PARITY_FIXTURE` (default ../shared/fixtures/gpt2-tiny) and
 * on every fixture of another shape in tests/fixtures/. Each compared tensor prints its max and
 * median |diff| (tests/parity_compare.ts).
 *
 * Tolerances (f32 on both sides; "max" is the tensor's largest |reference value|):
 * - hidden states and logit probes: max |diff| ≤ 1e-4 × max; logsumexp and LM loss ≤ 1e-5 × value;
 * - gradients: max |diff| ≤ 2e-5 × max, AND every element |diff| ≤ 1e-3 × |reference| +
 *   5e-6 × max (measured on the three fixtures: up to 1.2e-5 × max, per-element ratio ≤ 0.6);
 *   scaling one gradient tensor, or its largest element, by 1.01 fails this (tested below);
 * - gradient norms: ≤ 1e-4 × the norm;
 * - one AdamW step (lr 1e-3): every parameter value within 1e-6 × max, except elements whose
 *   PyTorch gradient is float noise (see the test). Several AdamW steps with schedules and groups
 *   are checked by tests/adamw_parity_test.ts.
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
import { compareToReference, formatComparison, type ParityTolerance } from "./parity_compare.ts";

const gpu = await acquireGpu();
const fixturesDir = fileURLToPath(new URL("./fixtures/", import.meta.url));
const shapeFixtures = [...Deno.readDirSync(fixturesDir)].filter((e) => e.isDirectory)
  .map((e) => join(fixturesDir, e.name)).sort();

/** Tolerance of every gradient (see the module doc). */
const GRADIENT_TOLERANCE: ParityTolerance = { scaled: 2e-5, rtol: 1e-3, atolScaled: 5e-6 };

function check(
  label: string,
  actual: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: ParityTolerance,
): void {
  const c = compareToReference(label, actual, want, tol);
  console.log(formatComparison(c));
  assert.ok(c.ok, c.failure);
}

/**
 * Checks a gradient against PyTorch's, then that the same check rejects the gradient scaled by
 * 1.01 as a whole and with only its largest-magnitude element scaled by 1.01.
 */
function checkGradient(label: string, actual: ArrayLike<number>, want: ArrayLike<number>): void {
  check(label, actual, want, GRADIENT_TOLERANCE);
  const scaled = Float64Array.from(actual, (v) => v * 1.01);
  const whole = compareToReference(label, scaled, want, GRADIENT_TOLERANCE);
  assert.ok(!whole.ok, `${label}: the check accepts this gradient scaled by 1.01`);
  let top = 0;
  for (let i = 1; i < want.length; i++) if (Math.abs(want[i]) > Math.abs(want[top])) top = i;
  const one = Float64Array.from(actual);
  one[top] *= 1.01;
  const single = compareToReference(label, one, want, GRADIENT_TOLERANCE);
  assert.ok(!single.ok, `${label}: the check accepts element ${top} scaled by 1.01`);
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
      check(`hidden_states[${b}]`, got, rows.flat(), { scaled: 1e-4 });
    }
    const probes = expected.logit_probe_ids as number[];
    for (const entry of expected.logits) {
      const row = logits.subarray((entry.b * T + entry.t) * V, (entry.b * T + entry.t + 1) * V);
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let s = 0;
      for (const v of row) s += Math.exp(v - max);
      const top5 = [...row.keys()].sort((x, y) => row[y] - row[x]).slice(0, 5);
      const at = `b${entry.b} t${entry.t}`;
      check(`logits ${at}`, probes.map((i) => row[i]), entry.probe_logits, { scaled: 1e-4 });
      check(`logsumexp ${at}`, [max + Math.log(s)], [entry.logsumexp], { scaled: 1e-5 });
      assert.deepEqual(top5, entry.top5_ids, `top-5 ids at b${entry.b} t${entry.t}`);
    }
    model.dispose();
  });

  Deno.test(`${fixture}: GPT-2 LM loss, every gradient and every gradient norm equal PyTorch's`, async () => {
    const model = await fresh();
    const { loss } = lmLoss(model, { ids, batch: B, seqLen: T, mask });
    backward(loss);
    check("lm_loss", [await loss.item()], [expected.lm_loss], { scaled: 1e-5 });
    for (const [name, want] of Object.entries(expected.grads)) {
      if (name === "wte.weight[rows]") {
        const { rows, values } = want as { rows: number[]; values: number[][] };
        const g = await model.param("wte.weight").grad!.readFloat();
        const C = model.config.nEmbd;
        checkGradient(
          name,
          rows.flatMap((r) => [...g.subarray(r * C, (r + 1) * C)]),
          values.flat(),
        );
      } else if (name.startsWith("wpe.weight[:")) {
        const w = (want as number[][]).flat();
        const g = await model.param("wpe.weight").grad!.readFloat();
        checkGradient(name, g.subarray(0, w.length), w);
      } else {
        checkGradient(name, await model.param(name).grad!.readFloat(), (want as number[][]).flat());
      }
    }
    for (const [name, norm] of Object.entries(expected.grad_norms as Record<string, number>)) {
      const g = await model.param(name).grad!.readFloat();
      let s = 0;
      for (const v of g) s += v * v;
      check(`‖∇${name}‖`, [Math.sqrt(s)], [norm], { scaled: 1e-4 });
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
    // sign, so those elements are held to |diff| ≤ 2·lr; every other element to 1e-6 × max.
    for (const [name, want] of Object.entries(expected.adamw.params_after_one_step)) {
      const flat = (want as number[] | number[][]).flat();
      const base = name.replace(/\[.*\]$/, "");
      const gradKey = Object.keys(expected.grads).find((k) => k.replace(/\[.*\]$/, "") === base);
      const grads = gradKey ? (expected.grads[gradKey] as number[] | number[][]).flat() : [];
      const got = (await model.param(base).readFloat()).subarray(0, flat.length);
      const noisy = flat.map((_, i) => Math.abs(grads[i] ?? 1) < 1e-6);
      check(
        `after AdamW ${name}`,
        got.filter((_, i) => !noisy[i]),
        flat.filter((_, i) => !noisy[i]),
        { scaled: 1e-6 },
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
