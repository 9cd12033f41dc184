import assert from "node:assert/strict";
import { AdamW, adamwStepCpu } from "./adamw.ts";
import { maxChunkElements } from "./dispatch_util.ts";
import { type Tensor, tensorFrom } from "./tensor.ts";
import { assertClose, randomArray, testGpu } from "./testing.ts";
import { parityFixtureDir, testNeeds } from "../tests/fixture.ts";

const gpu = testGpu();

const FIXTURE = parityFixtureDir();
const needs = testNeeds(import.meta.url);

/**
 * PyTorch's single-tensor AdamW written out independently of adamwStepCpu (f64, in place):
 * decay, lerp of m, v update, then p −= (lr / bc1) · m / (√v / √bc2 + eps).
 */
function torchAdamwStep(
  p: Float64Array,
  g: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  t: number,
  lr: number,
  wd: number,
  [b1, b2]: [number, number] = [0.9, 0.999],
  eps = 1e-8,
): void {
  const stepSize = lr / (1 - Math.pow(b1, t));
  const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, t));
  for (let i = 0; i < p.length; i++) {
    p[i] = p[i] * (1 - lr * wd);
    m[i] = m[i] + (g[i] - m[i]) * (1 - b1);
    v[i] = v[i] * b2 + (1 - b2) * (g[i] * g[i]);
    p[i] = p[i] - stepSize * (m[i] / (Math.sqrt(v[i]) / bc2Sqrt + eps));
  }
}

/** Gradients with some entries near eps in size, so that where eps is added matters. */
function gradAt(n: number, seed: number): Float32Array {
  const g = randomArray(n, seed, -2, 2);
  for (let i = 0; i < n; i += 5) g[i] *= 1e-8;
  return g;
}

const SIZES: [string, number[]][] = [["a", [300]], ["b", [1]], ["c", [3, 86]], ["d", [7]]];

function makeParams(g: Awaited<ReturnType<typeof gpu>>): Map<string, Tensor> {
  return new Map(SIZES.map(([name, shape], k) => {
    const n = shape.reduce((x, y) => x * y, 1);
    return [name, tensorFrom(g, randomArray(n, 10 + k), shape, { name, requiresGrad: true })];
  }));
}

/** Two groups: a, b (lr 1e-2, wd 0.1) and c, d (lr 3e-3, wd 0); d stays frozen (no grad). */
function makeOptimizer(ps: Map<string, Tensor>): AdamW {
  return new AdamW([
    { params: [ps.get("a")!, ps.get("b")!], lr: 1e-2, weightDecay: 0.1, name: "decay" },
    { params: [ps.get("c")!, ps.get("d")!], lr: 3e-3, weightDecay: 0, name: "no_decay" },
  ]);
}

/** Gives a, b, c fresh gradients for step t (1-based) and sets the schedule's lr. */
function prepareStep(opt: AdamW, ps: Map<string, Tensor>, t: number): void {
  for (const name of ["a", "b", "c"]) {
    const p = ps.get(name)!;
    p.grad?.dispose();
    p.grad = tensorFrom(p.gpu, gradAt(p.size, 100 * t + name.charCodeAt(0)), p.shape);
  }
  opt.groups[0].lr = 1e-2 * (t <= 2 ? 1 : 0.5); // a schedule changing lr mid-run
}

async function readAll(ps: Map<string, Tensor>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [k, p] of ps) out.set(k, await p.readFloat());
  return out;
}

