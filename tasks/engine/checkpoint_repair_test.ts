import assert from "node:assert/strict";
import { join } from "node:path";
import { inTempDir, listDir } from "../../tests/temp_dir.ts";
import { repairCheckpoints } from "./checkpoint_repair.ts";

async function folder(run: string, name: string, step: number | null, complete: boolean) {
  await Deno.mkdir(join(run, name));
  await Deno.writeTextFile(join(run, name, "model.safetensors"), `weights ${step}`);
  if (complete) await Deno.writeTextFile(join(run, name, "complete.json"), `{"step":${step}}`);
}

const weights = (run: string, name: string) =>
  Deno.readTextFile(join(run, name, "model.safetensors"));

Deno.test("repairCheckpoints() restores a stranded .old-* and removes an incomplete .tmp-*", async () => {
  await inTempDir(async (run) => {
    await folder(run, "checkpoint.old-a", 40, true); // killed between the two renames
    await folder(run, "checkpoint.tmp-b", null, false); // and its successor half-written
    const messages = await repairCheckpoints(run, ["checkpoint", "best"]);
    assert.deepEqual(await listDir(run), ["checkpoint"]);
    assert.equal(await weights(run, "checkpoint"), "weights 40");
    assert.deepEqual(messages, [
      "checkpoint: restored checkpoint.old-a (step 40), the newest complete checkpoint",
      "checkpoint: removed checkpoint.tmp-b (incomplete save)",
    ]);
  });
});

Deno.test("repairCheckpoints() keeps the newest complete folder when a complete .tmp-* is newer", async () => {
  await inTempDir(async (run) => {
    await folder(run, "checkpoint.old-a", 40, true); // between the renames: old moved away,
    await folder(run, "checkpoint.tmp-b", 41, true); // the complete new one not yet in place
    await folder(run, "best", 20, true);
    await folder(run, "best.tmp-c", 30, true); // a complete best save not yet renamed in
    const messages = await repairCheckpoints(run, ["checkpoint", "best"]);
    assert.deepEqual(await listDir(run), ["best", "checkpoint"]);
    assert.equal(await weights(run, "checkpoint"), "weights 41");
    assert.equal(await weights(run, "best"), "weights 30");
    assert.equal(messages.length, 3);
    assert.match(messages[2], /best: restored best\.tmp-c \(step 30\).*replacing the older best/);
  });
});

Deno.test("repairCheckpoints() leaves the current folder and says nothing when there is nothing to repair", async () => {
  await inTempDir(async (run) => {
    await folder(run, "checkpoint", 5, true);
    await folder(run, "checkpoint.old-a", 4, true); // killed before the old one was removed
    assert.deepEqual(await repairCheckpoints(run, ["checkpoint"]), [
      "checkpoint: removed checkpoint.old-a (older than the checkpoint kept)",
    ]);
    assert.deepEqual(await repairCheckpoints(run, ["checkpoint", "best"]), []);
    assert.equal(await weights(run, "checkpoint"), "weights 5");
  });
});
