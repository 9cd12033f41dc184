import assert from "node:assert/strict";
import { dataFile, testDataDir } from "../tasks/data/data_dir.ts";
import { SONNET_18 } from "./sonnet18_fixture.ts";
import { formatSonnetScores, scoreSonnetFiles, type SonnetScores } from "./sonnet_scores.ts";

const quiet = () => {};
const file = (sonnets: string[][]) =>
  "Header\n\n" + sonnets.map((lines, i) => `${18 + i}\n\n${lines.join("\n")}\n`).join("\n");

const continuationKeys = (s: SonnetScores) =>
  Object.keys(s).filter((k) => k.endsWith("_continuation")) as (keyof SonnetScores)[];

Deno.test("scoreSonnetFiles() scores 0 on every continuation metric when the generated file is its prompts", async () => {
  const dir = testDataDir();
  const prompts = await Deno.readTextFile(dataFile(dir, "sonnets_held_out_dev.txt"));
  const gold = await Deno.readTextFile(dataFile(dir, "TRUE_sonnets_held_out_dev.txt"));
  const warnings: string[] = [];
  const s = scoreSonnetFiles(prompts, "prompts", gold, "gold", (m) => warnings.push(m));
  assert.deepEqual(warnings, []); // the prompts are the gold sonnets' first 3 lines
  assert.equal(s.sonnets, 12);
  const keys = continuationKeys(s);
  assert.equal(keys.length, 6);
  for (const key of keys) assert.equal(s[key], 0, key);
  // the same prompt lines score on the whole-text metrics
  assert.ok(s.rhyme_accuracy_whole > 0.1 && s.chrf > 20 && s.ten_syllable_share_whole > 0.9);
});

Deno.test("scoreSonnetFiles() scores Sonnet 18 against itself: whole vs continuation by hand", () => {
  const text = file([SONNET_18]);
  const s = scoreSonnetFiles(text, "gen", text, "gold", quiet);
  assert.equal(s.chrf, 100);
  assert.equal(s.chrf_continuation, 100);
  assert.equal(s.rhyme_accuracy_whole, 6 / 7); // day/May is in the prompt
  assert.equal(s.rhyme_accuracy_continuation, 5 / 6); // temperate/date fails
  assert.equal(s.ten_syllable_share_continuation, 1); // lines 4–14 have 10 ± 1 syllables
});

Deno.test("scoreSonnetFiles() counts a short continuation's missing lines against it", () => {
  // generated: the prompt, line 4 of Sonnet 18 (10 syllables) and "Love is not love" (4).
  const gen = [...SONNET_18.slice(0, 4), "Love is not love"];
  const s = scoreSonnetFiles(file([gen]), "gen", file([SONNET_18]), "gold", quiet);
  assert.equal(s.ten_syllable_share_continuation, 1 / 11); // 1 of the 11 slots 4–14
  assert.equal(s.ten_syllable_share_whole, 4 / 5); // 4 of the 5 lines written
  // tokens of lines 4–5: and summer's lease hath all too short a date; love is not love
  assert.equal(s.distinct_1_continuation, 12 / 13);
  assert.equal(s.rhyme_accuracy_continuation, 0); // date has no partner yet
  assert.ok(s.chrf_continuation > 0 && s.chrf_continuation < 100);
});

Deno.test("scoreSonnetFiles() warns when a generated sonnet does not start with the gold prompt", () => {
  const warnings: string[] = [];
  const other = ["Something else entirely", ...SONNET_18.slice(1)];
  scoreSonnetFiles(file([other]), "gen", file([SONNET_18]), "gold", (m) => warnings.push(m));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /gen: 1 of 1 sonnets \(first: 18, line 3\) do not begin with/);
});

Deno.test("formatSonnetScores() prints the whole-text and the continuation metrics under their own headings", () => {
  const text = file([SONNET_18]);
  const out = formatSonnetScores(scoreSonnetFiles(text, "gen", text, "gold", quiet));
  const lines = out.trimEnd().split("\n");
  assert.match(lines[0], /^sonnets +1$/);
  assert.match(lines[1], /^whole text \(prompt lines 1–3 included; chrf is CS224N's score\):$/);
  assert.match(lines[2], /^chrf +100$/);
  const heading = lines.findIndex((l) => l.startsWith("continuation only (lines 4–14"));
  assert.ok(heading > 2);
  assert.ok(lines.slice(2, heading).every((l) => !l.includes("_continuation")));
  assert.equal(lines.length - heading - 1, 6);
  assert.match(out, /^rhyme_accuracy_continuation +0\.8333$/m);
});
