/**
 * The MNIST demo page: trains the README's CNN in a Web Worker (worker.ts) on a device picked
 * here, with live charts, test digits with their predictions, a pad to draw a digit on, and the
 * weights to download or load as safetensors. `window.__demo` mirrors what the page shows, for
 * the browser test (test/browser/demo.ts).
 */
import type { DeviceName } from "../../src/index.js";
import { TrainingCharts } from "./charts.js";
import { drawingPad, paintDigit } from "./pad.js";
import type { FromWorker, ToWorker } from "./protocol.js";

/** What the page shows, for tests. */
export interface DemoState {
  ready: boolean;
  reasons: Partial<Record<DeviceName, string | null>>;
  device: DeviceName | null;
  running: boolean;
  losses: { step: number; loss: number; device: DeviceName }[];
  accuracy: { step: number; accuracy: number }[];
  imagesPerSecond: Partial<Record<DeviceName, number>>;
  prediction: { digit: number; probs: number[] } | null;
  loaded: string | null;
  errors: string[];
}

declare global {
  interface Window {
    __demo: DemoState;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const state: DemoState = (window.__demo = {
  ready: false,
  reasons: {},
  device: null,
  running: false,
  losses: [],
  accuracy: [],
  imagesPerSecond: {},
  prediction: null,
  loaded: null,
  errors: [],
});

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
/** `?eval=N`: the accuracy on N test digits (default 500). */
const evalCount = Number(new URLSearchParams(location.search).get("eval") ?? 500) || 500;
$("eval-count").textContent = String(evalCount);
const charts = new TrainingCharts($("loss-chart"), $("accuracy-chart"), evalCount);
const picker = $<HTMLSelectElement>("device");
const runButton = $<HTMLButtonElement>("run");
const status = $("status");

function say(text: string): void {
  status.textContent = text;
}

/** Device options: each with whether it is available here and its last images/s. */
function renderDevices(): void {
  for (const opt of Array.from(picker.options)) {
    const d = opt.value as DeviceName;
    const reason = state.reasons[d];
    const ips = state.imagesPerSecond[d];
    opt.disabled = reason !== null;
    opt.textContent = `${d}${reason === null ? "" : " (unavailable)"}${ips ? ` · ${ips.toFixed(0)} images/s` : ""}`;
    opt.title = reason ?? "";
  }
}

function reset(): void {
  state.losses = [];
  state.accuracy = [];
  charts.reset();
  const batchSize = Number($<HTMLInputElement>("batch").value);
  send({ type: "reset", device: picker.value as DeviceName, seed: 0, batchSize, lr: 1e-3 });
}

function showDigits(digits: Extract<FromWorker, { type: "eval" }>["digits"]): void {
  const box = $("digits");
  box.replaceChildren(
    ...digits.map((d) => {
      const fig = document.createElement("figure");
      const c = document.createElement("canvas");
      paintDigit(c, d.pixels);
      const cap = document.createElement("figcaption");
      cap.textContent = `${d.pred} ${d.pred === d.label ? "✓" : `✗ (${d.label})`} ${(100 * d.prob).toFixed(0)}%`;
      cap.className = d.pred === d.label ? "right" : "wrong";
      fig.append(c, cap);
      return fig;
    }),
  );
}

function showPrediction(probs: number[]): void {
  const digit = probs.indexOf(Math.max(...probs));
  state.prediction = { digit, probs };
  $("prediction").textContent = String(digit);
  $("probs").replaceChildren(
    ...probs.map((p, c) => {
      const row = document.createElement("div");
      row.className = c === digit ? "bar best" : "bar";
      row.innerHTML = `<span>${c}</span><i style="width:${(100 * p).toFixed(1)}%"></i><b>${(100 * p).toFixed(1)}%</b>`;
      return row;
    }),
  );
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case "devices":
      state.reasons = m.reasons;
      picker.value = m.auto;
      renderDevices();
      say("loading the bundled digits...");
      return;
    case "ready":
      say(`${m.train} training digits, ${m.test} test digits`);
      state.ready = true;
      for (const id of ["run", "reset", "save", "load"]) $<HTMLButtonElement>(id).disabled = false;
      reset();
      return;
    case "state":
      state.running = m.running;
      state.device = m.device;
      picker.value = m.device;
      runButton.textContent = m.running ? "Pause" : "Train";
      return;
    case "step":
      state.losses.push({ step: m.step, loss: m.loss, device: m.device });
      charts.addLoss(m.step, m.loss);
      if (m.imagesPerSecond > 0) state.imagesPerSecond[m.device] = m.imagesPerSecond;
      $("step").textContent =
        `step ${m.step} · loss ${m.loss.toFixed(3)} · ${m.imagesPerSecond.toFixed(0)} images/s on ${m.device}`;
      if (m.step % 10 === 0) renderDevices();
      return;
    case "eval":
      state.accuracy.push({ step: m.step, accuracy: m.accuracy });
      charts.addAccuracy(m.step, m.accuracy);
      showDigits(m.digits);
      return;
    case "prediction":
      showPrediction(m.probs);
      return;
    case "weights": {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(
        new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }),
      );
      a.download = "mnist-cnn.safetensors";
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      return;
    }
    case "loaded":
      state.loaded = m.name;
      say(`loaded ${m.keys} tensors from ${m.name}`);
      return;
    case "error":
      state.errors.push(m.message);
      state.running = false;
      runButton.textContent = "Train";
      say(`error: ${m.message}`);
      console.error(`mnist-web worker: ${m.message}`);
      return;
    default:
      m satisfies never;
  }
};
worker.onerror = (e) => {
  state.errors.push(e.message);
  say(`worker error: ${e.message}`);
  console.error(`mnist-web worker: ${e.message}`);
};

runButton.onclick = () => send({ type: state.running ? "pause" : "run" });
$("reset").onclick = reset;
picker.onchange = () => send({ type: "device", device: picker.value as DeviceName });
$("save").onclick = () => send({ type: "save" });
$<HTMLInputElement>("load-file").onchange = async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  send({ type: "load", bytes, name: file.name }, [bytes.buffer]);
};
$("load").onclick = () => $("load-file").click();
const pad = drawingPad($("pad"), (pixels) => send({ type: "predict", pixels }, [pixels.buffer]));
$("clear").onclick = () => {
  pad.clear();
  state.prediction = null;
  $("prediction").textContent = "?";
  $("probs").replaceChildren();
};

say("looking for devices...");
send({ type: "init", evalCount });
