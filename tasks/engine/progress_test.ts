import assert from "node:assert/strict";
import { createProgress, formatDuration, formatProgressLine } from "./progress.ts";

/** A fake writer collecting output and a clock moved by hand (milliseconds). */
function fakes() {
  const out: string[] = [];
  const clock = { t: 1000 };
  return { out, clock, write: (s: string) => void out.push(s), now: () => clock.t };
}

Deno.test("formatDuration() writes mm:ss below an hour and h:mm:ss from one hour", () => {
  assert.equal(formatDuration(0), "00:00");
  assert.equal(formatDuration(724), "12:04");
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(NaN), "--:--");
});

Deno.test("formatProgressLine() shows epoch, step, loss, tok/s and ETA", () => {
  const line = formatProgressLine({
    epoch: 2,
    totalEpochs: 6,
    step: 37,
    stepsPerEpoch: 134,
    loss: 1.23449,
    tokensPerSecond: 5120.4,
    etaSeconds: 724,
  });
  assert.equal(line, "epoch 2/6 step 37/134 loss 1.2345 tok/s 5120 ETA 12:04");
});

Deno.test("formatProgressLine() shows dashes when loss and rates are not known", () => {
  const line = formatProgressLine({ epoch: 1, totalEpochs: 1, step: 0, stepsPerEpoch: 5 });
  assert.equal(line, "epoch 1/1 step 0/5 loss - tok/s - ETA --:--");
});

Deno.test("createProgress() redraws one line when stderr is a terminal", () => {
  const f = fakes();
  const p = createProgress({ totalEpochs: 2, stepsPerEpoch: 10, isTerminal: true, ...f });
  f.clock.t += 2000; // first step: 2 s, 1000 tokens
  p.update({ epoch: 0, step: 1, loss: 2.5, tokens: 1000 });
  f.clock.t += 50; // within 100 ms of the last redraw: skipped
  p.update({ epoch: 0, step: 2, tokens: 1000 });
  f.clock.t += 1950; // 4 s in total, 3 steps, 3000 tokens → 750 tok/s; 17 steps left · 4/3 s
  p.update({ epoch: 0, step: 3, tokens: 1000 });
  assert.deepEqual(f.out, [
    "\repoch 1/2 step 1/10 loss 2.5000 tok/s 500 ETA 00:38\x1b[K",
    "\repoch 1/2 step 3/10 loss 2.5000 tok/s 750 ETA 00:23\x1b[K",
  ]);
});

Deno.test("createProgress() prints log messages above the redrawn line", () => {
  const f = fakes();
  const p = createProgress({ totalEpochs: 1, stepsPerEpoch: 4, isTerminal: true, ...f });
  f.clock.t += 1000;
  p.update({ epoch: 0, step: 1, loss: 1, tokens: 10 });
  p.log("dev accuracy 0.5");
  p.done();
  const line = "epoch 1/1 step 1/4 loss 1.0000 tok/s 10 ETA 00:03";
  assert.deepEqual(f.out, [`\r${line}\x1b[K`, `\r\x1b[Kdev accuracy 0.5\n${line}`, "\n"]);
});

Deno.test("createProgress() prints plain lines every N seconds when not a terminal", () => {
  const f = fakes();
  const p = createProgress({
    totalEpochs: 1,
    stepsPerEpoch: 100,
    isTerminal: false,
    everySeconds: 10,
    ...f,
  });
  for (let s = 1; s <= 25; s++) {
    f.clock.t += 1000; // one step per second, 100 tokens each
    p.update({ epoch: 0, step: s, loss: 3 - s / 100, tokens: 100 });
  }
  assert.deepEqual(f.out, [
    "epoch 1/1 step 1/100 loss 2.9900 tok/s 100 ETA 01:39\n", // first update
    "epoch 1/1 step 11/100 loss 2.8900 tok/s 100 ETA 01:29\n", // 10 s later
    "epoch 1/1 step 21/100 loss 2.7900 tok/s 100 ETA 01:19\n",
  ]);
});

Deno.test("createProgress() prints every N steps and at the end of each epoch when asked", () => {
  const f = fakes();
  const p = createProgress({
    totalEpochs: 2,
    stepsPerEpoch: 5,
    isTerminal: false,
    everySeconds: 1e9,
    everySteps: 4,
    ...f,
  });
  for (let e = 0; e < 2; e++) {
    for (let s = 1; s <= 5; s++) {
      f.clock.t += 500;
      p.update({ epoch: e, step: s });
    }
  }
  const steps = f.out.map((l) => l.match(/epoch (\d)\/2 step (\d)\/5/)?.slice(1).join(":"));
  // first update; global steps 4 and 8; epoch ends (global 5 and 10)
  assert.deepEqual(steps, ["1:1", "1:4", "1:5", "2:3", "2:5"]);
});

Deno.test("createProgress() counts only its own steps in the ETA when a run resumes", () => {
  const f = fakes();
  const p = createProgress({ totalEpochs: 2, stepsPerEpoch: 10, isTerminal: false, ...f });
  f.clock.t += 3000; // resumed at global step 15; one step in 3 s; 4 left → 12 s
  p.update({ epoch: 1, step: 6 });
  assert.deepEqual(f.out, ["epoch 2/2 step 6/10 loss - tok/s - ETA 00:12\n"]);
});

Deno.test("createProgress() uses totalSteps for the ETA when a step cap is given", () => {
  const f = fakes();
  const p = createProgress({
    totalEpochs: 10,
    stepsPerEpoch: 100,
    totalSteps: 5,
    isTerminal: false,
    ...f,
  });
  f.clock.t += 2000;
  p.update({ epoch: 0, step: 1 }); // 4 steps left at 2 s each
  assert.match(f.out[0], /ETA 00:08\n$/);
});

Deno.test("createProgress() throws naming the option when a count is invalid", () => {
  assert.throws(
    () => createProgress({ totalEpochs: 0, stepsPerEpoch: 1, isTerminal: false }),
    /totalEpochs must be an integer ≥ 1, got 0/,
  );
});
