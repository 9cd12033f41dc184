import assert from "node:assert/strict";
import {
  constantSchedule,
  cosineSchedule,
  isScheduleName,
  linearSchedule,
  makeSchedule,
  slantedTriangular,
} from "./schedules.ts";

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: got ${actual}, expected ${expected}`);
}

Deno.test("constantSchedule() is 1 at every step when there is no warm-up", () => {
  for (const t of [0, 1, 50, 99]) assert.equal(constantSchedule(t, 100), 1);
});

Deno.test("constantSchedule() rises linearly during the warm-up", () => {
  assert.equal(constantSchedule(0, 100, { warmupSteps: 4 }), 0);
  assert.equal(constantSchedule(1, 100, { warmupSteps: 4 }), 0.25);
  assert.equal(constantSchedule(4, 100, { warmupSteps: 4 }), 1);
});

Deno.test("linearSchedule() decays from 1 to 0 when there is no warm-up", () => {
  assert.equal(linearSchedule(0, 8), 1); // 8/8
  assert.equal(linearSchedule(2, 8), 0.75); // 6/8
  assert.equal(linearSchedule(7, 8), 0.125); // 1/8
  assert.equal(linearSchedule(8, 8), 0);
});

Deno.test("linearSchedule() warms up then decays when warmupSteps is set", () => {
  // T = 110, w = 10: t < 10 → t/10; else (110 - t) / 100
  assert.equal(linearSchedule(0, 110, { warmupSteps: 10 }), 0);
  assert.equal(linearSchedule(5, 110, { warmupSteps: 10 }), 0.5);
  assert.equal(linearSchedule(10, 110, { warmupSteps: 10 }), 1);
  assert.equal(linearSchedule(35, 110, { warmupSteps: 10 }), 0.75);
  assert.equal(linearSchedule(110, 110, { warmupSteps: 10 }), 0);
});

Deno.test("cosineSchedule() follows CosineAnnealingLR when there is no warm-up", () => {
  // m(t) = (1 + cos(π t / 100)) / 2
  close(cosineSchedule(0, 100), 1, "t=0");
  close(cosineSchedule(25, 100), (1 + Math.SQRT1_2) / 2, "t=25"); // cos(π/4) = √2/2
  close(cosineSchedule(50, 100), 0.5, "t=50");
  close(cosineSchedule(100, 100), 0, "t=100");
  close(cosineSchedule(150, 100), 0, "past the end stays at the minimum");
});

Deno.test("cosineSchedule() ends at minLrRatio when one is given", () => {
  // r = 0.1: m(t) = 0.1 + 0.9 · (1 + cos(π t / 10)) / 2
  close(cosineSchedule(5, 10, { minLrRatio: 0.1 }), 0.55, "t=5");
  close(cosineSchedule(10, 10, { minLrRatio: 0.1 }), 0.1, "t=10");
});

Deno.test("cosineSchedule() anneals over the steps after the warm-up when warmupSteps is set", () => {
  // T = 20, w = 4: warm-up t/4, then progress (t - 4) / 16
  assert.equal(cosineSchedule(2, 20, { warmupSteps: 4 }), 0.5);
  close(cosineSchedule(4, 20, { warmupSteps: 4 }), 1, "t=4");
  close(cosineSchedule(12, 20, { warmupSteps: 4 }), 0.5, "t=12: progress 1/2");
});

Deno.test("slantedTriangular() matches Howard & Ruder's formula at chosen steps", () => {
  // T = 1000, cut_frac 0.1, ratio 32: cut = 100; decay denominator 100 · (10 - 1) = 900
  close(slantedTriangular(0, 1000), 1 / 32, "t=0: p=0");
  close(slantedTriangular(50, 1000), (1 + 0.5 * 31) / 32, "t=50: p=0.5");
  close(slantedTriangular(100, 1000), 1, "t=100: p=1");
  close(slantedTriangular(550, 1000), (1 + 0.5 * 31) / 32, "t=550: p=1-450/900");
  close(slantedTriangular(1000, 1000), 1 / 32, "t=1000: p=0");
});

Deno.test("slantedTriangular() uses cut_frac and ratio when they are given", () => {
  // T = 40, cut_frac 0.25, ratio 5: cut = 10; denominator 10 · 3 = 30
  close(slantedTriangular(5, 40, { cutFrac: 0.25, ratio: 5 }), (1 + 0.5 * 4) / 5, "t=5");
  close(slantedTriangular(25, 40, { cutFrac: 0.25, ratio: 5 }), (1 + 0.5 * 4) / 5, "t=25");
});

Deno.test("slantedTriangular() floors cut at 1 when the run is shorter than 1/cut_frac", () => {
  // T = 5: ⌊0.5⌋ = 0 → cut = 1; t = 1: p = 1; t = 4: p = 1 - 3/9
  close(slantedTriangular(1, 5), 1, "t=1");
  close(slantedTriangular(4, 5), (1 + (6 / 9) * 31) / 32, "t=4");
});

Deno.test("slantedTriangular() throws naming warmupSteps when a warm-up is given", () => {
  assert.throws(() => slantedTriangular(0, 10, { warmupSteps: 3 }), /warmupSteps.*got 3/);
});

Deno.test("makeSchedule() binds the options of the named schedule", () => {
  const schedule = makeSchedule("cosine", { minLrRatio: 0.1 });
  close(schedule(5, 10), 0.55, "cosine t=5");
  assert.equal(makeSchedule("linear")(2, 8), 0.75);
});

Deno.test("makeSchedule() throws naming the name when it is unknown", () => {
  assert.throws(() => makeSchedule("step"), /unknown name "step"/);
});

Deno.test("makeSchedule() throws naming the option when a value is out of range", () => {
  assert.throws(() => makeSchedule("slanted", { ratio: 0.5 }), /ratio must be ≥ 1, got 0.5/);
  assert.throws(() => makeSchedule("cosine", { minLrRatio: 2 }), /minLrRatio.*got 2/);
  assert.throws(() => makeSchedule("linear", { warmupSteps: -1 }), /warmupSteps.*got -1/);
});

Deno.test("schedules throw naming the value when step or totalSteps is invalid", () => {
  assert.throws(() => linearSchedule(-1, 10), /step must be an integer ≥ 0, got -1/);
  assert.throws(() => cosineSchedule(0, 0), /totalSteps must be an integer ≥ 1, got 0/);
});

Deno.test("isScheduleName() accepts the four names and rejects others", () => {
  assert.deepEqual(
    ["constant", "linear", "cosine", "slanted", "stlr"].map(isScheduleName),
    [true, true, true, true, false],
  );
});
