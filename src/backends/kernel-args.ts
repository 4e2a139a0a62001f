/**
 * Walking a kernel's arguments for its views: what a GPU backend's CPU fallback needs to read
 * every input back and hand the CPU kernel host copies (webgpu/index.ts, gpujs/index.ts).
 *
 * @module
 */
import type { View } from "../core/layout.js";

function isView(v: unknown): v is View {
  return typeof v === "object" && v !== null && "storage" in v && "strides" in v;
}

/** Every view in a kernel's arguments (top-level fields and arrays of views). */
export function viewsOf(args: object): View[] {
  const out: View[] = [];
  for (const v of Object.values(args)) {
    if (isView(v)) out.push(v);
    else if (Array.isArray(v)) for (const e of v as unknown[]) if (isView(e)) out.push(e);
  }
  return out;
}

/** `args` with each view re-pointed through `map` (other fields unchanged). */
export function mapViews(args: object, map: (v: View) => View): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (isView(v)) out[k] = map(v);
    else if (Array.isArray(v) && v.some(isView))
      out[k] = (v as unknown[]).map((e) => (isView(e) ? map(e) : e));
    else out[k] = v;
  }
  return out;
}
