/**
 * The `deno task train` command line: `parseTrainArgs` starts from the table of defaults in
 * `train_defaults.ts` for `--task` / `--strategy` and applies each flag, strictly (unknown flags,
 * malformed or out-of-range values and flags that do not apply are errors naming the flag and
 * the value); `helpText` lists every flag with its default. Everything in `train_defaults.ts` is
 * re-exported here.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { MAX_SAMPLES_PER_PROMPT } from "../../model/sampling.ts";
import { isScheduleName, SCHEDULE_NAMES, type ScheduleName } from "../../strategies/schedules.ts";
import { resolveLoraTargets } from "../../strategies/lora.ts";
import { STRATEGIES } from "../../strategies/registry.ts";
import { resolveDataDir } from "../data/data_dir.ts";
import { formatSelectOn, parseSelectOn } from "./selection.ts";
import { formatPooling, parsePooling } from "../classification/pooling_choice.ts";
import {
  defaultConfig,
  SAVE_EVERY_MINUTES,
  type StrategyOptions,
  TASK_NAMES,
  TASK_STRATEGIES,
  type TrainConfig,
} from "./train_defaults.ts";

export {
  defaultConfig,
  type GenerationSettings,
  type SelectMetric,
  type StrategyOptions,
  TASK_NAMES,
  TASK_STRATEGIES,
  type TaskName,
  type TrainConfig,
} from "./train_defaults.ts";

type Parse = (raw: string) => number | string;

interface Flag {
  /** Flag name without `--`. */
  name: string;
  /** Placeholder and help text. */
  arg: string;
  help: string;
  parse: Parse;
  /** Stores the parsed value; returns an error text when the flag does not apply. */
  set: (c: TrainConfig, v: number | string) => string | void;
  /** The default shown by --help (null: none). */
  show: (c: TrainConfig) => string | null;
}

/** A flag that sets a registry strategy's option and applies only to runs that use one of `uses`. */
function strategyOption(
  name: string,
  uses: readonly string[],
  key: keyof StrategyOptions,
  parse: (raw: string) => unknown,
  help: string,
  none: string,
): Flag {
  return {
    name,
    arg: "N",
    help,
    parse: parse as Parse,
    set: (c, v) => {
      if (!uses.includes(c.uses)) {
        return `applies to strategies that use ${uses.join(" or ")} (this run uses '${c.uses}')`;
      }
      (c.options as Record<string, unknown>)[key] = v;
    },
    show: (c) => (!uses.includes(c.uses) ? null : String(c.options[key] ?? none)),
  };
}

const loraTargets = (raw: string): string[] => resolveLoraTargets(raw.split(","));

const ulCandidates = (raw: string): string => {
  if (raw !== "context" && !/^window:[1-9]\d*$/.test(raw)) {
    throw new Error("expected context or window:K (K ≥ 1)");
  }
  return raw;
};

const OFFSET = ["prefix-offset", "prefix-offset-unlikelihood"];

const offsetAt = (raw: string): string => {
  if (raw !== "final" && raw !== "blocks") throw new Error("expected final or blocks");
  return raw;
};

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function int(min: number, max = Number.MAX_SAFE_INTEGER): Parse {
  const want = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
  return (raw) => {
    const v = Number(raw);
    if (!/^\d+$/.test(raw) || v < min || v > max) throw new Error(`expected an integer ${want}`);
    return v;
  };
}

function float(lo: number, hi: number, loOpen: boolean, hiOpen: boolean): Parse {
  const want = `a number in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`;
  return (raw) => {
    const v = Number(raw);
    const ok = DECIMAL.test(raw) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    if (!ok) throw new Error(`expected ${want}`);
    return v;
  };
}

const text: Parse = (raw) => {
  if (raw.trim() === "") throw new Error("expected a non-empty value");
  return raw;
};

type NumKey = {
  [K in keyof TrainConfig]-?: TrainConfig[K] extends number | null ? K : never;
}[keyof TrainConfig];

function num(name: string, key: NumKey, parse: Parse, help: string, none = "none"): Flag {
  return {
    name,
    arg: "N",
    help,
    parse,
    set: (c, v) => void (c[key] = v as number),
    show: (c) => (c[key] === null ? none : String(c[key])),
  };
}

