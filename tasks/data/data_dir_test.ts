import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import {
  bundledDataFile,
  DATA_DIR_ENV,
  dataCacheDir,
  dataFile,
  resolveDataDir,
} from "./data_dir.ts";

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

Deno.test("resolveDataDir() returns the data cache when neither flag nor environment is set", () => {
  const env = (vars: Record<string, string>) => (k: string) => vars[k];
  assert.equal(
    resolveDataDir(undefined, env({ HOME: "/home/ada" })),
    "/home/ada/.cache/gpt2-webgpu/data",
  );
  assert.equal(
    resolveDataDir("", env({ GPT2_DATA_DIR: "", GPT2_CACHE_DIR: "/c", HOME: "/h" })),
    join("/c", "data"),
  );
});

Deno.test("dataCacheDir() prefers GPT2_CACHE_DIR, then HOME, and says what to set when neither is", () => {
  assert.equal(dataCacheDir((k) => ({ GPT2_CACHE_DIR: "/c", HOME: "/h" })[k]), join("/c", "data"));
  assert.equal(
    dataCacheDir((k) => ({ USERPROFILE: "C:/u" })[k]),
    join("C:/u", ".cache", "gpt2-webgpu", "data"),
  );
  assert.throws(() => dataCacheDir(() => undefined), /set GPT2_DATA_DIR, GPT2_CACHE_DIR or HOME/);
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

Deno.test("dataFile() falls back to the sonnet files that ship with the module", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = dataFile(dir, "sonnets.txt");
    assert.equal(path, bundledDataFile("sonnets.txt"));
    assert.match(path, /tasks[\\/]data[\\/]sonnets[\\/]sonnets\.txt$/);
    await Deno.writeTextFile(join(dir, "sonnets.txt"), "1\nmine\n");
    assert.equal(dataFile(dir, "sonnets.txt"), join(dir, "sonnets.txt"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dataFile() names the public copy's URL and deno task data when a CSV is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.throws(
      () => dataFile(dir, "ids-cfimdb-dev.csv"),
      /public copy: https:\/\/raw\.githubusercontent\.com\/.*ids-cfimdb-dev\.csv\).*deno task data/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