Deno.test("AdamW.step() equals a hand-written PyTorch update over 4 steps and two groups", async () => {
  const g = await gpu();
  const ps = makeParams(g);
  const opt = makeOptimizer(ps);
  const start = await readAll(ps);
  const ref = new Map([...start].map(([k, x]) => [k, Float64Array.from(x)]));
  const cpu = new Map([...start].map(([k, x]) => [k, Float64Array.from(x)]));
  const moments = (
    k: string,
  ) => [new Float64Array(ps.get(k)!.size), new Float64Array(ps.get(k)!.size)];
  const mvRef = new Map(["a", "b", "c"].map((k) => [k, moments(k)]));
  const mvCpu = new Map(["a", "b", "c"].map((k) => [k, moments(k)]));
  for (let t = 1; t <= 4; t++) {
    prepareStep(opt, ps, t);
    opt.step();
    for (const k of ["a", "b", "c"]) {
      const group = k === "c" ? opt.groups[1] : opt.groups[0];
      const grad = gradAt(ps.get(k)!.size, 100 * t + k.charCodeAt(0));
      const [m, v] = mvRef.get(k)!;
      torchAdamwStep(ref.get(k)!, grad, m, v, t, group.lr, group.weightDecay);
      const [mc, vc] = mvCpu.get(k)!;
      adamwStepCpu([cpu.get(k)!], [grad], [mc], [vc], t, {
        lr: group.lr,
        wd: group.weightDecay,
        betas: [0.9, 0.999],
        eps: 1e-8,
      });
    }
  }
  assert.equal(opt.stepCount, 4);
  const got = await readAll(ps);
  for (const k of ["a", "b", "c"]) {
    assertClose(got.get(k)!, ref.get(k)!, `param ${k} after 4 steps`, { atol: 1e-6, rtol: 1e-5 });
    assertClose(cpu.get(k)!, ref.get(k)!, `adamwStepCpu ${k}`, { atol: 1e-12, rtol: 1e-12 });
  }
  // The update moved every trained parameter by about lr per step: the check has teeth.
  assert.ok(Math.abs(got.get("a")![1] - start.get("a")![1]) > 1e-3, "param a did not move");
  opt.dispose();
});

Deno.test("AdamW.step() leaves a parameter without grad untouched and without state", async () => {
  const g = await gpu();
  const ps = makeParams(g);
  const d0 = await ps.get("d")!.readFloat();
  const opt = makeOptimizer(ps);
  for (let t = 1; t <= 3; t++) {
    prepareStep(opt, ps, t);
    opt.step();
  }
  assert.deepEqual(await ps.get("d")!.readFloat(), d0);
  assert.equal(opt.hasState(ps.get("d")!), false);
  assert.equal(opt.hasState(ps.get("a")!), true);
  assert.equal(opt.stateBytes(), 8 * (300 + 1 + 258));
  const state = await opt.exportState();
  assert.deepEqual([...state.moments.keys()].sort(), ["a", "b", "c"]);
  opt.dispose();
});

Deno.test("AdamW.step() gives a parameter unfrozen later PyTorch's per-parameter step 1", async () => {
  const g = await gpu();
  const ps = makeParams(g);
  const d = ps.get("d")!;
  const d0 = Float64Array.from(await d.readFloat());
  const opt = makeOptimizer(ps);
  for (let t = 1; t <= 3; t++) prepareStep(opt, ps, t), opt.step();
  const grad = gradAt(d.size, 77);
  d.grad = tensorFrom(g, grad, d.shape);
  prepareStep(opt, ps, 4);
  opt.step();
  assert.equal(opt.stepCount, 4);
  const zeros = () => new Float64Array(d.size);
  torchAdamwStep(d0, grad, zeros(), zeros(), 1, 3e-3, 0); // its own first step, not the 4th
  assertClose(await d.readFloat(), d0, "d after its first update", { atol: 1e-7, rtol: 1e-6 });
  const state = await opt.exportState();
  assert.equal(state.moments.get("d")!.step, 1);
  assert.equal(state.moments.get("a")!.step, 4);
  opt.dispose();
});