function gen(
  name: string,
  key: "temperature" | "topP" | "maxNewTokens" | "samples",
  parse: Parse,
  help: string,
): Flag {
  return {
    name,
    arg: key === "maxNewTokens" || key === "samples" ? "N" : "X",
    help,
    parse,
    set: (c, v) => {
      if (c.generation === null) return `applies to --task=sonnet only`;
      c.generation[key] = v as number;
    },
    // A run saved before --samples existed has no `samples`: it generated one.
    show: (c) => (c.generation === null ? "sonnet only" : String(c.generation[key] ?? 1)),
  };
}

const SCALE_KEYS = ["lowerLayerScale", "upperLayerScale", "headScale"] as const;
type HeadOptionKey = "poolMeanWeight" | "dropoutSamples" | typeof SCALE_KEYS[number];

/** A flag that sets a classification-head option (strategies with a head only). */
function headOption(
  name: string,
  key: HeadOptionKey,
  parse: Parse,
  help: string,
  show: (c: TrainConfig) => string,
): Flag {
  const set = (c: TrainConfig, v: number | string) => {
    if (!c.hasHead) return "this strategy has no classification head";
    c.options[key] = v as number;
  };
  const arg = key === "poolMeanWeight" ? "NAME" : "N";
  return { name, arg, help, parse, set, show: (c) => (c.hasHead ? show(c) : "no head") };
}

/** A flag that sets a text option; it applies where the strategy's row defines that option. */
function textOption(
  name: string,
  key: "separator" | "preprocess",
  parse: Parse,
  help: string,
): Flag {
  const set = (c: TrainConfig, v: number | string) => {
    if (c.options[key] === undefined) {
      return `does not apply to --task=${c.task} --strategy=${c.strategy}`;
    }
    (c.options as Record<string, unknown>)[key] = v;
  };
  const arg = key === "separator" ? "TEXT" : "NAME";
  return { name, arg, help, parse, set, show: (c) => c.options[key] ?? "n/a" };
}

const pooling: Parse = (raw) => parsePooling(raw);

/** The default a layer-wise scale flag shows: "off" unless the row sets a scale (others are 1). */
const scaleOf = (key: typeof SCALE_KEYS[number]) => (c: TrainConfig) =>
  SCALE_KEYS.some((k) => c.options[k] !== undefined) ? String(c.options[key] ?? 1) : "off";

