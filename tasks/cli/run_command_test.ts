import assert from "node:assert/strict";
import { join } from "node:path";
import { formatCommandError, takeDebugFlag } from "./run_command.ts";

const TRAIN = new URL("./train.ts", import.meta.url).pathname;

Deno.test("formatCommandError() prints one line without --debug and the stack and causes with it", () => {
  const error = new Error("outer", { cause: new TypeError("inner") });
  assert.equal(formatCommandError(error, false), "error: outer");
  const debug = formatCommandError(error, true);
  assert.match(debug, /^error: outer\n\nError: outer\n {4}at /);
  assert.match(debug, /\ncaused by: TypeError: inner\n {4}at /);
  assert.deepEqual(takeDebugFlag(["--a", "--debug", "--b"]), { debug: true, rest: ["--a", "--b"] });
});

/** Runs `deno run -A train.ts …args` with private caches and HF_HUB_OFFLINE=1. */
async function train(args: string[]): Promise<{ code: number; stderr: string }> {
  const home = await Deno.makeTempDir({ prefix: "train_cli_" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", TRAIN, ...args, `--out=${join(home, "run")}`],
      env: { GPT2_CACHE_DIR: home, HF_HUB_CACHE: join(home, "hf"), HF_HUB_OFFLINE: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("train --task=sonnet without reachable weights ends with one paragraph naming --model=tiny", async () => {
  const { code, stderr } = await train(["--task=sonnet"]);
  assert.equal(code, 2, stderr);
  const last = stderr.trimEnd().split("\n").at(-1)!;
  assert.match(last, /^error: gpt2 was not found and HF_HUB_OFFLINE is set\. Looked in /);
  assert.match(last, /train_cli_\w+\/gpt2 and in the Hugging Face cache \(.*hf\/models--gpt2\//);
  assert.match(
    last,
    /Put config\.json and model\.safetensors in .*train_cli_\w+\/gpt2 \(from https:\/\/huggingface\.co\/gpt2\/resolve\/main\/config\.json/,
  );
  assert.match(last, /deno task train --task=sonnet --model=tiny$/);
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
});

Deno.test("train shows the stack trace of a user error only with --debug", async () => {
  const plain = await train(["--task=sonnet", "--lr=abc"]);
  assert.equal(plain.code, 2);
  assert.equal(plain.stderr.trim(), 'error: --lr: expected a number in (0, 10], got "abc"');
  const debug = await train(["--task=sonnet", "--lr=abc", "--debug"]);
  assert.equal(debug.code, 2);
  assert.match(debug.stderr, /^error: --lr: .*\n\nError: --lr: .*\n {4}at parseTrainArgs /);
});
