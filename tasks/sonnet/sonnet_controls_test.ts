import assert from "node:assert/strict";
import { encode } from "../../model/tokenizer.ts";
import {
  completeLines,
  currentLine,
  NEWLINE_ID,
  newlineBoost,
  PUNCTUATION_IDS,
  punctuationBoost,
  repetitionWindowPenalty,
  stopAtLines,
  wordCount,
} from "./sonnet_controls.ts";

const V = 50257;

function ctxOf(prompt: string, generated = "") {
  const p = encode(prompt);
  const g = encode(generated);
  return { tokens: [...p, ...g], generated: g, batchIndex: 0 };
}

/** Indices whose value differs from 0, with their values. */
function changed(logits: Float32Array): [number, number][] {
  const out: [number, number][] = [];
  logits.forEach((x, i) => {
    if (x !== 0) out.push([i, x]);
  });
  return out;
}

Deno.test("PUNCTUATION_IDS and NEWLINE_ID are GPT-2's ids for , . ; : ! ? and newline", () => {
  assert.deepEqual(PUNCTUATION_IDS, [11, 13, 26, 25, 0, 30]);
  assert.equal(NEWLINE_ID, 198);
});

Deno.test("currentLine() returns the text after the last newline when there is one", () => {
  assert.equal(currentLine(encode("Shall I compare thee\nto a summer's")), "to a summer's");
  assert.equal(currentLine(encode("no newline here")), "no newline here");
  assert.equal(currentLine(encode("ends with one\n")), "");
  assert.equal(currentLine(encode("a\n\nnaïve 😀 thee")), "naïve 😀 thee");
  assert.equal(currentLine([]), "");
});

Deno.test("wordCount() counts whitespace-separated words", () => {
  assert.equal(wordCount("  Thou art  more lovely\t"), 4);
  assert.equal(wordCount(""), 0);
});

Deno.test("punctuationBoost() raises the six punctuation logits when the line has 8 words", () => {
  const logits = new Float32Array(V);
  punctuationBoost({ boost: 2 })(
    logits,
    ctxOf("Old line\n", "one two three four five six seven eight"),
  );
  assert.deepEqual(changed(logits), [[0, 2], [11, 2], [13, 2], [25, 2], [26, 2], [30, 2]]);
});

Deno.test("punctuationBoost() leaves logits alone when the line has fewer words", () => {
  const logits = new Float32Array(V);
  // 10 words on the prompt's first line, but only 7 on the current one
  punctuationBoost()(logits, ctxOf("a b c d e f g h i j\none two three", " four five six seven"));
  assert.deepEqual(changed(logits), []);
});

Deno.test("punctuationBoost() leaves logits alone when the line already ends in punctuation", () => {
  const logits = new Float32Array(V);
  punctuationBoost()(logits, ctxOf("", "one two three four five six seven eight nine,"));
  assert.deepEqual(changed(logits), []);
});

Deno.test("punctuationBoost() uses afterWords, boost and tokenIds when they are given", () => {
  const logits = new Float32Array(V).fill(1);
  punctuationBoost({ afterWords: 2, boost: 0.5, tokenIds: [11] })(logits, ctxOf("x\ny z"));
  assert.equal(logits[11], 1.5);
  assert.equal(logits[13], 1);
});

Deno.test("newlineBoost() raises token 198 by 4 only when the line has 12 words", () => {
  const eleven = "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11";
  const a = new Float32Array(V);
  newlineBoost()(a, ctxOf("", eleven));
  assert.deepEqual(changed(a), []);
  const b = new Float32Array(V);
  newlineBoost()(b, ctxOf("", eleven + " w12"));
  assert.deepEqual(changed(b), [[198, 4]]);
  const c = new Float32Array(V);
  newlineBoost({ boost: 3 })(c, ctxOf("", eleven + " w12"));
  assert.deepEqual(changed(c), [[198, 3]]);
});

Deno.test("newlineBoost() raises 198 and 628 (\\n\\n) when both ids are given", () => {
  const logits = new Float32Array(V);
  newlineBoost({ afterWords: 1, boost: 4, tokenIds: [198, 628] })(logits, ctxOf("hello"));
  assert.deepEqual(changed(logits), [[198, 4], [628, 4]]);
});