Deno.test("AdamW.importState() of an exported state continues exactly like an uninterrupted run", async () => {
  const g = await gpu();
  const straight = makeParams(g);
  const optA = makeOptimizer(straight);
  for (let t = 1; t <= 5; t++) prepareStep(optA, straight, t), optA.step();

  const resumed = makeParams(g);
  const optB = makeOptimizer(resumed);
  for (let t = 1; t <= 2; t++) prepareStep(optB, resumed, t), optB.step();
  const state = await optB.exportState();
  optB.dispose();
  assert.equal(state.step, 2);
  assert.deepEqual(state.groups.map((x) => [x.lr, x.weightDecay]), [[1e-2, 0.1], [3e-3, 0]]);
  const optC = makeOptimizer(resumed);
  optC.groups[1].lr = 123; // importState restores the hyperparameters
  optC.importState(state);
  assert.equal(optC.stepCount, 2);
  assert.equal(optC.groups[1].lr, 3e-3);
  for (let t = 3; t <= 5; t++) prepareStep(optC, resumed, t), optC.step();

  const a = await readAll(straight);
  const c = await readAll(resumed);
  for (const k of a.keys()) assert.deepEqual(c.get(k), a.get(k), `param ${k}`);
  // Without the moments the run would differ: a fresh optimizer from step 2 does not match.
  const fresh = makeParams(g);
  const optD = makeOptimizer(fresh);
  for (let t = 1; t <= 2; t++) prepareStep(optD, fresh, t), optD.step();
  optD.dispose();
  const optE = makeOptimizer(fresh);
  for (let t = 3; t <= 5; t++) prepareStep(optE, fresh, t), optE.step();
  assert.notDeepEqual(await fresh.get("a")!.readFloat(), a.get("a"));
  optA.dispose(), optC.dispose(), optE.dispose();
});

Deno.test("AdamW.importState() rejects a mis-shaped, unknown or incomplete entry by name", async () => {
  const g = await gpu();
  const ps = makeParams(g);
  const opt = makeOptimizer(ps);
  prepareStep(opt, ps, 1);
  opt.step();
  const good = await opt.exportState();
  const withEntry = (key: string, entry: unknown) => {
    const moments = new Map(good.moments);
    moments.set(key, entry as never);
    return { ...good, moments };
  };
  assert.throws(
    () => opt.importState(withEntry("c", { m: new Float32Array(10), v: new Float32Array(10) })),
    /AdamW.importState: moments of "c" have m of 10 and v of 10 values, but the parameter is \[3, 86\] \(258 values\)/,
  );
  assert.throws(
    () => opt.importState(withEntry("zz", { m: new Float32Array(1), v: new Float32Array(1) })),
    /AdamW.importState: the state has moments for "zz", which is not a parameter/,
  );
  assert.throws(
    () => opt.importState(withEntry("b", { m: new Float32Array(1) })),
    /AdamW.importState: the entry for "b" lacks v/,
  );
  assert.throws(
    () => opt.importState({ ...good, groups: good.groups.slice(1) }),
    /AdamW.importState: the state has 1 parameter groups, this optimizer has 2/,
  );
  opt.dispose();
});

Deno.test("AdamW rejects bad gradients, duplicate parameters and bad hyperparameters", async () => {
  const g = await gpu();
  const ps = makeParams(g);
  const opt = makeOptimizer(ps);
  const a = ps.get("a")!;
  a.grad = tensorFrom(g, new Float32Array(299), [299]);
  assert.throws(
    () => opt.step(),
    /AdamW.step: gradient of a \[300\] f32 must have shape \[300\], got \[299\] f32/,
  );
  assert.equal(opt.stepCount, 0);
  assert.throws(
    () =>
      new AdamW([{ params: [a], lr: 1, weightDecay: 0 }, { params: [a], lr: 1, weightDecay: 0 }]),
    /AdamW: group 1 parameter 0 \(a \[300\] f32\) appears in more than one place/,
  );
  assert.throws(
    () => new AdamW([{ params: [a], lr: NaN, weightDecay: 0, name: "x" }]),
    /AdamW: group x: lr must be/,
  );
  assert.throws(
    () => new AdamW([{ params: [a], lr: 1, weightDecay: 0 }], { betas: [1, 0.9] }),
    /beta1 must be in \[0, 1\)/,
  );
});

