import assert from "node:assert/strict";
import { acquireGpu } from "../kernels/gpu.ts";
import { smallModel } from "../tests/small_model.ts";
import { continuationPerplexity, modelPerplexity } from "./model_perplexity.ts";

const gpu = await acquireGpu();
const model = smallModel(gpu, 3, { embdPdrop: 0, attnPdrop: 0, residPdrop: 0 });
const SEQS = [
  [2563, 314, 8996, 17903, 284, 257, 3931, 338, 1110, 30, 198, 464],
  [817, 280, 1242, 517, 14081, 290, 50256],
  [464, 3290, 287, 262, 3931, 8396, 286, 16, 17, 18],
];

const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

Deno.test("continuationPerplexity() with a 1-token context equals modelPerplexity()", async () => {
  const whole = await modelPerplexity(model, SEQS, 2);
  const cont = await continuationPerplexity(model, SEQS, [1, 1, 1], 2);
  assert.equal(cont.tokens, whole.tokens);
  close(cont.loss, whole.loss, 1e-6, "mean NLL");
});

Deno.test("continuationPerplexity() scores the tokens after the context, conditioned on it", async () => {
  // Causality: the whole sequence's total NLL = the prefix's (scored alone) + the continuation's
  // given the prefix.
  const contexts = [4, 3, 6];
  const whole = await modelPerplexity(model, SEQS, 3);
  const prefixes = await modelPerplexity(model, SEQS.map((s, i) => s.slice(0, contexts[i])), 3);
  const cont = await continuationPerplexity(model, SEQS, contexts, 3);
  assert.equal(cont.tokens, 8 + 4 + 4); // tokens after the contexts
  assert.equal(prefixes.tokens + cont.tokens, whole.tokens);
  close(
    prefixes.loss * prefixes.tokens + cont.loss * cont.tokens,
    whole.loss * whole.tokens,
    1e-5,
    "total NLL",
  );
  close(cont.perplexity, Math.exp(cont.loss), 1e-12, "perplexity");
  // a real context changes the prediction: scoring the same tokens without it differs
  const alone = await modelPerplexity(model, SEQS.map((s, i) => s.slice(contexts[i] - 1)), 3);
  assert.equal(alone.tokens, cont.tokens);
  assert.notEqual(alone.loss.toFixed(6), cont.loss.toFixed(6));
});

Deno.test("continuationPerplexity() is the same in one batch and one sequence at a time", async () => {
  const contexts = [5, 2, 9];
  const batched = await continuationPerplexity(model, SEQS, contexts, 3);
  let nll = 0;
  let n = 0;
  for (let i = 0; i < SEQS.length; i++) {
    const r = await continuationPerplexity(model, [SEQS[i]], [contexts[i]], 1);
    nll += r.loss * r.tokens;
    n += r.tokens;
  }
  assert.equal(n, batched.tokens);
  close(batched.loss, nll / n, 1e-5, "mean NLL");
});

Deno.test("continuationPerplexity() throws when a context is empty or covers the sequence", async () => {
  await assert.rejects(
    () => continuationPerplexity(model, [SEQS[1]], [7], 1),
    /sequence 0 has 7 tokens and context length 7/,
  );
  await assert.rejects(() => continuationPerplexity(model, [SEQS[1]], [0], 1), /context length 0/);
  await assert.rejects(() => continuationPerplexity(model, SEQS, [1], 1), /3 sequences and 1/);
});
