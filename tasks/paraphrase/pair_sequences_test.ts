import assert from "node:assert/strict";
import { decode, encode } from "../../model/tokenizer.ts";
import { clozePrompt, evenSplit, linearPairText, pairTokens } from "./pair_sequences.ts";

Deno.test("clozePrompt() builds CS224N's prompt exactly, quotes and trailing space included", () => {
  assert.equal(
    clozePrompt("how do i learn ?", "what is the way ?"),
    'Is "how do i learn ?" a paraphrase of "what is the way ?"? Answer "yes" or "no": ',
  );
  assert.equal(clozePrompt("", ""), 'Is "" a paraphrase of ""? Answer "yes" or "no": ');
  assert.ok(clozePrompt("a", "b").endsWith(": "));
  // the prompt's last token is the lone space (220) that the answer token follows
  assert.deepEqual(encode(clozePrompt("a", "b")).slice(-2), [1298, 220]);
});

Deno.test("linearPairText() joins the questions with the literal separator between spaces", () => {
  assert.equal(linearPairText("a ?", "b ?", "[SEP]"), "a ? [SEP] b ?");
  assert.equal(linearPairText("a", "b", "<|sep|>"), "a <|sep|> b");
});

Deno.test("evenSplit() shares the room evenly and gives a short question's rest to the other", () => {
  assert.deepEqual(evenSplit(3, 4, 10), [3, 4]); // fits
  assert.deepEqual(evenSplit(10, 10, 7), [4, 3]); // halves, first gets the odd token
  assert.deepEqual(evenSplit(10, 3, 8), [5, 3]); // second is short: first gets its rest
  assert.deepEqual(evenSplit(2, 10, 8), [2, 6]); // first is short
  assert.deepEqual(evenSplit(5, 5, 0), [0, 0]);
});

Deno.test("pairTokens() drops tokens from the start of each question and keeps the cloze answer slot", () => {
  const s1 = "one two three four five six seven eight nine ten ?";
  const s2 = "alpha beta ?";
  const full = encode(clozePrompt(s1, s2));
  const whole = pairTokens(clozePrompt, s1, s2, full.length);
  assert.deepEqual(whole, { ids: full, cut: false });
  const max = full.length - 4;
  const { ids, cut } = pairTokens(clozePrompt, s1, s2, max);
  assert.ok(cut && ids.length <= max, `${ids.length} tokens`);
  const text = decode(ids);
  // s2 (4 tokens) fits its half and stays whole; s1 lost its first words; the tail is intact
  assert.match(text, /^Is " five six seven eight nine ten \?" a paraphrase of "alpha beta \?"\?/);
  assert.ok(text.endsWith('? Answer "yes" or "no": '), text);
});

Deno.test("pairTokens() cuts both questions evenly when both are long, in the linear framing", () => {
  const long = (w: string) => Array.from({ length: 20 }, () => w).join(" ");
  const template = (a: string, b: string) => linearPairText(a, b, "[SEP]");
  const { ids, cut } = pairTokens(template, long("cat"), long("dog"), 20);
  assert.ok(cut && ids.length <= 20);
  const [left, right] = decode(ids).split(" [SEP] ");
  const count = (s: string, w: string) => s.split(w).length - 1;
  assert.ok(Math.abs(count(left, "cat") - count(right, "dog")) <= 1, decode(ids));
  assert.ok(count(left, "cat") >= 7, decode(ids));
});

Deno.test("pairTokens() throws naming the lengths when the template alone does not fit", () => {
  assert.throws(
    () => pairTokens(clozePrompt, "a", "b", 5),
    /template alone takes \d+ tokens, more than the 5 allowed/,
  );
});