// deno-fmt-ignore
const FLAGS: readonly Flag[] = [
  { name: "task", arg: "NAME", help: TASK_NAMES.join(" | ") + " (required)", parse: text, set: () => {}, show: () => null },
  { name: "strategy", arg: "NAME", help: "per task: see the table below", parse: text, set: () => {}, show: (c) => TASK_STRATEGIES[c.task][0] },
  { name: "model", arg: "gpt2|tiny|PATH", help: "preset name or HF checkpoint folder", parse: text, set: (c, v) => void (c.model = v as string), show: (c) => c.model },
  { name: "revision", arg: "REV", help: "hub branch, tag or commit of a named --model", parse: text, set: (c, v) => void (c.revision = v as string), show: (c) => c.revision ?? "main" },
  { name: "data-dir", arg: "DIR", help: "CS224N data files (else $GPT2_DATA_DIR, else the data cache)", parse: text, set: (c, v) => void (c.dataDir = v as string), show: (c) => c.dataDir },
  num("epochs", "epochs", int(1), "passes over the training data"),
  num("batch-size", "batchSize", int(1), "examples per optimizer step"),
  num("lr", "lr", float(0, 10, true, false), "base learning rate"),
  num("weight-decay", "weightDecay", float(0, 1, false, false), "AdamW decoupled weight decay"),
  { ...num("dropout", "dropout", float(0, 1, false, true), "classification head dropout"), set: (c, v) => (c.hasHead ? void (c.dropout = v as number) : "this strategy has no classification head; use --model-dropout") },
  num("model-dropout", "modelDropout", float(0, 1, false, true), "GPT-2's embedding/attention/residual dropout"),
  num("label-smoothing", "labelSmoothing", float(0, 1, false, true), "cross-entropy label smoothing ε"),
  headOption("pooling", "poolMeanWeight", pooling, "head input: last | mean | mixed:W (W × masked mean + (1 − W) × last token)", (c) => formatPooling(c.options.poolMeanWeight ?? 0)),
  headOption("msd-samples", "dropoutSamples", int(1, 64), "multi-sample dropout: masks through the head, losses averaged", (c) => String(c.options.dropoutSamples ?? 1)),
  headOption("lower-lr-scale", "lowerLayerScale", float(0, 100, true, false), "layer-wise lr: × for embeddings and the lower half of the blocks", scaleOf("lowerLayerScale")),
  headOption("upper-lr-scale", "upperLayerScale", float(0, 100, true, false), "layer-wise lr: × for the upper half of the blocks and ln_f", scaleOf("upperLayerScale")),
  headOption("head-lr-scale", "headScale", float(0, 100, true, false), "layer-wise lr: × for the classification head", scaleOf("headScale")),
  textOption("preprocess", "preprocess", (raw) => { if (raw !== "cs224n" && raw !== "none") throw new Error("expected cs224n or none"); return raw; }, "question preprocessing: cs224n (lower-case, split . ? , ') | none"),
  textOption("separator", "separator", text, "literal text between the two questions"),
  num("seed", "seed", int(0, 2 ** 32 - 1), "seed of data order, dropout, init and sampling"),
  num("max-steps", "maxSteps", int(0), "stop after this many optimizer steps (0: only evaluate and generate)"),
  num("save-every", "saveEvery", int(0), "also save the resumable checkpoint every N steps (0: only at epoch ends)", `every ${SAVE_EVERY_MINUTES} min`),
  num("limit", "limit", int(1), "use only the first N training examples", "all"),
  num("eval-limit", "evalLimit", int(1), "evaluate on only the first N dev examples", "all"),
  num("max-length", "maxLength", int(2), "truncate sequences to N tokens", "model context"),
  num("grad-clip", "gradClip", float(0, Infinity, false, true), "clip the global gradient norm (0 = off)"),
  { name: "select-on", arg: "dev|heldout:F", help: "choose the kept epoch on dev (the study's way) or on a held-out fraction F of train", parse: (raw) => (parseSelectOn(raw), raw), set: (c, v) => void (c.selectOn = parseSelectOn(v as string)), show: (c) => formatSelectOn(c.selectOn) },
  { name: "lowercase", arg: "true|false", help: "lower-case the text as CS224N's loader does", parse: (raw) => { if (raw !== "true" && raw !== "false") throw new Error("expected true or false"); return raw; }, set: (c, v) => { if (c.lowercase === null) return `applies to tasks that lower-case (${TASK_NAMES.filter((t) => defaultConfig(t).lowercase !== null).join(", ")})`; c.lowercase = v === "true"; }, show: (c) => c.lowercase === null ? "not this task" : String(c.lowercase) },
  { name: "schedule", arg: "NAME", help: SCHEDULE_NAMES.join(" | "), parse: (raw) => { if (!isScheduleName(raw)) throw new Error(`expected one of ${SCHEDULE_NAMES.join(", ")}`); return raw; }, set: (c, v) => void (c.schedule = v as ScheduleName), show: (c) => c.schedule },
  num("warmup", "warmup", int(0), "linear warm-up steps (not with slanted)"),
  strategyOption("last-blocks", ["last-blocks", "unlikelihood"], "lastBlocks", int(1), "last-blocks: how many of the last blocks train", "4"),
  strategyOption("ulmfit-groups", ["ulmfit"], "ulmfitBlocksPerGroup", int(1), "ulmfit: transformer blocks per layer group", "auto: every group unfreezes within the epochs"),
  strategyOption("lora-r", ["lora"], "loraRank", int(1), "lora: rank r", "8"),
  strategyOption("lora-alpha", ["lora"], "loraAlpha", float(0, Infinity, true, true), "lora: α (update scaled by α/r)", "16"),
  strategyOption("lora-dropout", ["lora"], "loraDropout", float(0, 1, false, true), "lora: dropout on the adapter input", "0.05"),
  strategyOption("lora-targets", ["lora"], "loraTargets", loraTargets, "lora: comma-separated layers (c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj)", "c_attn"),
  strategyOption("prefix-length", ["prefix", "prefix-unlikelihood", ...OFFSET], "prefixLength", int(0), "prefix: virtual tokens per layer (prefix-offset: averaged)", "10"),
  strategyOption("offset-at", OFFSET, "offsetAt", offsetAt, "prefix-offset: where the offset is added, blocks (every block's input) | final", "blocks"),
  strategyOption("ul-weight", ["unlikelihood", "prefix-unlikelihood", OFFSET[1]], "unlikelihoodWeight", float(0, Infinity, false, true), "unlikelihood: weight α of the term", "1"),
  strategyOption("ul-candidates", ["unlikelihood", "prefix-unlikelihood", OFFSET[1]], "unlikelihoodCandidates", ulCandidates, "unlikelihood: negatives, context | window:K", "context"),
  { name: "adapter", arg: "DIR", help: "load a saved adapter folder (LoRA, prefix or offset; adapter_config.json) onto the base model, frozen", parse: text, set: (c, v) => void (c.adapter = v as string), show: (c) => c.adapter ?? "none" },
  gen("temperature", "temperature", float(0, 10, false, false), "sampling temperature (0 = greedy)"),
  gen("top-p", "topP", float(0, 1, true, false), "nucleus sampling mass"),
  gen("max-new-tokens", "maxNewTokens", int(1), "most tokens generated per sonnet"),
  gen("samples", "samples", int(1, MAX_SAMPLES_PER_PROMPT), "sonnets per prompt; CS224N's files keep the first, metrics add mean ± sd"),
  { name: "out", arg: "DIR", help: "run folder", parse: text, set: (c, v) => void (c.out = v as string), show: (c) => c.out },
  { name: "resume", arg: "DIR", help: "continue the run saved in DIR", parse: text, set: (c, v) => void (c.resume = v as string), show: (c) => c.resume ?? "none" },
];

