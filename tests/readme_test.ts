/**
 * The README's API snippet runs as written (from the repository root, importing ./mod.ts).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The ```ts block that follows the `api-snippet` marker in README.md. */
export function apiSnippet(readme: string): string {
  const marker = readme.indexOf("<!-- api-snippet");
  assert.ok(marker >= 0, "README.md has no api-snippet marker");
  const start = readme.indexOf("```ts\n", marker);
  const end = readme.indexOf("\n```", start + 6);
  assert.ok(start >= 0 && end > start, "README.md: no ```ts block after the api-snippet marker");
  return readme.slice(start + 6, end + 1);
}

Deno.test("the README's API snippet runs and prints the logits shape, loss and tokens", async () => {
  const snippet = apiSnippet(await Deno.readTextFile(join(root, "README.md")));
  assert.ok(snippet.split("\n").length <= 16, "the snippet stays about a dozen lines");
  const code = snippet.replaceAll(
    '"./mod.ts"',
    JSON.stringify(new URL("../mod.ts", import.meta.url).href),
  );
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, code);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", file],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(file);
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  // [ 2, 6, 50257 ] <loss> 28 <text>
  assert.match(stdout, /^\[ 2, \d+, 50257 \] \d+\.\d+ 28 /);
});