Deno.test("boost factories throw naming the option when a value is invalid", () => {
  assert.throws(() => punctuationBoost({ afterWords: -1 }), /afterWords.*got -1/);
  assert.throws(() => newlineBoost({ boost: NaN }), /boost.*got NaN/);
  assert.throws(() => newlineBoost({ tokenIds: [50257] }), /token id 50257/);
});

Deno.test("repetitionWindowPenalty() divides positive and multiplies negative seen logits", () => {
  const logits = new Float32Array(V);
  logits[5] = 4; // outside the window: unchanged
  logits[6] = 3; // positive: 3 / 2
  logits[7] = -1; // negative: -1 · 2
  logits[9] = 5; // never seen: unchanged
  const ctx = { tokens: [5, 6, 7, 8, 6], generated: [8, 6], batchIndex: 0 };
  repetitionWindowPenalty({ window: 4, penalty: 2 })(logits, ctx);
  assert.deepEqual(changed(logits), [[5, 4], [6, 1.5], [7, -2], [9, 5]]);
});

Deno.test("repetitionWindowPenalty() penalises a token once when it repeats in the window", () => {
  const logits = new Float32Array(V);
  logits[6] = 3;
  repetitionWindowPenalty({ window: 8, penalty: 2 })(logits, {
    tokens: [6, 6, 6],
    generated: [6],
    batchIndex: 0,
  });
  assert.equal(logits[6], 1.5);
});

Deno.test("repetitionWindowPenalty() uses window 32 and penalty 1.2 by default", () => {
  const logits = new Float32Array(V);
  logits[1] = 1.2; // 33 tokens back: outside the window
  logits[2] = 2.4; // 32 tokens back: inside → 2.4 / 1.2
  const tokens = [1, 2, ...new Array(31).fill(3)];
  repetitionWindowPenalty()(logits, { tokens, generated: [], batchIndex: 0 });
  assert.ok(Math.abs(logits[1] - 1.2) < 1e-6 && Math.abs(logits[2] - 2) < 1e-6, `${logits[1]}`);
});

Deno.test("repetitionWindowPenalty() throws naming the option when a value is invalid", () => {
  assert.throws(() => repetitionWindowPenalty({ window: 0 }), /window.*got 0/);
  assert.throws(() => repetitionWindowPenalty({ penalty: 0.5 }), /penalty.*got 0.5/);
});

Deno.test("completeLines() counts newline-terminated non-blank lines", () => {
  assert.equal(completeLines("a b\n\nc\nd"), 2);
  assert.equal(completeLines("a\n"), 1);
  assert.equal(completeLines(""), 0);
});

Deno.test("stopAtLines() is true once the prompt's count plus ended lines reach n", () => {
  const stop = stopAtLines(5, 3);
  assert.equal(stop(encode("fourth line\nfifth line")), false); // fifth not ended
  assert.equal(stop(encode("fourth line\nfifth line\n")), true);
  assert.equal(stop(encode("fourth\n\n\nfifth")), false); // blank lines do not count
});

Deno.test("stopAtLines() counts the prompt's unfinished last line when given its text", () => {
  const stop = stopAtLines(4, "a\nb\nc"); // "c" is ended by the generated newline
  assert.equal(stop(encode("\nd")), false);
  assert.equal(stop(encode("\nd\n")), true);
  assert.equal(stopAtLines(14)(encode("x\n".repeat(13))), false);
  assert.equal(stopAtLines(14)(encode("x\n".repeat(14))), true);
});

Deno.test("stopAtLines() uses the batch index's prompt when given one per sequence", () => {
  const stop = stopAtLines(3, [2, "p\n"]);
  assert.equal(stop(encode("x\n"), 0), true); // 2 + 1
  assert.equal(stop(encode("x\n"), 1), false); // 1 + 1
  assert.throws(() => stop(encode("x\n"), 2), /no prompt for batch index 2/);
  assert.throws(() => stopAtLines(0), /n must be an integer ≥ 1, got 0/);
});
