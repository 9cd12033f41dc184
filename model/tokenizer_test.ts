import assert from "node:assert/strict";
import { decode, encode, encodeBatch, EOS_ID, PAD_ID, padBatch, VOCAB_SIZE } from "./tokenizer.ts";

const P = 50256;

Deno.test("encode() gives GPT-2's ids when the text is common English", () => {
  assert.deepEqual(encode("Hello world"), [15496, 995]);
  assert.deepEqual(encode("The"), [464]);
  assert.deepEqual(encode(" the"), [262]);
  assert.deepEqual([encode("."), encode(","), encode("\n")], [[13], [11], [198]]);
  assert.deepEqual(encode(""), []);
});

Deno.test("decode() inverts encode() when the text has Unicode, whitespace and emoji", () => {
  for (
    const text of [
      "Hello world",
      "naïve café — 日本語 🤖\n\ttabs  and  spaces",
      " leading",
      "x\r\n",
    ]
  ) {
    assert.equal(decode(encode(text)), text);
  }
  assert.equal(decode(new Int32Array([15496, 995])), "Hello world");
});

Deno.test("decode() is independent of earlier calls when a call ends inside a character", () => {
  // 30325 is " " + the first three bytes of 😀, 222 is the lone byte 0x80: gpt-tokenizer's shared
  // streaming decoder used to carry the three bytes over and print 😀 on the third call.
  assert.equal(decode([222]), "\uFFFD");
  assert.equal(decode([30325]), " \uFFFD");
  assert.equal(decode([222]), "\uFFFD");
  assert.equal(decode([30325, 222]), " 😀");
  assert.equal(decode([222]), "\uFFFD");
});

Deno.test("EOS_ID is <|endoftext|> and maps from text only when allowSpecial is set", () => {
  assert.equal(EOS_ID, 50256);
  assert.equal(PAD_ID, 50256);
  assert.equal(VOCAB_SIZE, 50257);
  assert.equal(decode([EOS_ID]), "<|endoftext|>");
  const plain = encode("a<|endoftext|>b");
  assert.ok(!plain.includes(50256));
  assert.equal(decode(plain), "a<|endoftext|>b");
  assert.deepEqual(encode("a<|endoftext|>b", { allowSpecial: true }), [64, 50256, 65]);
  assert.deepEqual(encode("hello <|endoftext|>", { allowSpecial: true }), [31373, 220, 50256]);
  assert.deepEqual(encode("<|endoftext|><|endoftext|>", { allowSpecial: true }), [P, P]);
});

Deno.test("decode() names the position when an id is outside the vocabulary", () => {
  assert.throws(
    () => decode([1, 50257]),
    /id at index 1 is 50257, expected an integer in \[0, 50257\)/,
  );
  assert.throws(() => decode([-1]), /index 0 is -1/);
  assert.throws(() => decode([2.5]), /index 0 is 2\.5/);
});

Deno.test("padBatch() right-pads to the longest sequence with a mask", () => {
  const b = padBatch([[1, 2, 3], [4], []]);
  assert.equal(b.batch, 3);
  assert.equal(b.seqLen, 3);
  assert.deepEqual([...b.ids], [1, 2, 3, 4, P, P, P, P, P]);
  assert.deepEqual([...b.mask], [1, 1, 1, 1, 0, 0, 0, 0, 0]);
  assert.ok(b.mask instanceof Float32Array && b.ids instanceof Int32Array);
  assert.deepEqual(b.lengths, [3, 1, 0]);
  assert.equal(b.truncated, 0);
});

Deno.test("padBatch() truncates right or left when sequences exceed maxLength", () => {
  const right = padBatch([[1, 2, 3], [4]], { maxLength: 2 });
  assert.deepEqual([...right.ids], [1, 2, 4, P]);
  assert.deepEqual(right.lengths, [2, 1]);
  assert.equal(right.truncated, 1);
  const left = padBatch([[1, 2, 3], [4]], { maxLength: 2, truncate: "left" });
  assert.deepEqual([...left.ids], [2, 3, 4, P]);
  assert.deepEqual([...left.mask], [1, 1, 1, 0]);
});

Deno.test("padBatch() pads to a fixed length with a custom pad id", () => {
  const b = padBatch([[7], [8, 9]], { length: 4, padId: 0 });
  assert.equal(b.seqLen, 4);
  assert.deepEqual([...b.ids], [7, 0, 0, 0, 8, 9, 0, 0]);
  assert.deepEqual([...b.mask], [1, 0, 0, 0, 1, 1, 0, 0]);
  const empty = padBatch([[]]);
  assert.equal(empty.seqLen, 1);
  assert.deepEqual([...empty.mask], [0]);
});

Deno.test("padBatch() rejects bad ids and options with a message naming them", () => {
  assert.throws(() => padBatch([[1], [2, -3]]), /sequence 1, position 1: id -3 is not valid/);
  assert.throws(
    () => padBatch([[1]], { maxLength: 0 }),
    /maxLength must be a positive integer, got 0/,
  );
  assert.throws(
    () => padBatch([[1]], { truncate: "middle" as "left" }),
    /truncate must be "right" or "left"/,
  );
});

Deno.test("encodeBatch() keeps the appended EOS when texts are truncated", () => {
  const b = encodeBatch(["Hello world", "Hello"], { maxLength: 3, addEos: true });
  assert.deepEqual([...b.ids], [15496, 995, P, 15496, P, P]);
  assert.deepEqual([...b.mask], [1, 1, 1, 1, 1, 0]);
  assert.deepEqual(b.lengths, [3, 2]);
  const cut = encodeBatch(["Hello world"], { maxLength: 2, addEos: true });
  assert.deepEqual([...cut.ids], [15496, P]);
  assert.equal(cut.truncated, 1);
  const left = encodeBatch(["Hello world"], { maxLength: 2, addEos: true, truncate: "left" });
  assert.deepEqual([...left.ids], [995, P]);
  const plain = encodeBatch(["Hello world", "The"], { maxLength: 1 });
  assert.deepEqual([...plain.ids], [15496, 464]);
  const fixed = encodeBatch(["The"], { maxLength: 8, length: 4 });
  assert.deepEqual([...fixed.ids], [464, P, P, P]);
});