/** Reads the named F32 tensors of a safetensors file (enough for this test; no dependency on model/). */
function readF32Tensors(bytes: Uint8Array, names: string[]): Map<string, Float32Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const base = 8 + headerLength;
  return new Map(names.map((name) => {
    const [from, to] = header[name].data_offsets as [number, number];
    return [name, new Float32Array(bytes.slice(base + from, base + to).buffer)];
  }));
}

Deno.test(
  "AdamW.step() reproduces torch.optim.AdamW's first step on the gpt2-tiny fixture",
  needs.parityFixture(),
  async () => {
    const g = await gpu();
    const expected = JSON.parse(await Deno.readTextFile(`${FIXTURE}/expected.json`));
    const { config, params_after_one_step: after } = expected.adamw;
    const cases: [string, string, string][] = [
      ["ln_f.weight", "ln_f.weight", "ln_f.weight"],
      ["h.0.attn.c_attn.bias", "h.0.attn.c_attn.bias", "h.0.attn.c_attn.bias"],
      ["h.1.mlp.c_proj.bias", "h.1.mlp.c_proj.bias", "h.1.mlp.c_proj.bias"],
      ["wpe.weight[:2]", "wpe.weight", "wpe.weight[:T]"], // the first 2 rows of wpe
    ];
    const weights = readF32Tensors(
      await Deno.readFile(`${FIXTURE}/model.safetensors`),
      cases.map((c) => c[1]),
    );
    const params = cases.map(([key, name, gradKey]) => {
      const n = after[key].length;
      const p = tensorFrom(g, weights.get(name)!.subarray(0, n), [n], { name: key });
      p.grad = tensorFrom(g, expected.grads[gradKey].slice(0, n), [n]);
      return p;
    });
    const opt = new AdamW([{ params, lr: config.lr, weightDecay: config.weight_decay }], {
      betas: config.betas,
      eps: config.eps,
    });
    opt.step();
    for (const [k, p] of params.entries()) {
      assertClose(await p.readFloat(), after[cases[k][0]], `${cases[k][0]} after one step`, {
        atol: 2e-7,
        rtol: 1e-6,
      });
    }
    opt.dispose();
  },
);

Deno.test("AdamW.step() updates a parameter larger than one storage binding (50257 × 768)", async () => {
  const g = await gpu();
  const [rows, cols] = [50257, 768];
  const n = rows * cols;
  const chunk = maxChunkElements(g);
  const w0 = randomArray(n, 21);
  const grad = randomArray(n, 22);
  const p = tensorFrom(g, w0, [rows, cols], { name: "wte" });
  p.grad = tensorFrom(g, grad, [rows, cols]);
  const opt = new AdamW([{ params: [p], lr: 1e-2, weightDecay: 0.1 }]);
  const t0 = performance.now();
  opt.step();
  opt.groups[0].lr = 5e-3;
  opt.step();
  await g.sync();
  const ms = performance.now() - t0;
  const got = await p.readFloat();
  const picks = [0, 1, 12345, chunk - 1, chunk, chunk + 1, n - chunk, 2 * chunk - 1, n - 2, n - 1]
    .filter((i) => i >= 0 && i < n);
  for (const i of picks) {
    const w = [Float64Array.of(w0[i])];
    const m = [new Float64Array(1)];
    const v = [new Float64Array(1)];
    const common = { wd: 0.1, betas: [0.9, 0.999] as [number, number], eps: 1e-8 };
    adamwStepCpu(w, [[grad[i]]], m, v, 1, { lr: 1e-2, ...common });
    adamwStepCpu(w, [[grad[i]]], m, v, 2, { lr: 5e-3, ...common });
    assertClose([got[i]], w[0], `wte[${i}] (chunk ${Math.floor(i / chunk)})`, {
      atol: 1e-6,
      rtol: 1e-5,
    });
  }
  console.log(`AdamW: 2 steps on ${n} elements (${n * 4 / 2 ** 20} MiB) in ${ms.toFixed(0)} ms`);
  opt.dispose(), p.grad.dispose(), p.dispose();
});
