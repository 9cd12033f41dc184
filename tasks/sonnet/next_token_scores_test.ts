import assert from "node:assert/strict";
import { modelPerplexity } from "../../eval/model_perplexity.ts";
import { testGpu } from "../../kernels/testing.ts";
import { encode, EOS_ID } from "../../model/tokenizer.ts";
import { smallModel } from "../../tests/small_model.ts";
import { nextTokenScores } from "./next_token_scores.ts";

const gpu = testGpu();
const sequences = [
  [...encode("Shall I compare thee to a summer's day?"), EOS_ID],
  [...encode("Thou art more lovely"), EOS_ID],
  [...encode("and more temperate:")],
];

Deno.test("nextTokenScores() gives the loss the GPU cross-entropy gives, in any batching", async () => {
  const model = smallModel(await gpu(), 5, { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 });
  try {
    const reference = await modelPerplexity(model, sequences, 8);
    const whole = await nextTokenScores(model, sequences);
    const one = await nextTokenScores(model, sequences, 1); // one sequence per batch
    assert.equal(whole.tokens, reference.tokens);
    assert.ok(Math.abs(whole.loss - reference.loss) < 1e-4, `${whole.loss} vs ${reference.loss}`);
    assert.ok(Math.abs(whole.perplexity - Math.exp(whole.loss)) < 1e-9);
    assert.ok(Math.abs(one.loss - whole.loss) < 1e-5);
    assert.equal(one.accuracy, whole.accuracy);
    assert.ok(whole.accuracy >= 0 && whole.accuracy <= 1);
  } finally {
    model.dispose();
  }
});

Deno.test("nextTokenScores() throws when no sequence has a next token", async () => {
  const model = smallModel(await gpu(), 5);
  try {
    await assert.rejects(() => nextTokenScores(model, [[EOS_ID]]), /no sequence has a next token/);
  } finally {
    model.dispose();
  }
});
