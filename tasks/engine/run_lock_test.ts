import assert from "node:assert/strict";
import { join } from "node:path";
import { inTempDir } from "../../tests/temp_dir.ts";
import { acquireRunLock, RUN_LOCK_FILE } from "./run_lock.ts";

Deno.test("acquireRunLock() refuses a second writer naming the first, while the first holds it", async () => {
  await inTempDir(async (dir) => {
    const first = await acquireRunLock(dir);
    const owner = JSON.parse(await Deno.readTextFile(join(dir, RUN_LOCK_FILE)));
    assert.equal(owner.pid, Deno.pid);
    await assert.rejects(
      () => acquireRunLock(dir),
      new RegExp(`is in use by process ${Deno.pid} on .*one process at a time`),
    );
    first.release();
    await assert.rejects(() => Deno.stat(join(dir, RUN_LOCK_FILE)), Deno.errors.NotFound);
    const notes: string[] = [];
    const second = await acquireRunLock(dir, (m) => notes.push(m));
    assert.deepEqual(notes, [], "a released lock leaves nothing to take over");
    second.release();
  });
});

Deno.test("acquireRunLock() takes over a lock file left by a process that is gone, with a note", async () => {
  await inTempDir(async (dir) => {
    const stale = { pid: 999999, host: "elsewhere", since: "2026-01-01T00:00:00.000Z" };
    await Deno.writeTextFile(join(dir, RUN_LOCK_FILE), JSON.stringify(stale));
    const notes: string[] = [];
    const lock = await acquireRunLock(dir, (m) => notes.push(m));
    assert.equal(notes.length, 1);
    assert.match(notes[0], /taking over from process 999999 on elsewhere .*which has ended/);
    assert.equal(JSON.parse(await Deno.readTextFile(lock.path)).pid, Deno.pid);
    lock.release();
  });
});
