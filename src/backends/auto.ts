import type { DeviceName } from "./backend.js";

/**
 * What `init({ device: "auto" })` decides on: which GPUs this runtime offers, probed by `init`
 * (and injected by tests, since Node has neither kind of hardware).
 */
export interface AutoProbes {
  /** "node" or "browser" (gpu.js has no GL in Node, so auto never picks it there). */
  readonly platform: "node" | "browser";
  /** A WebGPU adapter: on hardware, a software rasterizer (lavapipe, SwiftShader), or none. */
  readonly webgpu: "hardware" | "software" | "none";
  /** A WebGL2 context: on hardware, a software renderer (SwiftShader, llvmpipe), or none. */
  readonly webgl2: "hardware" | "software" | "none";
}

/**
 * The device "auto" picks: webgpu on a hardware adapter, then gpujs on a hardware WebGL2 (in a
 * browser), then the CPU. A software rasterizer runs on the CPU, slower than webtorch's own CPU
 * kernels, so it is never picked by itself (ask for the device by name to use it anyway).
 *
 * @example
 * chooseAutoDevice({ platform: "browser", webgpu: "software", webgl2: "hardware" }); // "gpujs"
 */
export function chooseAutoDevice(p: AutoProbes): DeviceName {
  if (p.webgpu === "hardware") return "webgpu";
  if (p.platform === "browser" && p.webgl2 === "hardware") return "gpujs";
  return "cpu";
}

/** Renderer names of software WebGL implementations. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render driver/i;

/**
 * Whether `renderer` (WEBGL_debug_renderer_info's UNMASKED_RENDERER_WEBGL, or the masked
 * RENDERER where that extension is missing) names a software rasterizer.
 *
 * @example
 * isSoftwareRenderer("ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)"); // true
 */
export function isSoftwareRenderer(renderer: string): boolean {
  return SOFTWARE_RENDERER.test(renderer);
}

/** The WEBGL_debug_renderer_info extension's renderer constant. */
const UNMASKED_RENDERER_WEBGL = 0x9246;

type Canvas = { getContext(kind: "webgl2"): WebGL2RenderingContext | null };

/**
 * Probes WebGL2 where a canvas exists (a page, or a worker with OffscreenCanvas): "none" without
 * one (Node), "software" for a software renderer, else "hardware". Releases the context it made.
 */
export function probeWebGL2(): AutoProbes["webgl2"] {
  const g = globalThis as {
    OffscreenCanvas?: new (w: number, h: number) => Canvas;
    document?: { createElement(tag: "canvas"): Canvas };
  };
  let canvas: Canvas | undefined;
  try {
    canvas = g.OffscreenCanvas ? new g.OffscreenCanvas(1, 1) : g.document?.createElement("canvas");
  } catch {
    return "none";
  }
  const gl = canvas?.getContext("webgl2");
  if (!gl) return "none";
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = String(gl.getParameter(info ? UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return isSoftwareRenderer(renderer) ? "software" : "hardware";
}
