/**
 * `deno task bench --peers`'s plumbing: the rows' parsing, the ratio table and the one-line
 * failure when the peers' npm packages cannot be downloaded. (The peers' speed itself is measured
 * by the benchmark, never asserted.)
 */
import assert from "node:assert/strict";
import { parseBenchOutput } from "./bench_compare.ts";
import {
  failureLine,
  type PeerRun,
  PEERS,
  peersTable,
  runPeer,
  speedRatio,
} from "./bench_peers.ts";
import { KEYS } from "./bench_peers_common.ts";

const row = (key: string, value: number, unit: string) => ({ key, value, unit, detail: "" });

Deno.test("parseBenchOutput() reads rows, skipped rows with their reason, and notes", () => {
  const out = parseBenchOutput(
    [
      "# jax-js 0.1.25, 2 threads",
      JSON.stringify(row(KEYS.matmul, 30, "GFLOP/s")),
      JSON.stringify({ key: KEYS.trainStep, skipped: "no autodiff" }),
    ].join("\n"),
    "peer.ts",
  );
  assert.deepEqual(out.notes, ["jax-js 0.1.25, 2 threads"]);
  assert.equal(out.rows.get(KEYS.matmul)?.value, 30);
  assert.equal(out.skipped.get(KEYS.trainStep), "no autodiff");
  assert.throws(() => parseBenchOutput("{oops", "peer.ts"), /peer\.ts output line 1 is not JSON/);
});

Deno.test("speedRatio() is ours / peer in speed for throughputs and for times", () => {
  assert.equal(speedRatio(row("a", 6, "GFLOP/s"), row("a", 30, "GFLOP/s")), 0.2);
  // Times: 60 ms ours against 3 ms theirs is 20× slower.
  assert.equal(speedRatio(row("a", 60, "ms"), row("a", 3, "ms")), 0.05);
  assert.equal(speedRatio(row("a", 1, "s"), row("a", 2, "s")), 2);
  assert.equal(speedRatio(row("a", 1, "s"), row("a", 2, "ms")), null);
});

Deno.test("peersTable() gives each peer's figure and ratio, and the reason of a missing row", () => {
  const peer: PeerRun = {
    name: "TF.js",
    rows: new Map([[KEYS.headRow, row(KEYS.headRow, 3.3, "ms")]]),
    skipped: new Map([[KEYS.trainStep, "UnsortedSegmentSum missing"]]),
    notes: [],
    error: null,
  };
  const silent: PeerRun = { ...peer, name: "offline", rows: new Map(), skipped: new Map() };
  const table = peersTable([row(KEYS.headRow, 66, "ms")], [peer, silent]);
  const lines = table.split("\n");
  assert.equal(lines[0], "| benchmark | this toolkit | TF.js | ours / TF.js |");
  const headRow = lines.find((l) => l.startsWith(`| ${KEYS.headRow} |`));
  assert.equal(headRow, `| ${KEYS.headRow} | 66.0 ms | 3.30 ms | 0.050 (20.0× slower) |`);
  const train = lines.find((l) => l.startsWith(`| ${KEYS.trainStep} |`));
  assert.equal(train, `| ${KEYS.trainStep} | – | – (UnsortedSegmentSum missing) | – |`);
  assert.equal(lines.filter((l) => l.startsWith("| ")).length, 2 + Object.keys(KEYS).length);
});

Deno.test("failureLine() says a download failed when deno could not fetch the package", () => {
  const stderr =
    "\x1b[31merror\x1b[0m: Error getting response at https://registry.npmjs.org/@jax-js%2fjax " +
    'for package "@jax-js/jax": An error occurred\n    at file:///x.ts:1:1\n';
  assert.match(failureLine(stderr, 1), /^its npm packages could not be downloaded \(offline\?\): /);
  assert.equal(
    failureLine("boom\nerror: Uncaught RangeError: bad shape\n", 1),
    "error: Uncaught RangeError: bad shape",
  );
  assert.equal(failureLine("", 3), "exit code 3");
});

Deno.test("runPeer() reports one line and no rows when the npm registry cannot be reached", async () => {
  const denoDir = await Deno.makeTempDir();
  try {
    const run = await runPeer(PEERS[0], {
      env: { DENO_DIR: denoDir, NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/" },
    });
    assert.equal(run.rows.size, 0);
    assert.ok(run.error, "an error line");
    assert.doesNotMatch(run.error!, /\n/);
    assert.match(run.error!, /could not be downloaded/);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});
