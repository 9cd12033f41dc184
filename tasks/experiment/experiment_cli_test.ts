import assert from "node:assert/strict";
import { parseExperimentArgs, resolvePlan } from "./experiment_cli.ts";

Deno.test("parseExperimentArgs() keeps its own options and passes the rest on as train flags", () => {
  const args = parseExperimentArgs([
    "--task=sst",
    "--arms",
    "full,ulmfit",
    "--seeds=2",
    "--fail-fast",
    "--model",
    "tiny",
    "--max-steps=5",
  ]);
  assert.deepEqual(
    [args.task, args.arms, args.seeds, args.failFast, args.trainFlags],
    ["sst", "full,ulmfit", "2", true, ["--model=tiny", "--max-steps=5"]],
  );
  assert.throws(() => parseExperimentArgs(["sst"]), /unexpected argument "sst"/);
  assert.throws(() => parseExperimentArgs(["--model"]), /--model needs a value/);
});

Deno.test("resolvePlan() needs --plan or --task with --arms, not both", async () => {
  await assert.rejects(
    () => resolvePlan(parseExperimentArgs(["--arms=full"])),
    /give --plan FILE, or --task/,
  );
  await assert.rejects(
    () => resolvePlan(parseExperimentArgs(["--plan=x.json", "--task=sst", "--arms=full"])),
    /not both/,
  );
  await assert.rejects(
    () => resolvePlan(parseExperimentArgs(["--task=sst", "--arms=full", "--lr=fast"])),
    /arm full: flag --lr: .*"fast"/,
  );
  const plan = await resolvePlan(
    parseExperimentArgs(["--task=cfimdb", "--arms=full", "--seeds=1"]),
  );
  assert.deepEqual([plan.task, plan.seeds], ["cfimdb", [11711]]);
});
