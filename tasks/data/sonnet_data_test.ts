import assert from "node:assert/strict";
import { testDataFile } from "../../tests/fixture.ts";
import { loadSonnets, parseSonnets } from "./sonnet_data.ts";

const real = (name: string) => testDataFile(name)!;
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

Deno.test("loadSonnets() finds sonnets 1..131, all 14 lines but 99 (15) and 126 (12), in sonnets.txt", async () => {
  const { sonnets, header } = await loadSonnets(real("sonnets.txt"));
  assert.deepEqual(sonnets.map((s) => s.number), range(1, 131));
  const odd = sonnets.filter((s) => s.lines.length !== 14).map((s) => [s.number, s.lines.length]);
  assert.deepEqual(odd, [[99, 15], [126, 12]]);
  assert.ok(header.startsWith("Sonnets\nby William Shakespeare"));
  assert.equal(sonnets[0].lines[0], "From fairest creatures we desire increase,");
  assert.equal(sonnets[0].lines[13], "To eat the world's due, by the grave and thee.");
  // Lines of the number lines, found with awk '/^[0-9]+$/{print NR}'.
  const at = (n: number) => sonnets.find((s) => s.number === n)?.line;
  assert.deepEqual([at(1), at(99), at(126), at(131)], [12, 1678, 2138, 2221]);
});

Deno.test("parseSonnets() gives CS224N's texts when compared with its split on the real files", async () => {
  for (const name of ["sonnets.txt", "TRUE_sonnets_held_out_dev.txt", "sonnets_held_out.txt"]) {
    const text = await Deno.readTextFile(real(name));
    const cs224n = text.split(/\n\s*\d+\s*\n/).slice(1).map((s) => s.trim());
    assert.deepEqual(parseSonnets(text, name).sonnets.map((s) => s.text), cs224n, name);
  }
});

Deno.test("loadSonnets() finds prompts 132..143 of 3 lines each in the dev prompts file", async () => {
  const { sonnets } = await loadSonnets(real("sonnets_held_out_dev.txt"));
  assert.deepEqual(sonnets.map((s) => s.number), range(132, 143));
  assert.ok(sonnets.every((s) => s.lines.length === 3));
  assert.equal(sonnets[0].lines[0], "Thine eyes I love, and they, as pitying me,");
});

Deno.test("loadSonnets() finds 12 gold sonnets of 14 lines that start with the dev prompts", async () => {
  const gold = (await loadSonnets(real("TRUE_sonnets_held_out_dev.txt"))).sonnets;
  const prompts = (await loadSonnets(real("sonnets_held_out_dev.txt"))).sonnets;
  assert.deepEqual(gold.map((s) => s.number), range(132, 143));
  assert.ok(gold.every((s) => s.lines.length === 14));
  assert.deepEqual(gold.map((s) => s.lines.slice(0, 3)), prompts.map((s) => s.lines));
});

Deno.test("loadSonnets() finds prompts 145..156 of 3 lines each in the test prompts file", async () => {
  const { sonnets } = await loadSonnets(real("sonnets_held_out.txt"));
  assert.deepEqual(sonnets.map((s) => s.number), range(145, 156));
  assert.ok(sonnets.every((s) => s.lines.length === 3));
});

Deno.test("parseSonnets() trims texts and lines when sonnets are indented and spaced", () => {
  const text = "Header\n\n 7 \n\n  First line,\n\n  second line.  \n\n8\nThird\n";
  const { header, sonnets } = parseSonnets(text, "x.txt");
  assert.equal(header, "Header");
  assert.deepEqual(sonnets, [
    {
      number: 7,
      text: "First line,\n\n  second line.",
      lines: ["First line,", "second line."],
      line: 3,
    },
    { number: 8, text: "Third", lines: ["Third"], line: 9 },
  ]);
});

Deno.test("parseSonnets() throws naming the file when there is no numbered sonnet", () => {
  assert.throws(
    () => parseSonnets("just a poem\nwith lines\n", "plain.txt"),
    /plain\.txt: no numbered sonnets/,
  );
  assert.throws(() => parseSonnets("", "empty.txt"), /empty\.txt: no numbered sonnets/);
});

Deno.test("parseSonnets() throws naming file, line and number when a numbered sonnet has no lines", () => {
  assert.throws(
    () => parseSonnets("H\n\n1\n\nA line.\n\n2\n\n   \n", "gap.txt"),
    /^Error: gap\.txt:7: sonnet 2 has no lines/,
  );
});

Deno.test("parseSonnets() throws naming both lines when a number appears twice", () => {
  assert.throws(
    () => parseSonnets("H\n1\nA.\n1\nB.\n", "dup.txt"),
    /dup\.txt:4: sonnet 1 appears twice \(first at line 2\)/,
  );
});
