import assert from "node:assert/strict";
import { cs224nPreprocess, isPreprocessName, preprocessor } from "./preprocess.ts";

Deno.test("cs224nPreprocess() lower-cases and splits . ? , ' off when questions have them", () => {
  // Expected strings written by hand from CS224N's rule (lower, then " ." " ?" " ," " '").
  assert.equal(
    cs224nPreprocess("How much weight will I lose by not eating for a week?"),
    "how much weight will i lose by not eating for a week ?",
  );
  assert.equal(
    cs224nPreprocess("What's the best way?  I'm new, sorry."),
    "what 's the best way ? i 'm new , sorry .",
  );
  assert.equal(cs224nPreprocess("U.S. vs. E.U.?"), "u .s . vs . e .u . ?");
  assert.equal(cs224nPreprocess("Why...?"), "why . . . ?");
  assert.equal(cs224nPreprocess("'Tatkal' ticket"), "'tatkal ' ticket");
});

Deno.test("cs224nPreprocess() collapses whitespace as Python's split() does when text has tabs and odd spaces", () => {
  assert.equal(cs224nPreprocess("  A\tb\n\nC\u00a0d\u3000e  "), "a b c d e");
  assert.equal(cs224nPreprocess("x\x1cy\x85z"), "x y z"); // Python splits here, JS \s does not
  assert.equal(cs224nPreprocess("x\ufeffy"), "x\ufeffy"); // Python keeps U+FEFF, JS \s would split
  assert.equal(cs224nPreprocess(""), "");
  assert.equal(cs224nPreprocess(" ? "), "?");
  assert.equal(cs224nPreprocess('Is "X" ok?'), 'is "x" ok ?');
});

Deno.test("preprocessor() returns the text unchanged when the choice is none", () => {
  assert.equal(preprocessor("none")("Why So?"), "Why So?");
  assert.equal(preprocessor("cs224n")("Why So?"), "why so ?");
  assert.ok(isPreprocessName("none") && !isPreprocessName("lower"));
});