/**
 * Thrown by {@linkcode parseTrainArgs} for `--help` / `-h`; its message is the help text.
 *
 * @example
 * ```ts
 * import { HelpRequested, parseTrainArgs } from "./train_config.ts";
 * try {
 *   parseTrainArgs(["--task=sonnet", "--help"]); // e.g. Deno.args
 * } catch (error) {
 *   if (!(error instanceof HelpRequested)) throw error;
 *   console.log(error.message); // then exit 0
 * }
 * ```
 */
export class HelpRequested extends Error {
  /** An error whose message is the help text `text`. */
  constructor(text: string) {
    super(text);
    this.name = "HelpRequested";
  }
}

function timestamp(now: Date): string {
  const iso = now.toISOString(); // 2025-01-31T12:34:56.789Z
  return `${iso.slice(0, 10).replaceAll("-", "")}-${iso.slice(11, 19).replaceAll(":", "")}`;
}

/**
 * The configuration `argv` asks for: the table's defaults for `--task` / `--strategy`, then each
 * flag's value. The default `--out` is `runs/<task>-<strategy>-<UTC yyyymmdd-hhmmss>` (`--resume`
 * alone continues in the resumed folder). Throws naming the flag and the bad value for an unknown
 * flag, a missing or malformed value, a value out of range or a flag that does not apply; throws
 * {@linkcode HelpRequested} for `--help`. Reads `$GPT2_DATA_DIR` (needs `--allow-env`).
 *
 * @example
 * ```ts
 * import { parseTrainArgs } from "./train_config.ts";
 * const c = parseTrainArgs(["--task=sst", "--strategy=ulmfit", "--epochs", "3"]);
 * console.log(c.epochs, c.batchSize, c.lr); // 3 64 0.001
 * ```
 */
export function parseTrainArgs(argv: string[], { now = new Date() } = {}): TrainConfig {
  const values = parseFlags(argv);
  const task = values.task as string | undefined;
  const strategy = values.strategy as string | undefined;
  if (values.help) throw new HelpRequested(helpText(task, strategy));
  if (task === undefined) {
    throw new Error(`--task is required: one of ${TASK_NAMES.join(", ")}`);
  }
  const config = defaultConfig(task, strategy, {
    dataDir: resolveDataDir(values["data-dir"] as string | undefined),
  });
  for (const flag of FLAGS) {
    const raw = values[flag.name] as string | undefined;
    if (raw === undefined) continue;
    let problem: string | void;
    try {
      problem = flag.set(config, flag.parse(raw));
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem) throw new Error(`--${flag.name}: ${problem}, got ${JSON.stringify(raw)}`);
  }
  if (config.schedule === "slanted" && config.warmup > 0) {
    throw new Error(
      `--warmup: the slanted schedule has its own warm-up (cutFrac), got ${
        JSON.stringify(String(config.warmup))
      }`,
    );
  }
  if (values.out !== undefined && config.resume !== null && config.out !== config.resume) {
    const out = JSON.stringify(config.out);
    throw new Error(`--out: a resumed run stays in its folder ${config.resume}, got ${out}`);
  }
  if (values.out === undefined) {
    config.out = config.resume ?? `runs/${config.task}-${config.strategy}-${timestamp(now)}`;
  }
  return config;
}

