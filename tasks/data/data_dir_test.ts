import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { DATA_DIR_ENV, dataFile, resolveDataDir, testDataDir } from "./data_dir.ts";

/** Runs `fn` with GPT2_DATA_DIR set to `value` (or unset), restoring it afterwards. */
function withEnv(value: string | undefined, fn: () => void): void {
  const saved = Deno.env.get(DATA_DIR_ENV);
  try {
    if (value === undefined) Deno.env.delete(DATA_DIR_ENV);
    else Deno.env.set(DATA_DIR_ENV, value);
    fn();
  } finally {
    if (saved === undefined) Deno.env.delete(DATA_DIR_ENV);
    else Deno.env.set(DATA_DIR_ENV, saved);
  }
}

Deno.test("resolveDataDir() returns the flag when a flag is given, whatever the environment says", () => {
  withEnv("/from/env", () => assert.equal(resolveDataDir("/from/flag"), "/from/flag"));
});

Deno.test("resolveDataDir() returns GPT2_DATA_DIR when no flag is given", () => {
  withEnv("/from/env", () => {
    assert.equal(resolveDataDir(), "/from/env");
    assert.equal(resolveDataDir(""), "/from/env");
  });
});

Deno.test("resolveDataDir() returns ./data when neither flag nor environment is set", () => {
  withEnv(undefined, () => assert.equal(resolveDataDir(), "./data"));
  withEnv("", () => assert.equal(resolveDataDir(), "./data"));
});

Deno.test("dataFile() returns the joined path when the file exists", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "a.csv"), "x\n");
    assert.equal(dataFile(dir, "a.csv"), join(dir, "a.csv"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dataFile() throws naming the full path, CS224N and both settings when the file is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const full = resolve(dir, "ids-sst-train.csv");
    assert.throws(() => dataFile(dir, "ids-sst-train.csv"), (error: Error) => {
      assert.ok(error.message.includes(full), error.message);
      assert.ok(error.message.includes("CS224N"), error.message);
      assert.ok(error.message.includes("Build GPT-2"), error.message);
      assert.ok(error.message.includes("--data-dir"), error.message);
      assert.ok(error.message.includes("GPT2_DATA_DIR"), error.message);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dataFile() throws when the name is a folder, not a file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "sub"));
    assert.throws(() => dataFile(dir, "sub"), /is not a file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("testDataDir() finds the shared data folder when GPT2_DATA_DIR is unset", () => {
  withEnv(undefined, () => {
    const dir = testDataDir();
    assert.ok(Deno.statSync(join(dir, "sonnets.txt")).isFile, dir);
    assert.ok(Deno.statSync(join(dir, "quora-dev.csv")).isFile, dir);
  });
});

Deno.test("testDataDir() returns GPT2_DATA_DIR when it is set", () => {
  withEnv("/somewhere/else", () => assert.equal(testDataDir(), "/somewhere/else"));
});
