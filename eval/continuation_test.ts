import assert from "node:assert/strict";
import {
  generatedLines,
  generatedLineShare,
  generatedTexts,
  splitAfterLines,
} from "./continuation.ts";
import { SONNET_18 } from "./sonnet18_fixture.ts";
import { tenSyllableShare } from "./meter.ts";
import { distinctN } from "./distinct.ts";

Deno.test("generatedLines() drops blank lines, then the prompt lines, and stops at 14", () => {
  const spaced = ["", ...SONNET_18.slice(0, 2), "  ", ...SONNET_18.slice(2), "a 15th line"];
  const [lines] = generatedLines([spaced], 3);
  assert.deepEqual(lines, SONNET_18.slice(3));
  assert.deepEqual(generatedLines([SONNET_18.slice(0, 3)], 3), [[]]);
  assert.throws(() => generatedLines([SONNET_18], 14), /promptLines must be an integer in 0\.\.13/);
  assert.throws(() => generatedLines([[1 as unknown as string]], 3), /sonnets\[0\] must be/);
});

Deno.test("generatedTexts() joins each sonnet's generated lines, empty for a prompt alone", () => {
  assert.deepEqual(generatedTexts([["a b", "c", "d", "e f", "g"], ["x", "y", "z"]], 3), [
    "e f\ng",
    "",
  ]);
});

Deno.test("generatedLineShare() counts lines a sonnet lacks as failing", () => {
  const ten = (line: string) => tenSyllableShare([line]) === 1;
  // Sonnet 18 lines 4–14 all have 10 ± 1 syllables: 11/11.
  assert.equal(generatedLineShare([SONNET_18], 3, ten), 1);
  // prompt alone: 0 of 11 slots; the 3 prompt lines (all 10 ± 1) do not count.
  assert.equal(generatedLineShare([SONNET_18.slice(0, 3)], 3, ten), 0);
  // prompt + 2 good lines + "Love": 2 of 11; with Sonnet 18 beside it: (2 + 11) / 22.
  const short = [...SONNET_18.slice(0, 5), "Love"];
  assert.equal(generatedLineShare([short], 3, ten), 2 / 11);
  assert.equal(generatedLineShare([short, SONNET_18], 3, ten), 13 / 22);
  assert.throws(() => generatedLineShare([], 3, ten), /sonnets is empty/);
});

Deno.test("distinct-n over generatedTexts() ignores the prompt's words", () => {
  // prompt "a a a" repeats; generated "b c": whole-text distinct-1 3/5, continuation 2/2.
  const sonnet = ["a", "a", "a", "b c"];
  assert.equal(distinctN([sonnet.join("\n")], 1), 3 / 5);
  assert.equal(distinctN(generatedTexts([sonnet], 3), 1), 1);
  assert.equal(distinctN(generatedTexts([sonnet.slice(0, 3)], 3), 1), 0);
});

Deno.test("splitAfterLines() splits after the n-th non-blank line, keeping every character", () => {
  assert.deepEqual(splitAfterLines("a\n\nb\nc\nd", 2), ["a\n\nb\n", "c\nd"]);
  const text = SONNET_18.join("\n");
  const [head, tail] = splitAfterLines(text, 3);
  assert.equal(head, SONNET_18.slice(0, 3).join("\n") + "\n");
  assert.equal(head + tail, text);
  assert.throws(() => splitAfterLines("a\nb\nc\n  ", 3), /has 3 non-blank lines, none after/);
  assert.throws(() => splitAfterLines("a\nb", 3), /has 2 non-blank lines/);
  assert.throws(() => splitAfterLines("a\nb", 0), /lines must be an integer >= 1/);
});
