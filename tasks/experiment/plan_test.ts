import assert from "node:assert/strict";
import { join } from "node:path";
import { TASK_STRATEGIES } from "../engine/train_config.ts";
import { FIRST_SEED, loadPlan, parseSeeds, planFromArms, planFromJson } from "./plan.ts";

const sst = (arms: unknown[], extra: Record<string, unknown> = {}) => ({
  task: "sst",
  arms,
  ...extra,
});

Deno.test("planFromJson() gives each arm the plan's flags, the command line's, then its own", () => {
  const plan = planFromJson(
    sst([
      { name: "full", strategy: "full" },
      {
        name: "slow",
        strategy: "full",
        flags: { lr: 1e-6, epochs: 2 },
        study: { dev_accuracy: 0.5 },
      },
    ], { flags: { "max-length": 64, epochs: 3 }, seeds: 2 }),
    "p.json",
    { flags: ["--model=tiny", "--epochs=1"] },
  );
  assert.deepEqual(plan.seeds, [FIRST_SEED, FIRST_SEED + 1]);
  assert.deepEqual(plan.arms[0].flags, [
    "--max-length=64",
    "--model=tiny",
    "--epochs=1",
  ]);
  assert.deepEqual(plan.arms[1].flags, [
    "--max-length=64",
    "--model=tiny",
    "--lr=0.000001",
    "--epochs=2",
  ]);
  assert.deepEqual(plan.arms[1].study, { dev_accuracy: 0.5 });
  assert.equal(plan.name, "p");
});

Deno.test("planFromJson() names the file, the arm and the strategy when a strategy is unknown", () => {
  assert.throws(
    () => planFromJson(sst([{ name: "adapters", strategy: "bitfit" }]), "plans/x.json"),
    /plan plans\/x\.json: arm adapters: strategy "bitfit" is not a strategy of task sst \(sst has: full, last-linear, ulmfit, lora, prefix\)/,
  );
});

Deno.test("planFromJson() names the file, the arm and the flag when a flag is unknown or malformed", () => {
  assert.throws(
    () =>
      planFromJson(sst([{ name: "a", strategy: "full", flags: { "learning-rate": 1 } }]), "x.json"),
    /plan x\.json: arm a: flag --learning-rate: .*learning-rate/,
  );
  assert.throws(
    () => planFromJson(sst([{ name: "a", strategy: "full", flags: { lr: "fast" } }]), "x.json"),
    /plan x\.json: arm a: flag --lr: .*"fast"/,
  );
  assert.throws(
    () => planFromJson(sst([{ name: "a", strategy: "full", flags: { seed: 3 } }]), "x.json"),
    /arm a: flag --seed is set by the experiment/,
  );
  assert.throws(
    () =>
      planFromJson(sst([{ name: "a", strategy: "full" }]), "x.json", {
        flags: ["--temperature=1"],
      }),
    /arm a: flag --temperature: .*sonnet only/,
  );
});

Deno.test("planFromJson() refuses arms of different tasks, naming each arm's task", () => {
  assert.throws(
    () =>
      planFromJson({
        task: "sst",
        arms: [{ name: "a", strategy: "full" }, { name: "b", task: "cfimdb", strategy: "full" }],
      }, "mixed.json"),
    /plan mixed\.json: arms of different tasks \(a: sst, b: cfimdb\)/,
  );
  assert.throws(
    () => planFromJson(sst([{ name: "a", strategy: "full" }]), "s.json", { task: "cfimdb" }),
    /--task=cfimdb differs from the task of plan s\.json \(sst\)/,
  );
});

Deno.test("planFromJson() refuses unknown keys, duplicate names and folder-unsafe names", () => {
  assert.throws(
    () => planFromJson(sst([{ name: "a", strategy: "full" }], { sedes: 3 }), "k.json"),
    /unknown key "sedes"/,
  );
  assert.throws(
    () =>
      planFromJson(
        sst([{ name: "a", strategy: "full" }, { name: "a", strategy: "ulmfit" }]),
        "d.json",
      ),
    /arm name a appears twice/,
  );
  assert.throws(
    () => planFromJson(sst([{ name: "../up", strategy: "full" }]), "n.json"),
    /must be letters/,
  );
});

Deno.test("planFromArms() names arms after their strategies and checks them", () => {
  const plan = planFromArms("sst", "full,last-linear", { seeds: "1,5" });
  assert.deepEqual(plan.arms.map((a) => [a.name, a.strategy]), [["full", "full"], [
    "last-linear",
    "last-linear",
  ]]);
  assert.deepEqual(plan.seeds, [1, 5]);
  assert.equal(plan.name, "sst-full-last-linear");
  assert.throws(
    () => planFromArms("sst", "full,bitfit"),
    /arm bitfit: strategy "bitfit" is not a strategy of task sst/,
  );
});

Deno.test("parseSeeds() takes a count or a list and names the flag otherwise", () => {
  assert.deepEqual(parseSeeds("3", "--seeds"), [11711, 11712, 11713]);
  assert.deepEqual(parseSeeds([4, 2], "plan"), [4, 2]);
  assert.throws(() => parseSeeds("0", "--seeds"), /--seeds: expected a count/);
  assert.throws(() => parseSeeds("1,1", "--seeds"), /--seeds/);
  assert.throws(() => parseSeeds("a,b", "--seeds"), /--seeds/);
});

Deno.test("loadPlan() reads every study plan, or names the arm whose strategy is not registered yet", async () => {
  const dir = new URL("./plans/", import.meta.url).pathname;
  for (const task of ["sst", "cfimdb", "quora", "sonnet"]) {
    const path = join(dir, `${task}.json`);
    const json = JSON.parse(await Deno.readTextFile(path));
    const known = json.arms.filter((a: { strategy: string }) =>
      TASK_STRATEGIES[task].includes(a.strategy)
    );
    const unknown = json.arms.filter((a: { strategy: string }) =>
      !TASK_STRATEGIES[task].includes(a.strategy)
    );
    if (unknown.length === 0) {
      const plan = await loadPlan(path);
      assert.equal(plan.task, task);
      assert.ok(plan.arms.some((a) => Object.keys(a.study).length > 0), `${task}: study numbers`);
    } else {
      const first = unknown[0];
      await assert.rejects(
        () => loadPlan(path),
        new RegExp(
          `arm ${first.name}: strategy "${first.strategy}" is not a strategy of task ${task}`,
        ),
      );
    }
    if (known.length > 0) {
      const only = known.map((a: { name: string }) => a.name).join(",");
      const plan = await loadPlan(path, { only });
      assert.deepEqual(plan.arms.map((a) => a.name), only.split(","));
    }
  }
  await assert.rejects(() => loadPlan(join(dir, "nope.json")), /plan .*nope\.json: cannot read it/);
});

Deno.test("planFromJson() with only keeps the named arms and names an unknown one", () => {
  const json = sst([{ name: "full", strategy: "full" }, { name: "ulmfit", strategy: "ulmfit" }]);
  assert.deepEqual(planFromJson(json, "p.json", { only: "ulmfit" }).arms.map((a) => a.name), [
    "ulmfit",
  ]);
  assert.throws(
    () => planFromJson(json, "p.json", { only: "lora" }),
    /--only: plan p\.json has no arm lora \(its arms: full, ulmfit\)/,
  );
});
