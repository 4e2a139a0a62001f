/**
 * A progress bar for the training loop. On a terminal it redraws one line in place (`\r`), at
 * most ten times a second:
 *
 * ```
 * epoch 2/5 [██████████████░░░░░░░░░░░░░░░░]  58/125  loss 0.0841  251 img/s  ETA 17s
 * ```
 *
 * When stdout is not a terminal (a CI log, a pipe), it prints a plain line every `logEvery`
 * seconds instead, so that logs stay readable. The text examples count characters instead of images
 * (`unit: "char"`) and add the perplexity after the loss.
 */
export class ProgressBar {
  readonly #total: number;
  readonly #label: string;
  readonly #tty: boolean;
  readonly #start = performance.now();
  readonly #logEveryMs: number;
  readonly #unit: string;
  readonly #width = 30;
  #lastDraw = -Infinity;
  #lastLength = 0;

  constructor(
    label: string,
    total: number,
    options: { tty?: boolean; logEvery?: number; unit?: string } = {},
  ) {
    this.#label = label;
    this.#unit = options.unit ?? "img";
    this.#total = total;
    this.#tty = options.tty ?? process.stdout.isTTY === true;
    this.#logEveryMs = 1000 * (options.logEvery ?? 10);
  }

  /**
   * Reports that `done` of `total` batches (`images` images, or other units) are done, with the
   * running loss and, after it, `extra` (such as the perplexity).
   */
  update(done: number, images: number, loss: number, extra = ""): void {
    const now = performance.now();
    const last = done === this.#total;
    if (!last && now - this.#lastDraw < (this.#tty ? 100 : this.#logEveryMs)) return;
    this.#lastDraw = now;
    const seconds = (now - this.#start) / 1000;
    const rate = images / Math.max(seconds, 1e-9);
    const eta = done > 0 ? (seconds / done) * (this.#total - done) : 0;
    const count = `${String(done).padStart(String(this.#total).length)}/${this.#total}`;
    const more = extra === "" ? "" : `  ${extra}`;
    const stats = `loss ${loss.toFixed(4)}${more}  ${rate.toFixed(0)} ${this.#unit}/s`;
    if (this.#tty) {
      const filled = Math.round((this.#width * done) / this.#total);
      const bar = "█".repeat(filled) + "░".repeat(this.#width - filled);
      const tail = last ? `${seconds.toFixed(1)}s` : `ETA ${eta.toFixed(0)}s`;
      const line = `${this.#label} [${bar}] ${count}  ${stats}  ${tail}`;
      process.stdout.write(`\r${line.padEnd(this.#lastLength)}`);
      this.#lastLength = line.length;
    } else if (!last) {
      console.log(`${this.#label} ${count}  ${stats}  ETA ${eta.toFixed(0)}s`);
    }
  }

  /** Ends the bar's line (on a terminal); the next output starts on a new line. */
  done(): void {
    if (this.#tty && this.#lastLength > 0) process.stdout.write("\n");
  }
}
