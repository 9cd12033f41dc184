import assert from "node:assert/strict";
import { inTempDir, listDir } from "../../tests/temp_dir.ts";
import { join } from "node:path";
import { testDataFile } from "../../tests/fixture.ts";
import { loadSonnets, parseSonnets } from "./sonnet_data.ts";
import {
  formatPredictions,
  formatSonnetFile,
  parsePredictions,
  readPredictions,
  writePredictionsCsv,
  writeSonnetFile,
  writeTextAtomic,
} from "./writers.ts";

Deno.test("formatPredictions() writes CS224N's header and rows when the style is cs224n", () => {
  const text = formatPredictions("Predicted_Sentiment", [
    { id: "ab12", value: 3 },
    { id: "cd34", value: "0" },
  ]);
  assert.equal(text, "id \t Predicted_Sentiment \nab12, 3 \ncd34, 0 \n");
});

Deno.test("formatPredictions() writes plain comma-separated lines when the style is csv", () => {
  const text = formatPredictions("Predicted_Is_Paraphrase", [{ id: "q1", value: 1 }], "csv");
  assert.equal(text, "id,Predicted_Is_Paraphrase\nq1,1\n");
});

Deno.test("formatPredictions() throws naming the row when an id or value is unusable", () => {
  assert.throws(() => formatPredictions("Predicted_Sentiment", [{ id: "a,b", value: 1 }]), /row 0/);
  assert.throws(() => formatPredictions("Predicted_Sentiment", [{ id: "", value: 1 }]), /row 0/);
  const rows = [{ id: "ok", value: 1 }, { id: "x", value: Number.NaN }];
  assert.throws(() => formatPredictions("Predicted_Sentiment", rows), /row 1 \(id x\)/);
  assert.throws(
    () => formatPredictions("Predicted_Sentiment", [{ id: "x", value: "1\n2" }]),
    /row 0/,
  );
});

Deno.test("writePredictionsCsv() round-trips ids and values when read back in both styles", async () => {
  await inTempDir(async (dir) => {
    const rows = [{ id: "32a4f146782cbde1b7fa65799", value: 3 }, { id: "6e0fb51a6", value: 0 }];
    for (const style of ["cs224n", "csv"] as const) {
      const path = join(dir, `sst-dev-${style}.csv`);
      await writePredictionsCsv(path, "Predicted_Sentiment", rows, style);
      const back = await readPredictions(path);
      assert.equal(back.header, "Predicted_Sentiment");
      assert.deepEqual(back.rows.map((r) => [r.id, Number(r.value)]), [
        ["32a4f146782cbde1b7fa65799", 3],
        ["6e0fb51a6", 0],
      ]);
      assert.deepEqual(back.rows.map((r) => r.line), [2, 3]);
    }
    assert.deepEqual(await listDir(dir), ["sst-dev-cs224n.csv", "sst-dev-csv.csv"]);
  });
});

Deno.test("parsePredictions() throws naming file and line when a row has no comma", () => {
  assert.throws(
    () => parsePredictions("id \t Predicted_Sentiment \nab12 3\n", "p.csv"),
    /^Error: p\.csv:2: expected "id, value"/,
  );
  assert.throws(() => parsePredictions("name,a,b\n", "h.csv"), /^Error: h\.csv:1: header/);
});

Deno.test("writeTextAtomic() replaces a file and leaves no temporary file when it succeeds", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "out.txt");
    await Deno.writeTextFile(path, "old contents that are longer\n");
    await writeTextAtomic(path, "new\n");
    assert.equal(await Deno.readTextFile(path), "new\n");
    assert.deepEqual(await listDir(dir), ["out.txt"]);
  });
});

Deno.test("writeTextAtomic() throws and leaves the old file when the target is a folder", async () => {
  await inTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "taken"));
    await Deno.writeTextFile(join(dir, "taken", "keep.txt"), "keep");
    await assert.rejects(writeTextAtomic(join(dir, "taken"), "x"));
    assert.deepEqual(await listDir(dir), ["taken"]);
    assert.equal(await Deno.readTextFile(join(dir, "taken", "keep.txt")), "keep");
  });
});

Deno.test("writeTextAtomic() throws when the folder does not exist", async () => {
  await inTempDir(async (dir) => {
    await assert.rejects(
      writeTextAtomic(join(dir, "missing", "out.txt"), "x"),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("formatSonnetFile() writes CS224N's layout when given sonnets", () => {
  const text = formatSonnetFile([
    { number: 132, text: "Line one,\nline two." },
    { number: 133, text: "Other." },
  ]);
  assert.equal(
    text,
    "--Generated Sonnets-- \n\n\n132\nLine one,\nline two.\n\n\n133\nOther.\n\n",
  );
});

Deno.test("formatSonnetFile() output reads back with parseSonnets() when given the gold dev sonnets", async () => {
  const gold = (await loadSonnets(testDataFile("TRUE_sonnets_held_out_dev.txt")!))
    .sonnets;
  const back = parseSonnets(formatSonnetFile(gold), "formatted").sonnets;
  assert.deepEqual(back.map((s) => [s.number, s.text]), gold.map((s) => [s.number, s.text]));
});

Deno.test("formatSonnetFile() throws when a text holds a line that is only a number", () => {
  assert.throws(
    () => formatSonnetFile([{ number: 1, text: "A line\n12\nanother line" }]),
    /read back as sonnets \[1, 12\] instead of \[1\]/,
  );
});

Deno.test("formatSonnetFile() throws when the header spans lines, a text is blank or a number is bad", () => {
  assert.throws(() => formatSonnetFile([{ number: 1, text: "x" }], "two\nlines"), /one line/);
  assert.throws(() => formatSonnetFile([{ number: 1, text: " \n " }]), /sonnet 1 has no text/);
  assert.throws(() => formatSonnetFile([{ number: 1.5, text: "x" }]), /1\.5 is not/);
});

Deno.test("writeSonnetFile() writes a file that loadSonnets() reads back when given a header", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "generated_sonnets_dev.txt");
    const sonnets = [{ number: 145, text: "Those lips\nthat Love's own hand" }];
    await writeSonnetFile(path, sonnets, "--My Sonnets--");
    const back = await loadSonnets(path);
    assert.equal(back.header, "--My Sonnets--");
    assert.deepEqual(back.sonnets.map((s) => [s.number, s.lines]), [
      [145, ["Those lips", "that Love's own hand"]],
    ]);
    assert.deepEqual(await listDir(dir), ["generated_sonnets_dev.txt"]);
  });
});
