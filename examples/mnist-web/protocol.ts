/**
 * The messages between the demo page (main.ts) and its training worker (worker.ts).
 */
import type { DeviceName } from "../../src/index.js";

/** What the page asks of the worker. */
export type ToWorker =
  /**
   * Probe the devices and load the digits; answered by "devices" then "ready". The accuracy is
   * measured on `evalCount` test digits (the tests ask for fewer: SwiftShader is slow).
   */
  | { type: "init"; evalCount: number }
  /** A fresh model (seeded) on `device`, with Adam(lr) and batches of `batchSize`. */
  | { type: "reset"; device: DeviceName; seed: number; batchSize: number; lr: number }
  /** Move the model to `device` (Adam's state starts over there). */
  | { type: "device"; device: DeviceName }
  | { type: "run" }
  | { type: "pause" }
  /** Classify one 28x28 image (values in [0, 1], row-major). */
  | { type: "predict"; pixels: Float32Array }
  /** Answered by "weights": the state dict as safetensors bytes. */
  | { type: "save" }
  /** Load safetensors bytes (from the page, `npm run mnist`, or PyTorch) into the model. */
  | { type: "load"; bytes: Uint8Array; name: string };

/** One test digit with what the model says of it. */
export interface ShownDigit {
  pixels: Float32Array;
  label: number;
  pred: number;
  prob: number;
}

/** What the worker tells the page. */
export type FromWorker =
  /** Per device: null when available, else why not. `auto` is what `init("auto")` picked. */
  | { type: "devices"; reasons: Record<DeviceName, string | null>; auto: DeviceName }
  | { type: "ready"; train: number; test: number }
  | { type: "state"; running: boolean; device: DeviceName; step: number }
  /** A training step's loss, and the device's throughput over the last steps. */
  | { type: "step"; step: number; loss: number; imagesPerSecond: number; device: DeviceName }
  /** Accuracy on the held-out digits used for the chart, and a few digits with predictions. */
  | { type: "eval"; step: number; accuracy: number; digits: ShownDigit[] }
  | { type: "prediction"; probs: number[] }
  | { type: "weights"; bytes: Uint8Array }
  | { type: "loaded"; name: string; keys: number }
  | { type: "error"; message: string };
