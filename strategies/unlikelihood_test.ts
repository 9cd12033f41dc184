import assert from "node:assert/strict";
import { candidateSets, unlikelihoodCpu } from "../kernels/unlikelihood.ts";
import { testGpu } from "../kernels/testing.ts";
import { lmLoss } from "../model/lm_loss.ts";
import { smallModel } from "../tests/small_model.ts";
import { testContext } from "./strategy_testing.ts";
import {
  parseCandidateMode,
  UNLIKELIHOOD,
  unlikelihoodCandidates,
  unlikelihoodTerm,
} from "./unlikelihood.ts";

const gpu = testGpu();

// "a b a c a" and a padded "b b": targets are the next ids, -100 past the end or at padding
const IDS = Int32Array.of(1, 2, 1, 3, 1, 2, 2, 0, 0, 0);
const TARGETS = Int32Array.of(2, 1, 3, 1, -100, 2, -100, -100, -100, -100);

Deno.test("unlikelihoodCandidates() takes the earlier tokens other than the target", () => {
  const c = unlikelihoodCandidates(IDS, 2, 5, TARGETS, { kind: "context" });
  // by hand: row 0 sees {a} (target b); row 1 sees {a, b} minus a; row 2 {a, b} (target c);
  // row 3 {a, b, c} minus a; row 5 sees {b}, its target is b
  assert.deepEqual(
    c,
    candidateSets([[1], [2], [1, 2], [2, 3], [], [], [], [], [], []]),
  );
  const w = unlikelihoodCandidates(IDS, 2, 5, TARGETS, { kind: "window", size: 2 });
  assert.deepEqual(w, candidateSets([[1], [2], [2, 1], [3], [], [], [], [], [], []]));
});

Deno.test("parseCandidateMode() reads context and window:K and names the flag otherwise", () => {
  assert.deepEqual(parseCandidateMode("window:5"), { kind: "window", size: 5 });
  assert.throws(() => parseCandidateMode("window:0"), /--ul-candidates: .*"window:0"/);
});

Deno.test("unlikelihoodTerm() on a model's logits equals the CPU reference on a sequence with repeats", async () => {
  const model = smallModel(await gpu(), 2);
  const input = {
    ids: IDS,
    batch: 2,
    seqLen: 5,
    mask: Float32Array.of(1, 1, 1, 1, 1, 1, 1, 0, 0, 0),
  };
  await model.gpu.scopeAsync(async () => {
    const { hidden, targets, count } = model.gpu.noGrad(() => lmLoss(model, input));
    assert.deepEqual(targets, TARGETS);
    const logits = model.gpu.noGrad(() => model.logits(hidden));
    const term = unlikelihoodTerm({ logits: () => logits, input, targets, count }, 2, {
      kind: "context",
    });
    const c = unlikelihoodCandidates(IDS, 2, 5, TARGETS, { kind: "context" });
    const want = unlikelihoodCpu(await logits.readFloat(), model.config.vocabSize, c, 2 / count);
    const got = await term.item();
    assert.ok(want > 0 && Math.abs(got - want) <= 1e-5 * want, `${got} vs ${want}`);
  });
  model.dispose();
});

Deno.test("UNLIKELIHOOD adds nothing to MLE when no earlier token differs from the target", async () => {
  const model = smallModel(await gpu(), 2);
  const attached = UNLIKELIHOOD.attach(model, testContext({ lastBlocks: 1 }));
  const input = { ids: Int32Array.of(7, 7, 7, 7), batch: 1, seqLen: 4 };
  await model.gpu.scopeAsync(async () => {
    const { hidden, targets, count } = lmLoss(model, input);
    const extra = attached.extraLoss!({
      logits: () => model.logits(hidden),
      input,
      targets,
      count,
    })!;
    assert.equal(await extra.item(), 0);
  });
  model.dispose();
});
