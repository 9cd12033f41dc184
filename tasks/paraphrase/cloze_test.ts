import assert from "node:assert/strict";
import { encode } from "../../model/tokenizer.ts";
import { answerToken, CLOZE_NO_ID, CLOZE_YES_ID, clozeDecision } from "./cloze.ts";

Deno.test("CLOZE_YES_ID and CLOZE_NO_ID are GPT-2's unspaced yes and no, as CS224N's labels", () => {
  assert.deepEqual([encode("yes"), encode("no")], [[CLOZE_YES_ID], [CLOZE_NO_ID]]);
  assert.deepEqual([CLOZE_YES_ID, CLOZE_NO_ID], [8505, 3919]);
  // the prompt's trailing space is its own token, so "…: " + "yes" continues with 8505
  assert.deepEqual(encode(": yes"), [25, 3763]);
  assert.deepEqual(encode(": ").at(-1), 220);
  assert.deepEqual([answerToken(1), answerToken(0)], [8505, 3919]);
});

Deno.test("clozeDecision() predicts the larger of the yes and no logits when other tokens are larger", () => {
  const row = (yes: number, no: number) => {
    const r = new Float32Array(50257).fill(-5);
    r[3763] = 100; // " yes" with a space: must be ignored
    r[645] = 100; // " no"
    r[0] = 50;
    r[CLOZE_YES_ID] = yes;
    r[CLOZE_NO_ID] = no;
    return r;
  };
  assert.equal(clozeDecision(row(2, 1)), 1);
  assert.equal(clozeDecision(row(-3, -2.5)), 0);
  assert.equal(clozeDecision(row(1e-6, 0)), 1);
  assert.equal(clozeDecision(row(0.5, 0.5)), 0); // a tie answers no
});
