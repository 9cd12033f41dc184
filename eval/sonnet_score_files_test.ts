import assert from "node:assert/strict";
import { dataFile, testDataDir } from "../tasks/data/data_dir.ts";
import { parseSonnets, type Sonnet } from "../tasks/data/sonnet_data.ts";
import { scoreSonnetFiles } from "./sonnet_scores.ts";

const goldText = await Deno.readTextFile(dataFile(testDataDir(), "TRUE_sonnets_held_out_dev.txt"));
const gold = parseSonnets(goldText, "gold").sonnets;
const file = (sonnets: Sonnet[]) =>
  "--Generated Sonnets--\n\n" + sonnets.map((s) => `\n${s.number}\n${s.text}\n`).join("");

function score(sonnets: Sonnet[], strict = false) {
  const warnings: string[] = [];
  const scores = scoreSonnetFiles(file(sonnets), "gen.txt", goldText, "gold.txt", {
    warn: (m) => warnings.push(m),
    strict,
  });
  return { scores, warnings };
}

Deno.test("scoreSonnetFiles() scores chrF 100 when the generated file is the gold in reverse order", () => {
  const { scores, warnings } = score([...gold].reverse());
  assert.equal(scores.chrf, 100);
  assert.equal(scores.sonnets, 12);
  assert.deepEqual(warnings, []);
});

Deno.test("scoreSonnetFiles() scores the rest at chrF 100 and names sonnet 132 when it is missing", () => {
  const { scores, warnings } = score(gold.filter((s) => s.number !== 132));
  assert.equal(scores.chrf, 100);
  assert.equal(scores.sonnets, 11);
  assert.deepEqual(warnings, ["gen.txt lacks sonnet 132 of gold.txt (not scored)"]);
});

Deno.test("scoreSonnetFiles() names extra and repeated numbers and scores the first copy", () => {
  const extra = { ...gold[0], number: 150 };
  const repeat = { ...gold[1], text: "Something else entirely,\nnot the gold at all." };
  const { scores, warnings } = score([...gold, extra, repeat]);
  assert.equal(scores.chrf, 100);
  assert.equal(scores.sonnets, 12);
  assert.deepEqual(warnings, [
    "gen.txt has sonnet 150, which gold.txt does not have (not scored)",
    "gen.txt repeats sonnet 133 (the first of each is scored)",
  ]);
});

Deno.test("scoreSonnetFiles() throws naming every number when strict and numbers do not pair", () => {
  const sonnets = [...gold.slice(2), { ...gold[2], number: 7 }, gold[3]];
  assert.throws(
    () => score(sonnets, true),
    /--strict: gen\.txt lacks sonnets 132, 133 of gold\.txt.*has sonnet 7,.*repeats sonnet 135/,
  );
  assert.equal(score(gold, true).scores.chrf, 100);
});

Deno.test("scoreSonnetFiles() throws when no number is in both files", () => {
  assert.throws(
    () => score([{ ...gold[0], number: 1 }]),
    /gen\.txt and gold\.txt have no sonnet number in common/,
  );
});
