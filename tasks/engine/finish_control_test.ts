import assert from "node:assert/strict";
import { inTempDir } from "../../tests/temp_dir.ts";
import { finishControl, FinishInterrupted } from "./finish_control.ts";

Deno.test("finishControl() records a part, stops after it when asked, and skips it on the next run", async () => {
  await inTempDir(async (run) => {
    let stop = false;
    const ran: string[] = [];
    const first = await finishControl(run, 7, () => stop, () => {});
    await assert.rejects(
      () =>
        first.part("dev", () => {
          ran.push("dev");
          stop = true; // Ctrl-C while the dev part runs
          return Promise.resolve();
        }),
      (e: Error) => e instanceof FinishInterrupted && /after dev/.test(e.message),
    );
    stop = false;
    const notes: string[] = [];
    const second = await finishControl(run, 7, () => stop, (m) => notes.push(m));
    await second.part("dev", () => Promise.resolve(void ran.push("dev again")));
    await second.part("test", () => Promise.resolve(void ran.push("test")));
    assert.deepEqual(ran, ["dev", "test"]);
    assert.match(notes[0], /dev already done before the interruption, kept/);
    // Parts recorded for other weights (another step) are redone.
    const other = await finishControl(run, 8, () => false, () => {});
    await other.part("dev", () => Promise.resolve(void ran.push("dev for step 8")));
    assert.equal(ran.at(-1), "dev for step 8");
  });
});

Deno.test("finishControl() does not start a part once a stop was asked", async () => {
  await inTempDir(async (run) => {
    const control = await finishControl(run, 1, () => true, () => {});
    let started = false;
    await assert.rejects(
      () => control.part("test", () => Promise.resolve(void (started = true))),
      /before test/,
    );
    assert.equal(started, false);
  });
});
