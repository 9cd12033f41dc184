/**
 * AdamW (kernels/adamw.ts, on the GPU) against torch.optim.AdamW over 6 steps: two parameter
 * groups whose learning rates and weight decays change between steps, gradients near eps and
 * exactly 0, and a parameter that gets its first gradient at step 3. The fixture
 * (tests/fixtures/adamw_steps.json) is written by tests/fixtures/make_adamw_fixture.py with
 * Debian's python3-torch; read it for the exact semantics.
 *
 * Tolerances (f32 on both sides): after every step, every parameter value within 2e-7 × the
 * tensor's largest |value| (about two f32 ulps) plus 1e-4 × the step's largest |update|; the
 * final moments (exp_avg, exp_avg_sq) within 1e-6 × the tensor's largest moment; each
 * parameter's own step count exact. The second test replays the fixture with the f64 CPU
 * reference and shows that the bounds hold for it and reject a global step count (the late
 * parameter's bias correction), swapped betas and β2 = 0.999 (each hundreds of times the bound).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { AdamW, adamwStepCpu } from "../kernels/adamw.ts";
import { acquireGpu } from "../kernels/gpu.ts";
import { type Tensor, tensorFrom } from "../kernels/tensor.ts";
import { compareToReference, formatComparison } from "./parity_compare.ts";

interface AdamwFixture {
  betas: [number, number];
  eps: number;
  shapes: Record<string, number[]>;
  groups: { name: string; params: string[] }[];
  initial: Record<string, number[]>;
  steps: {
    step: number;
    groups: { lr: number; weight_decay: number }[];
    grads: Record<string, number[]>;
    params_after: Record<string, number[]>;
  }[];
  final_state: Record<string, { step: number; exp_avg: number[]; exp_avg_sq: number[] }>;
}

/** The per-step bound of the module doc for one parameter after one step. */
function stepBound(want: number[], before: number[]): number {
  let scale = 0;
  let maxUpdate = 0;
  want.forEach((w, i) => {
    scale = Math.max(scale, Math.abs(w));
    maxUpdate = Math.max(maxUpdate, Math.abs(w - before[i]));
  });
  return 2e-7 * scale + 1e-4 * maxUpdate;
}

const fixturePath = fileURLToPath(new URL("./fixtures/adamw_steps.json", import.meta.url));
const fixture: AdamwFixture = JSON.parse(Deno.readTextFileSync(fixturePath));
const gpu = await acquireGpu();

Deno.test("AdamW.step() equals torch.optim.AdamW over 6 steps with two groups and a schedule", async () => {
  assert.ok(fixture.steps.length >= 5, "the fixture holds at least 5 steps");
  const params = new Map<string, Tensor>();
  for (const [name, shape] of Object.entries(fixture.shapes)) {
    params.set(name, tensorFrom(gpu, fixture.initial[name], shape, { name, requiresGrad: true }));
  }
  const opt = new AdamW(
    fixture.groups.map((g, gi) => ({
      name: g.name,
      params: g.params.map((n) => params.get(n)!),
      lr: fixture.steps[0].groups[gi].lr,
      weightDecay: fixture.steps[0].groups[gi].weight_decay,
    })),
    { betas: fixture.betas, eps: fixture.eps },
  );
  let before = fixture.initial;
  for (const step of fixture.steps) {
    for (const [name, p] of params) {
      p.grad?.dispose();
      const g = step.grads[name];
      p.grad = g ? tensorFrom(gpu, g, p.shape) : null;
    }
    step.groups.forEach((g, gi) => {
      opt.groups[gi].lr = g.lr;
      opt.groups[gi].weightDecay = g.weight_decay;
    });
    opt.step();
    console.log(`step ${step.step}:`);
    for (const [name, p] of params) {
      const want = step.params_after[name];
      const got = await p.readFloat();
      const c = compareToReference(`${name} after step ${step.step}`, got, want, {
        scaled: Infinity,
        rtol: 0,
        atolScaled: 0,
      });
      console.log(formatComparison(c));
      const bound = stepBound(want, before[name]);
      assert.ok(c.maxAbsDiff <= bound, `${c.label}: max |diff| ${c.maxAbsDiff} over ${bound}`);
    }
    before = step.params_after;
  }
  const state = await opt.exportState();
  for (const [name, want] of Object.entries(fixture.final_state)) {
    const got = state.moments.get(name);
    assert.ok(got, `${name}: AdamW kept no moments`);
    assert.equal(got.step, want.step, `${name}: own step count`);
    for (const [key, ours] of [["exp_avg", got.m], ["exp_avg_sq", got.v]] as const) {
      const c = compareToReference(`${name} ${key}`, ours, want[key], { scaled: 1e-6 });
      console.log(formatComparison(c));
      assert.ok(c.ok, c.failure);
    }
  }
  opt.dispose();
  for (const p of params.values()) {
    p.grad?.dispose();
    p.dispose();
  }
});

/**
 * Replays the fixture's steps with the f64 CPU reference; `globalStep` uses the optimizer's
 * step count for every parameter (ignoring that "no_decay.late" starts at step 3), `betas`
 * overrides the fixture's. Returns the largest ratio of |diff| to the step bound over all steps.
 */
function replayWorstRatio(
  { globalStep = false, betas = fixture.betas }: { globalStep?: boolean; betas?: [number, number] },
): number {
  const names = Object.keys(fixture.shapes);
  const p = new Map(names.map((n) => [n, Float64Array.from(fixture.initial[n])]));
  const m = new Map(names.map((n) => [n, new Float64Array(fixture.initial[n].length)]));
  const v = new Map(names.map((n) => [n, new Float64Array(fixture.initial[n].length)]));
  const own = new Map(names.map((n) => [n, 0]));
  let before = fixture.initial;
  let worst = 0;
  for (const step of fixture.steps) {
    fixture.groups.forEach((group, gi) => {
      const { lr, weight_decay: wd } = step.groups[gi];
      for (const n of group.params) {
        const g = step.grads[n];
        if (!g) continue;
        own.set(n, own.get(n)! + 1);
        const t = globalStep ? step.step : own.get(n)!;
        adamwStepCpu([p.get(n)!], [g], [m.get(n)!], [v.get(n)!], t, {
          lr,
          wd,
          betas,
          eps: fixture.eps,
        });
      }
    });
    for (const n of names) {
      const want = step.params_after[n];
      const c = compareToReference(n, p.get(n)!, want, { scaled: Infinity });
      worst = Math.max(worst, c.maxAbsDiff / stepBound(want, before[n]));
    }
    before = step.params_after;
  }
  return worst;
}

Deno.test("adamwStepCpu() replays the fixture within the bounds only with per-parameter steps and its betas", () => {
  const exact = replayWorstRatio({});
  const global = replayWorstRatio({ globalStep: true });
  const swapped = replayWorstRatio({ betas: [fixture.betas[1], fixture.betas[0]] });
  const beta2 = replayWorstRatio({ betas: [fixture.betas[0], 0.999] });
  console.log(
    `worst |diff| / bound: f64 reference ${exact.toFixed(3)}, global step count ` +
      `${global.toFixed(1)}, betas swapped ${swapped.toFixed(1)}, β2 0.999 ${beta2.toFixed(1)}`,
  );
  assert.ok(exact <= 1, `the f64 reference is outside the bound (${exact})`);
  assert.ok(global > 10, `a global step count stays within 10× the bound (${global})`);
  assert.ok(swapped > 10, `swapped betas stay within 10× the bound (${swapped})`);
  assert.ok(beta2 > 10, `β2 = 0.999 stays within 10× the bound (${beta2})`);
});
