/**
 * The drawing pad: a canvas a person draws a digit on with the mouse, a pen or a finger (pointer
 * events), white on black as MNIST's digits are; `onDigit` gets the 28x28 digit after each stroke.
 */
import { digitize } from "./digitize.js";

export function drawingPad(
  canvas: HTMLCanvasElement,
  onDigit: (pixels: Float32Array) => void,
): { clear(): void } {
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  const clear = () => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  ctx.strokeStyle = "#fff";
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.lineWidth = canvas.width / 14;
  let drawing = false;
  const at = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [
      ((e.clientX - r.left) * canvas.width) / r.width,
      ((e.clientY - r.top) * canvas.height) / r.height,
    ];
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = at(e);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x, y);
    ctx.stroke();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const [x, y] = at(e);
    ctx.lineTo(x, y);
    ctx.stroke();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const ink = new Float32Array(width * height);
    for (let i = 0; i < ink.length; i++) ink[i] = data[4 * i]! / 255;
    const digit = digitize(ink, width, height);
    if (digit) onDigit(digit);
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  return { clear };
}

/** Paints a 28x28 digit (values in [0, 1]) on a small canvas, white on black. */
export function paintDigit(canvas: HTMLCanvasElement, pixels: Float32Array): void {
  canvas.width = 28;
  canvas.height = 28;
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * pixels[i]!);
    img.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}
