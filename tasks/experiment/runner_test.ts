import assert from "node:assert/strict";
import { join } from "node:path";
import type { CellOutcome } from "./cell_process.ts";
import { cellState, readCellRecord } from "./layout.ts";
import { planFromArms } from "./plan.ts";
import { type CellRunner, runExperiment } from "./runner.ts";

/** A fake train command: writes the files a real run leaves, per scripted outcome. */
function fakeRunner(
  script: (arm: string, seed: number, args: string[]) => CellOutcome["status"],
  calls: string[],
): CellRunner {
  return async (cell, args) => {
    calls.push(
      `${cell.arm}/${cell.seed}${args.some((a) => a.startsWith("--resume")) ? " resume" : ""}`,
    );
    await Deno.mkdir(join(cell.dir, "checkpoint"), { recursive: true });
    await Deno.writeTextFile(join(cell.dir, "config.json"), "{}");
    const status = script(cell.arm, cell.seed, args);
    await Deno.writeTextFile(
      join(cell.dir, "train.log"),
      `line 1\nline 2\nerror: boom in ${cell.arm}\n`,
      {
        append: true,
      },
    );
    if (status === "completed") await Deno.writeTextFile(join(cell.dir, "summary.json"), "{}");
    if (status === "interrupted") {
      await Deno.writeTextFile(join(cell.dir, "checkpoint/train_state.json"), "{}");
    }
    return {
      status,
      exitCode: status === "completed" ? 0 : status === "interrupted" ? 130 : 2,
      seconds: 1,
      ...(status === "crashed" ? { error: `error: boom in ${cell.arm}` } : {}),
    };
  };
}

const plan = () => planFromArms("sst", "full,last-linear", { seeds: "2", flags: ["--model=tiny"] });

Deno.test("runExperiment() skips done cells and resumes an interrupted one", async () => {
  const out = await Deno.makeTempDir();
  const calls: string[] = [];
  const interrupt = { requested: false };
  const first = await runExperiment(plan(), {
    out,
    interrupt,
    log: () => {},
    runCell: fakeRunner((arm, seed) => {
      if (arm === "last-linear" && seed === 11711) {
        interrupt.requested = true;
        return "interrupted";
      }
      return "completed";
    }, calls),
  });
  assert.equal(first.status, "interrupted");
  assert.deepEqual(calls, ["full/11711", "last-linear/11711"]);
  assert.equal(first.cells[2].action, "not-reached");
  const second = await runExperiment(plan(), {
    out,
    log: () => {},
    runCell: fakeRunner(() => "completed", calls),
  });
  assert.equal(second.status, "finished");
  assert.deepEqual(calls.slice(2), ["last-linear/11711 resume", "full/11712", "last-linear/11712"]);
  assert.deepEqual(second.cells.map((c) => c.action), ["skipped", "resumed", "ran", "ran"]);
  await Deno.remove(out, { recursive: true });
});

Deno.test("runExperiment() reports a crashed cell with its log's last lines and goes on", async () => {
  const out = await Deno.makeTempDir();
  const calls: string[] = [];
  const messages: string[] = [];
  const result = await runExperiment(plan(), {
    out,
    log: (m) => messages.push(m),
    runCell: fakeRunner((arm) => (arm === "full" ? "crashed" : "completed"), calls),
  });
  assert.equal(result.status, "finished");
  assert.equal(calls.length, 4, "the crash did not stop the other cells");
  const crash = messages.find((m) => m.includes("full seed 11711 CRASHED"))!;
  assert.match(crash, /error: boom in full/);
  assert.match(crash, /last lines of .*train\.log:\n {4}line 1\n {4}line 2/);
  assert.match(messages.at(-1)!, /2\/4 cells done, 2 crashed \(full seed 11711, full seed 11712\)/);
  const record = await readCellRecord({
    arm: "full",
    seed: 11711,
    dir: join(out, "full/seed-11711"),
  });
  assert.equal(record?.status, "crashed");
  await Deno.remove(out, { recursive: true });
});

Deno.test("runExperiment() stops at the first crash with failFast", async () => {
  const out = await Deno.makeTempDir();
  const calls: string[] = [];
  const result = await runExperiment(plan(), {
    out,
    failFast: true,
    log: () => {},
    runCell: fakeRunner((arm) => (arm === "last-linear" ? "crashed" : "completed"), calls),
  });
  assert.equal(result.status, "stopped");
  assert.deepEqual(calls, ["full/11711", "last-linear/11711"]);
  await Deno.remove(out, { recursive: true });
});

Deno.test("runExperiment() starts over a cell that crashed before its first checkpoint, keeping its log", async () => {
  const out = await Deno.makeTempDir();
  const dir = join(out, "full/seed-11711");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "config.json"), "{}");
  await Deno.writeTextFile(join(dir, "metrics.jsonl"), "{}\n");
  await Deno.writeTextFile(join(dir, "train.log"), "first attempt\n");
  const cell = { arm: "full", seed: 11711, dir };
  assert.equal(await cellState(cell), "started");
  const seen: string[][] = [];
  await runExperiment(planFromArms("sst", "full", { seeds: "1" }), {
    out,
    log: () => {},
    runCell: async (c, args) => {
      seen.push([...(await Array.fromAsync(Deno.readDir(c.dir))).map((e) => e.name), ...args]);
      return { status: "crashed", exitCode: 2, seconds: 0, error: "x" };
    },
  });
  assert.deepEqual(
    seen[0].slice(0, 1),
    ["train.log"],
    "config.json and metrics.jsonl removed first",
  );
  assert.ok(seen[0].includes(`--out=${dir}`) && !seen[0].some((a) => a.startsWith("--resume")));
  assert.equal(await Deno.readTextFile(join(dir, "train.log")), "first attempt\n");
  await Deno.remove(out, { recursive: true });
});

Deno.test("runExperiment() refuses a folder holding another experiment", async () => {
  const out = await Deno.makeTempDir();
  await runExperiment(plan(), { out, log: () => {}, runCell: fakeRunner(() => "completed", []) });
  await assert.rejects(
    () =>
      runExperiment(planFromArms("sst", "ulmfit"), {
        out,
        log: () => {},
        runCell: fakeRunner(() => "completed", []),
      }),
    /experiment\.json holds another experiment \(task sst, arms full .*choose another --out/,
  );
  await Deno.remove(out, { recursive: true });
});