function parseFlags(argv: string[]): Record<string, string | boolean | undefined> {
  let parsed;
  try {
    const options = Object.fromEntries(FLAGS.map((f) => [f.name, { type: "string" as const }]));
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
  } catch (error) {
    throw new Error(`train: ${(error as Error).message} (see --help)`);
  }
  const seen = new Map<string, string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option") continue;
    const earlier = seen.get(token.name);
    if (earlier !== undefined) {
      throw new Error(
        `--${token.name} is given twice (${JSON.stringify(earlier)} and ${
          JSON.stringify(token.value ?? "")
        }): give it once`,
      );
    }
    seen.set(token.name, token.value ?? "");
  }
  return parsed.values;
}

/**
 * The flags `argv` gives and their raw values (names without `--`, in the order of `--help`).
 * Throws as {@linkcode parseTrainArgs} does for unknown or repeated flags.
 *
 * @example
 * ```ts
 * import { givenTrainFlags } from "./train_config.ts";
 * givenTrainFlags(["--resume=runs/x", "--lr", "2e-5"]); // { lr: "2e-5", resume: "runs/x" }
 * ```
 */
export function givenTrainFlags(argv: string[]): Record<string, string> {
  const values = parseFlags(argv);
  const out: Record<string, string> = {};
  for (const f of FLAGS) {
    const v = values[f.name];
    if (typeof v === "string") out[f.name] = v;
  }
  return out;
}

/**
 * A flag's setting in `config` as `--help` shows it (e.g. `"8"`, `"none"`), or null for a flag
 * that shows none (`--task`). Throws for an unknown flag name.
 *
 * @example
 * ```ts
 * import { defaultConfig, flagSetting } from "./train_config.ts";
 * flagSetting(defaultConfig("sonnet"), "batch-size"); // "8"
 * ```
 */
export function flagSetting(config: TrainConfig, name: string): string | null {
  const flag = FLAGS.find((f) => f.name === name);
  if (!flag) throw new Error(`flagSetting(): unknown flag --${name}`);
  return flag.show(config);
}

/**
 * The `--help` text: every flag with its default for `task` / `strategy` (the task's first
 * strategy when omitted), or, without a task, the flags and the whole table.
 *
 * @example
 * ```ts
 * import { helpText } from "./train_config.ts";
 * console.log(helpText("sonnet")); // flags with the sonnet/last4 defaults
 * ```
 */
export function helpText(task?: string, strategy?: string): string {
  const c = task === undefined
    ? null
    : defaultConfig(task, strategy, { dataDir: resolveDataDir() });
  const lines = [
    "Usage: deno task train --task=NAME [--strategy=NAME] [flags]",
    "",
    c
      ? `Defaults for --task=${c.task} --strategy=${c.strategy} (${c.source}):`
      : "Defaults depend on --task and --strategy (table below).",
  ];
  for (const f of FLAGS) {
    const left = `  --${f.name}=${f.arg}`.padEnd(30);
    const shown = c && f.show(c);
    lines.push(`${left}${f.help}${shown ? ` (default: ${shown})` : ""}`);
  }
  lines.push(
    `${"  --help, -h".padEnd(30)}show this text`,
    "",
    "task     strategy             uses           epochs  bs   lr       dropout  schedule  select-on",
  );
  for (const [t, names] of Object.entries(TASK_STRATEGIES)) {
    for (const n of names) {
      const r = defaultConfig(t, n);
      lines.push(
        `${t.padEnd(9)}${n.padEnd(21)}${r.uses.padEnd(15)}${String(r.epochs).padEnd(8)}${
          String(r.batchSize).padEnd(5)
        }${String(r.lr).padEnd(9)}${String(r.dropout).padEnd(9)}${r.schedule.padEnd(10)}${
          formatSelectOn(r.selectOn)
        }`,
      );
    }
  }
  lines.push("", "Registered strategies (strategies/registry.ts):");
  for (const s of STRATEGIES) {
    lines.push(`  ${s.name.padEnd(20)}${s.summary} [${s.tasks.join(", ")}]`);
  }
  return lines.join("\n") + "\n";
}
