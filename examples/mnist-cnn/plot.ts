/**
 * Writes the training curves as a self-contained SVG (no dependencies): two panels, the loss per
 * epoch (train and test) and the test accuracy per epoch, with labelled axes and a legend.
 */
import { writeFile } from "node:fs/promises";

/** One epoch of training, as train.ts records it (and writes to metrics.json). */
export interface EpochRecord {
  epoch: number;
  /** Mean cross-entropy over the epoch's training batches. */
  trainLoss: number;
  /** Mean cross-entropy over the test set. */
  testLoss: number;
  /** Fraction of the test set classified correctly, in [0, 1]. */
  testAccuracy: number;
  /** Training time of the epoch (without evaluation), in seconds. */
  seconds: number;
  /** Training throughput of the epoch. */
  imagesPerSecond: number;
}

interface Series {
  name: string;
  color: string;
  values: number[];
  dashed?: boolean;
}

const W = 820;
const H = 376;
const PANEL_W = 310;
const PANEL_H = 220;
const TOP = 100;
const LEFTS = [74, 490];
const COLORS = { train: "#1f77b4", test: "#ff7f0e", acc: "#2ca02c" };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const r2 = (v: number) => Math.round(v * 100) / 100;

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten). */
function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.max(first + 1, Math.ceil(hi / step - 1e-9));
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

function fmtTick(v: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const decimals = Math.max(0, Math.min(4, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** One panel: axes, grid, ticks, axis labels, the series as lines with markers, and a legend. */
function panel(
  left: number,
  title: string,
  yLabel: string,
  epochs: number[],
  series: Series[],
  options: { yRange?: [number, number]; legend?: "top" | "bottom" } = {},
): string {
  const { yRange } = options;
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  let [lo, hi] = yRange ?? [Math.min(...all), Math.max(...all)];
  if (!yRange) {
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
    lo = Math.max(0, lo - pad);
    hi += pad;
  }
  const yTicks = niceTicks(lo, hi);
  lo = Math.min(lo, yTicks[0]!);
  hi = Math.max(hi, yTicks.at(-1)!);
  const xMin = epochs[0] ?? 1;
  const xMax = Math.max(epochs.at(-1) ?? 1, xMin + 1);
  const xPad = 0.04 * (xMax - xMin);
  const x = (e: number) => left + ((e - xMin + xPad) / (xMax - xMin + 2 * xPad)) * PANEL_W;
  const y = (v: number) => TOP + PANEL_H - ((v - lo) / (hi - lo)) * PANEL_H;
  const xStep = Math.max(1, Math.ceil((xMax - xMin + 1) / 10));
  const xTicks = epochs.filter((e) => (e - xMin) % xStep === 0);

  const parts: string[] = [];
  parts.push(
    `<text x="${left + PANEL_W / 2}" y="${TOP - 12}" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  );
  for (const t of yTicks) {
    if (t < lo - 1e-12 || t > hi + 1e-12) continue;
    parts.push(
      `<line x1="${left}" y1="${r2(y(t))}" x2="${left + PANEL_W}" y2="${r2(y(t))}" stroke="#e5e5e5"/>`,
      `<text x="${left - 6}" y="${r2(y(t) + 4)}" text-anchor="end" font-size="11">${fmtTick(t, yTicks)}</text>`,
    );
  }
  for (const e of xTicks) {
    parts.push(
      `<line x1="${r2(x(e))}" y1="${TOP + PANEL_H}" x2="${r2(x(e))}" y2="${TOP + PANEL_H + 4}" stroke="#333"/>`,
      `<text x="${r2(x(e))}" y="${TOP + PANEL_H + 17}" text-anchor="middle" font-size="11">${e}</text>`,
    );
  }
  parts.push(
    `<rect x="${left}" y="${TOP}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#333"/>`,
    `<text x="${left + PANEL_W / 2}" y="${TOP + PANEL_H + 36}" text-anchor="middle" font-size="12">epoch</text>`,
    `<text transform="translate(${left - 48} ${TOP + PANEL_H / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text>`,
  );
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => `${r2(x(epochs[i]!))},${r2(y(v))}`);
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    parts.push(
      `<polyline points="${pts.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
      ...s.values.map(
        (v, i) => `<circle cx="${r2(x(epochs[i]!))}" cy="${r2(y(v))}" r="3" fill="${s.color}"/>`,
      ),
    );
    const ly =
      options.legend === "bottom"
        ? TOP + PANEL_H - 10 - 18 * (series.length - 1 - k)
        : TOP + 16 + 18 * k;
    const lx = left + PANEL_W - 110;
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 28}" y="${ly}" font-size="11">${esc(s.name)}</text>`,
    );
  });
  return parts.join("\n  ");
}

/**
 * The SVG text of the two panels for `history`, with `title` and `subtitle` (the recipe, say)
 * above them and a summary line (final and best accuracy, throughput).
 */
export function renderTrainingPlot(
  history: readonly EpochRecord[],
  title: string,
  subtitle = "",
): string {
  const epochs = history.map((h) => h.epoch);
  const accuracy = history.map((h) => 100 * h.testAccuracy);
  const accLo = Math.min(...accuracy);
  const accHi = Math.max(...accuracy);
  const accTicks = niceTicks(Math.max(0, accLo - 0.3), Math.min(100, accHi + 0.3));
  const best = history.reduce((b, h) => (h.testAccuracy > b.testAccuracy ? h : b), history[0]!);
  const last = history.at(-1)!;
  const summary = `final test accuracy ${(100 * last.testAccuracy).toFixed(2)}% (best ${(100 * best.testAccuracy).toFixed(2)}% at epoch ${best.epoch}); mean ${(history.reduce((s, h) => s + h.imagesPerSecond, 0) / history.length).toFixed(0)} images/s`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">
  <rect width="${W}" height="${H}" fill="white"/>
  <text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>
  <text x="${W / 2}" y="42" text-anchor="middle" font-size="12">${esc(subtitle)}</text>
  <text x="${W / 2}" y="60" text-anchor="middle" font-size="12" fill="#555">${esc(summary)}</text>
  ${panel(LEFTS[0]!, "Loss per epoch", "cross-entropy loss", epochs, [
    { name: "train", color: COLORS.train, values: history.map((h) => h.trainLoss) },
    { name: "test", color: COLORS.test, values: history.map((h) => h.testLoss), dashed: true },
  ])}
  ${panel(
    LEFTS[1]!,
    "Test accuracy per epoch",
    "test accuracy (%)",
    epochs,
    [{ name: "test accuracy", color: COLORS.acc, values: accuracy }],
    { yRange: [accTicks[0]!, accTicks.at(-1)!], legend: "bottom" },
  )}
</svg>
`;
}

/** Writes `renderTrainingPlot(history, title, subtitle)` to `path`. */
export async function writeTrainingPlot(
  path: string,
  history: readonly EpochRecord[],
  title: string,
  subtitle = "",
): Promise<void> {
  await writeFile(path, renderTrainingPlot(history, title, subtitle));
}
