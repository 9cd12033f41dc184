import assert from "node:assert/strict";
import { join } from "node:path";
import { PRESETS } from "./config.ts";
import {
  downloadFile,
  type DownloadProgress,
  formatProgress,
  modelCacheDir,
  modelUrls,
  resolveModelDir,
} from "./hub.ts";

const noFetch = (url: string): Promise<Response> => {
  throw new Error(`unexpected fetch of ${url}`);
};

function listTree(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) out.push(...listTree(join(dir, e.name)).map((n) => `${e.name}/${n}`));
    else out.push(e.name);
  }
  return out.sort();
}

Deno.test("resolveModelDir() uses a directory holding config.json as it is", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "config.json"), "{}");
  const got = await resolveModelDir(dir, { fetch: noFetch, cacheDir: "/nonexistent" });
  assert.deepEqual(got, { kind: "checkpoint", dir, downloaded: false });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("resolveModelDir() returns a random-init marker when the name is tiny", async () => {
  const got = await resolveModelDir("tiny", { fetch: noFetch, cacheDir: "/nonexistent" });
  assert.deepEqual(got, { kind: "random", name: "tiny", config: PRESETS.tiny });
});

Deno.test("resolveModelDir() rejects an unknown name or a directory without config.json", async () => {
  const opts = { fetch: noFetch, cacheDir: "/nonexistent" };
  await assert.rejects(
    resolveModelDir("gpt3", opts),
    /"gpt3" is neither a checkpoint directory nor a known model name.*gpt2, gpt2-medium/,
  );
  const dir = await Deno.makeTempDir();
  await assert.rejects(resolveModelDir(dir, opts), /is a directory without config\.json/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("modelCacheDir() prefers GPT2_CACHE_DIR and falls back to ~/.cache/gpt2-webgpu", () => {
  const env = (vars: Record<string, string>) => (k: string) => vars[k];
  assert.equal(modelCacheDir("gpt2-xl", env({ GPT2_CACHE_DIR: "/c", HOME: "/h" })), "/c/gpt2-xl");
  assert.equal(
    modelCacheDir("gpt2", env({ HOME: "/home/ada" })),
    "/home/ada/.cache/gpt2-webgpu/gpt2",
  );
  assert.throws(() => modelCacheDir("gpt2", env({})), /set GPT2_CACHE_DIR or HOME/);
  assert.equal(
    modelUrls("gpt2-large")["config.json"],
    "https://huggingface.co/gpt2-large/resolve/main/config.json",
  );
});

Deno.test("resolveModelDir() downloads both files from a local server once, then uses the cache", async () => {
  const files: Record<string, Uint8Array<ArrayBuffer>> = {
    "/gpt2-medium/resolve/main/config.json": new TextEncoder().encode('{"n_layer": 24}'),
    "/gpt2-medium/resolve/main/model.safetensors": Uint8Array.from(
      { length: 300_000 },
      (_, i) => i % 251,
    ),
  };
  const requested: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    requested.push(path);
    const body = files[path];
    return body ? new Response(body) : new Response("not found", { status: 404 });
  });
  const cache = await Deno.makeTempDir();
  try {
    const baseUrl = `http://127.0.0.1:${server.addr.port}`;
    const updates: DownloadProgress[] = [];
    const opts = {
      baseUrl,
      env: (k: string) => ({ GPT2_CACHE_DIR: cache, HF_HUB_CACHE: join(cache, "hf") })[k],
      progress: (p: DownloadProgress) => updates.push(p),
    };
    const got = await resolveModelDir("gpt2-medium", opts);
    const dir = join(cache, "gpt2-medium");
    assert.deepEqual(got, { kind: "checkpoint", dir, downloaded: true });
    assert.deepEqual(requested, Object.keys(files));
    assert.deepEqual(await Deno.readFile(join(dir, "config.json")), files[requested[0]]);
    assert.deepEqual(await Deno.readFile(join(dir, "model.safetensors")), files[requested[1]]);
    assert.deepEqual(listTree(cache), ["gpt2-medium/config.json", "gpt2-medium/model.safetensors"]);
    const last = updates.at(-1)!;
    assert.equal(last.file, "gpt2-medium/model.safetensors");
    assert.equal(last.received, 300_000);
    assert.equal(last.total, 300_000);
    const again = await resolveModelDir("gpt2-medium", { ...opts, fetch: noFetch });
    assert.deepEqual(again, { kind: "checkpoint", dir, downloaded: false });
  } finally {
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("resolveModelDir() says where it looked and which files to put where when the network fails", async () => {
  const cache = await Deno.makeTempDir();
  const failing = (): Promise<Response> =>
    Promise.reject(new TypeError("error sending request: dns error"));
  const env = (k: string) => ({ HF_HUB_CACHE: join(cache, "hf") })[k];
  const err = await resolveModelDir("gpt2", {
    cacheDir: cache,
    env,
    fetch: failing,
    progress: false,
  })
    .then(() => assert.fail("no error"), (e: Error) => e);
  const dir = join(cache, "gpt2");
  assert.match(
    err.message,
    /^Could not download gpt2: GET https:\/\/huggingface\.co\/gpt2\/resolve\/main\/config\.json: error sending request: dns error\./,
  );
  assert.ok(err.message.includes(`Looked in ${dir} and in the Hugging Face cache (`), err.message);
  assert.ok(err.message.includes(join(cache, "hf", "models--gpt2", "refs", "main")), err.message);
  assert.ok(err.message.includes(`Put config.json and model.safetensors in ${dir} (from `));
  assert.ok(err.message.includes("https://huggingface.co/gpt2/resolve/main/config.json and "));
  assert.ok(err.message.includes("https://huggingface.co/gpt2/resolve/main/model.safetensors)"));
  assert.deepEqual(listTree(cache), []);
  const offline = resolveModelDir("gpt2", {
    cacheDir: cache,
    env,
    fetch: noFetch,
    download: false,
  });
  await assert.rejects(offline, /gpt2 was not found and downloading is off\. Looked in /);
  await Deno.remove(cache, { recursive: true });
});

Deno.test("downloadFile() refuses a body shorter than Content-Length and leaves no file", async () => {
  const dir = await Deno.makeTempDir();
  const dest = join(dir, "model.safetensors");
  const short = () =>
    Promise.resolve(new Response("0123456789", { headers: { "content-length": "100" } }));
  await assert.rejects(
    downloadFile("http://x/m", dest, { fetch: short, progress: false }),
    /GET http:\/\/x\/m: received 10 bytes, expected 100 \(Content-Length\)/,
  );
  assert.deepEqual(listTree(dir), []);
  const missing = () =>
    Promise.resolve(new Response("nope", { status: 404, statusText: "Not Found" }));
  await assert.rejects(
    downloadFile("http://x/m", dest, { fetch: missing, progress: false }),
    /GET http:\/\/x\/m: HTTP 404 Not Found/,
  );
  assert.deepEqual(listTree(dir), []);
  const ok = () =>
    Promise.resolve(new Response("0123456789", { headers: { "content-length": "10" } }));
  assert.equal(await downloadFile("http://x/m", dest, { fetch: ok, progress: false }), 10);
  assert.equal(await Deno.readTextFile(dest), "0123456789");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("formatProgress() shows bytes, percent and MB/s when the size is known", () => {
  assert.equal(
    formatProgress({ file: "m", received: 5e7, total: 1e8, elapsedMs: 2000 }),
    "m [##########----------] 50.0/100.0 MB 50.0% 25.0 MB/s",
  );
  assert.equal(
    formatProgress({ file: "c", received: 1.5e6, elapsedMs: 500 }),
    "c 1.5 MB 3.0 MB/s",
  );
});
