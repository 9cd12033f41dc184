/**
 * Importing the toolkit by URL: the repository root is served over HTTP on 127.0.0.1, and a fresh
 * Deno process, started in an empty temporary directory with `--no-config` (so it sees neither
 * deno.json nor deno.lock), imports `mod.ts` from there, loads the parity fixture, runs a forward
 * pass and a tokenizer round trip, and prints the results as JSON for this test to check.
 * The child gets a DENO_DIR of its own in the temporary directory (sharing only the npm cache).
 *
 * Needs `--allow-net --allow-read --allow-write --allow-run --allow-env`.
 */
import assert from "node:assert/strict";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
/** A one-layer checkpoint that ships with the tests (GPT-2's vocabulary). */
const CHECKPOINT = fileURLToPath(new URL("./fixtures/gpt2-l1-h8-c16-p24", import.meta.url));

/** Content types by extension: Deno takes a remote module's media type from this header. */
const CONTENT_TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

/** Serves the files under `root` read-only: 404 for anything missing or outside it. */
async function serveFile(root: string, request: Request): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("method not allowed", { status: 405 });
  }
  const path = normalize(join(root, decodeURIComponent(new URL(request.url).pathname)));
  if (!path.startsWith(root + sep)) return new Response("not found", { status: 404 });
  try {
    const body = await Deno.readFile(path);
    const type = CONTENT_TYPES[extname(path)] ?? "application/octet-stream";
    return new Response(request.method === "HEAD" ? null : body, {
      headers: { "content-type": type },
    });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
      return new Response("not found", { status: 404 });
    }
    throw error;
  }
}

/** Deno's cache locations, as `deno info --json` prints them. */
async function denoInfo(): Promise<{ npmCache: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--no-config"],
    stdin: "null",
  }).output();
  if (code !== 0) throw new Error(`deno info failed: ${new TextDecoder().decode(stderr)}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** The child's script: imports the toolkit from `modUrl`, prints one JSON line. */
function childScript(modUrl: string): string {
  return `import { decode, encode, loadModel } from ${JSON.stringify(modUrl)};

const [fixtureDir] = Deno.args;
const model = await loadModel(fixtureDir);
const ids = Int32Array.from(encode("Hello world"));
const n = ids.length;
const logits = model.gpu.noGrad(() => {
  const { hidden } = model.forward({ ids, batch: 1, seqLen: n });
  return model.logits(hidden);
});
const values = await logits.readFloat();
console.log(JSON.stringify({
  ids: [...ids],
  roundTrip: decode(encode("Hello world")),
  shape: logits.shape,
  length: values.length,
  allFinite: values.every(Number.isFinite),
  first: values[0],
  vocabSize: model.config.vocabSize,
}));
logits.dispose();
model.dispose();
`;
}

Deno.test("mod.ts loads a model, runs it and tokenizes when imported by URL without config", async () => {
  const root = resolve(REPO_ROOT);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => serveFile(root, request),
  );
  const tmp = await Deno.makeTempDir({ prefix: "url_import_test_" });
  try {
    const host = `127.0.0.1:${server.addr.port}`;
    const script = join(tmp, "child.ts");
    await Deno.writeTextFile(script, childScript(`http://${host}/mod.ts`));
    // A DENO_DIR of its own, so the modules fetched from this port are not cached for good in
    // the user's; its npm folder is the user's, so the npm packages need no network.
    const denoDir = join(tmp, "deno_dir");
    await Deno.mkdir(denoDir);
    await Deno.symlink((await denoInfo()).npmCache, join(denoDir, "npm"));
    const env: Record<string, string> = { DENO_DIR: denoDir };
    const xdg = Deno.env.get("XDG_RUNTIME_DIR");
    if (xdg !== undefined) env.XDG_RUNTIME_DIR = xdg;
    const command = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        `--allow-import=${host}`,
        "--allow-read",
        "--allow-env",
        "--allow-net=127.0.0.1",
        script,
        CHECKPOINT,
      ],
      cwd: tmp,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(300_000),
    });
    // output() reads stdout and stderr to the end, so neither pipe is left undrained.
    const { code, stdout, stderr } = await command.output();
    const out = new TextDecoder().decode(stdout);
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 0, `child exited with ${code}\nstdout:\n${out}\nstderr:\n${err}`);
    const lines = out.trim().split("\n");
    const result = JSON.parse(lines[lines.length - 1]);
    assert.deepEqual(result.ids, [15496, 995]);
    assert.equal(result.roundTrip, "Hello world");
    assert.equal(result.vocabSize, 50257);
    assert.deepEqual(result.shape, [1, 2, 50257]);
    assert.equal(result.length, 2 * 50257);
    assert.equal(result.allFinite, true, `non-finite logits; first value ${result.first}`);
  } finally {
    await server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});
