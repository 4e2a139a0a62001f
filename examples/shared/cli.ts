/**
 * The command line of the character-level examples (node's `util.parseArgs`): the same options for
 * both, each example with its own defaults; `--heads` only where the model has attention heads.
 */
import { parseArgs } from "node:util";

import { UsageError } from "./script.js";

/** What a run of a text example is told. */
export interface TextOptions {
  epochs: number;
  /** Optimizer steps per epoch. */
  steps: number;
  device: "auto" | "cpu" | "webgpu";
  /** The LSTM's hidden size, or the Transformer's model width. */
  hidden: number;
  layers: number;
  /** Attention heads (tiny-gpt only). */
  heads?: number;
  seqLen: number;
  batch: number;
  lr: number;
  /** Sampling temperature: 0 picks the most likely character, 1 samples the model as it is. */
  temperature: number;
  /** The text that the samples start from. */
  prompt: string;
  /** Characters sampled after each epoch. */
  length: number;
  seed: number;
  /** Where to write the state dict (safetensors), if anywhere. */
  save: string | undefined;
  /** Another UTF-8 text to learn instead of the bundled book. */
  text: string | undefined;
  /** Learn only the first N characters of the text. */
  limit: number | undefined;
}

/** An example's defaults: every option but the paths and the limit. */
export type TextDefaults = Omit<TextOptions, "save" | "text" | "limit">;

export { UsageError };

/** The usage text of `command` with these defaults. */
export function usage(command: string, d: TextDefaults): string {
  const heads =
    d.heads === undefined ? "" : `\n  --heads N         attention heads (default ${d.heads})`;
  return `Usage: npm run ${command} -- [options]

  --epochs N        epochs (default ${d.epochs}); a sample of text after each
  --steps N         optimizer steps per epoch (default ${d.steps})
  --device D        auto | cpu | webgpu (default ${d.device})
  --hidden N        ${d.heads === undefined ? "LSTM hidden size" : "model width (embedding size)"} (default ${d.hidden})
  --layers N        layers (default ${d.layers})${heads}
  --seq-len N       characters per training window (default ${d.seqLen})
  --batch N         windows per batch (default ${d.batch})
  --lr X            Adam's learning rate (default ${d.lr})
  --temperature X   sampling temperature, 0 = always the likeliest (default ${d.temperature})
  --prompt TEXT     what the samples start from (default ${JSON.stringify(d.prompt)})
  --length N        characters per sample (default ${d.length})
  --seed N          seed of initialisation, batches and sampling (default ${d.seed})
  --save PATH       write the trained weights there (safetensors, PyTorch's keys)
  --text PATH       learn another UTF-8 text instead of examples/data/newton-opticks.txt
  --limit N         learn only its first N characters`;
}

function count(name: string, v: string, min = 1): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(
      `--${name} must be ${min === 0 ? "a non-negative" : "a positive"} integer; got ${v}`,
    );
  return n;
}

function real(name: string, v: string, positive: boolean): number {
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || x < 0 || (positive && x === 0))
    throw new UsageError(
      `--${name} must be a ${positive ? "positive" : "non-negative"} number; got ${v}`,
    );
  return x;
}

/** Parses the command line (see {@link usage}); null for --help; throws a UsageError when wrong. */
export function parseTextOptions(argv: readonly string[], d: TextDefaults): TextOptions | null {
  const str = (v: number | string) => ({ type: "string", default: String(v) }) as const;
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        epochs: str(d.epochs),
        steps: str(d.steps),
        device: str(d.device),
        hidden: str(d.hidden),
        layers: str(d.layers),
        ...(d.heads === undefined ? {} : { heads: str(d.heads) }),
        "seq-len": str(d.seqLen),
        batch: str(d.batch),
        lr: str(d.lr),
        temperature: str(d.temperature),
        prompt: str(d.prompt),
        length: str(d.length),
        seed: str(d.seed),
        save: { type: "string" },
        text: { type: "string" },
        limit: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) return null;
  const device = values.device!;
  if (device !== "auto" && device !== "cpu" && device !== "webgpu")
    throw new UsageError(`--device must be auto, cpu or webgpu; got ${device}`);
  const prompt = values.prompt!;
  if (prompt === "") throw new UsageError("--prompt must not be empty");
  const heads = (values as { heads?: string }).heads;
  return {
    epochs: count("epochs", values.epochs!),
    steps: count("steps", values.steps!),
    device,
    hidden: count("hidden", values.hidden!),
    layers: count("layers", values.layers!),
    ...(heads === undefined ? {} : { heads: count("heads", heads) }),
    seqLen: count("seq-len", values["seq-len"]!),
    batch: count("batch", values.batch!),
    lr: real("lr", values.lr!, true),
    temperature: real("temperature", values.temperature!, false),
    prompt,
    length: count("length", values.length!, 0),
    seed: count("seed", values.seed!, 0),
    save: values.save,
    text: values.text,
    limit: values.limit === undefined ? undefined : count("limit", values.limit),
  };
}
