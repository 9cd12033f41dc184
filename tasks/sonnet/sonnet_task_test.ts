import assert from "node:assert/strict";
import { decode } from "../../model/tokenizer.ts";
import { dataFile, testDataDir } from "../data/data_dir.ts";
import { loadSonnets } from "../data/sonnet_data.ts";
import { continuationSequences, sonnetSequences } from "./sonnet_task.ts";

Deno.test("continuationSequences() gives each gold sonnet's own tokens, the context ending after line 3", async () => {
  const file = dataFile(testDataDir(), "TRUE_sonnets_held_out_dev.txt");
  const gold = (await loadSonnets(file)).sonnets;
  const { sequences, contextLengths } = continuationSequences(gold, 3, 1024);
  assert.deepEqual(sequences, sonnetSequences(gold, 1024)); // splitting does not change the BPE
  gold.forEach((s, i) => {
    assert.equal(
      decode(sequences[i].slice(0, contextLengths[i])),
      s.lines.slice(0, 3).join("\n") + "\n",
    );
  });
  assert.throws(
    () => continuationSequences(gold.slice(0, 1), 3, 10),
    /sonnet 132 \(line \d+\): its first 3 lines fill the 10-token limit/,
  );
});
