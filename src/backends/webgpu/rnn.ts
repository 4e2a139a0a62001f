/**
 * The WebGPU kernels of the fused LSTM and GRU cells (`rnnCell`, `rnnCellBackward`;
 * kernels/webgpu/rnn.wgsl): one invocation per element of the [B, H] state, the CPU kernel's
 * arithmetic (backends/cpu/rnn.ts) in float32.
 *
 * @module
 */
import elementwiseWgsl from "../../../kernels/webgpu/elementwise.wgsl";
import rnnWgsl from "../../../kernels/webgpu/rnn.wgsl";
import { assertInternal } from "../../core/errors.js";
import type { View } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import { elementGrid, wgslSections, type KernelHost } from "./host.js";
import { UniformStruct } from "./uniforms.js";

/**
 * The uniform struct of each cell, shared by its forward and backward entry points: the state's
 * element count `n` (B * H), `hidden` (H), each view's element offset, and which of the LSTM's
 * output gradients exist.
 */
const RNN_PARAMS = {
  lstm: new UniformStruct("LstmParams", {
    n: "u32",
    hidden: "u32",
    gatesOffset: "u32",
    cxOffset: "u32",
    hyOffset: "u32",
    cyOffset: "u32",
    gradHyOffset: "u32",
    gradCyOffset: "u32",
    gradGatesOffset: "u32",
    gradCxOffset: "u32",
    hasGradHy: "u32",
    hasGradCy: "u32",
  }),
  gru: new UniformStruct("GruParams", {
    n: "u32",
    hidden: "u32",
    giOffset: "u32",
    ghOffset: "u32",
    hxOffset: "u32",
    hyOffset: "u32",
    gradHyOffset: "u32",
    gradGiOffset: "u32",
    gradGhOffset: "u32",
    gradHxOffset: "u32",
  }),
};

const HELPERS = wgslSections(elementwiseWgsl).get("common")!;
const SECTIONS = wgslSections(rnnWgsl);

type EntryPoint = "lstmCell" | "lstmCellBackward" | "gruCell" | "gruCellBackward";

/** Compiles (once) and dispatches entry point `name` over `n` elements. */
function run(
  host: KernelHost,
  name: EntryPoint,
  writes: readonly boolean[],
  storages: readonly View["storage"][],
  uniforms: Uint32Array,
  n: number,
): void {
  const entry = host.pipeline(`rnn:${name}`, () => ({
    code: [
      RNN_PARAMS.lstm.wgsl,
      RNN_PARAMS.gru.wgsl,
      HELPERS,
      SECTIONS.get("common")!,
      SECTIONS.get(name)!,
    ].join("\n"),
    entryPoint: name,
    writes,
  }));
  host.dispatch(entry, storages, uniforms, ...elementGrid(n));
}

/** [B, H] of the state view, as the uniforms' `n` and `hidden`. */
function stateSize(v: View): { n: number; hidden: number } {
  assertInternal(v.dtype === "float32", "rnnCell(webgpu): float32 only");
  const [batch, hidden] = v.shape as [number, number];
  return { n: batch * hidden, hidden };
}

const NO_LSTM_GRADS = {
  gradHyOffset: 0,
  gradCyOffset: 0,
  gradGatesOffset: 0,
  gradCxOffset: 0,
  hasGradHy: 0,
  hasGradCy: 0,
};

/** One LSTM or GRU step's forward (see `RnnCellArgs`). */
export function rnnCellKernel(host: KernelHost, args: KernelArgs["rnnCell"]): void {
  if (args.kind === "lstm") {
    const { gates, cx, hy, cy } = args;
    const { n, hidden } = stateSize(cx);
    if (n === 0) return;
    const uniforms = RNN_PARAMS.lstm.pack(
      Object.assign(
        {
          n,
          hidden,
          gatesOffset: gates.offset,
          cxOffset: cx.offset,
          hyOffset: hy.offset,
          cyOffset: cy.offset,
        },
        NO_LSTM_GRADS,
      ),
    );
    const storages = [gates.storage, cx.storage, hy.storage, cy.storage];
    run(host, "lstmCell", [false, false, true, true], storages, uniforms, n);
    return;
  }
  const { gi, gh, hx, hy } = args;
  const { n, hidden } = stateSize(hx);
  if (n === 0) return;
  const uniforms = RNN_PARAMS.gru.pack({
    n,
    hidden,
    giOffset: gi.offset,
    ghOffset: gh.offset,
    hxOffset: hx.offset,
    hyOffset: hy.offset,
    gradHyOffset: 0,
    gradGiOffset: 0,
    gradGhOffset: 0,
    gradHxOffset: 0,
  });
  const storages = [gi.storage, gh.storage, hx.storage, hy.storage];
  run(host, "gruCell", [false, false, false, true], storages, uniforms, n);
}

/** One LSTM or GRU step's gradient (see `RnnCellBackwardArgs`). */
export function rnnCellBackwardKernel(host: KernelHost, args: KernelArgs["rnnCellBackward"]): void {
  if (args.kind === "lstm") {
    const { gates, cx, gradHy, gradCy, gradGates, gradCx } = args;
    const { n, hidden } = stateSize(cx);
    if (n === 0) return;
    const uniforms = RNN_PARAMS.lstm.pack({
      n,
      hidden,
      gatesOffset: gates.offset,
      cxOffset: cx.offset,
      hyOffset: 0,
      cyOffset: 0,
      gradHyOffset: gradHy?.offset ?? 0,
      gradCyOffset: gradCy?.offset ?? 0,
      gradGatesOffset: gradGates.offset,
      gradCxOffset: gradCx.offset,
      hasGradHy: gradHy !== null,
      hasGradCy: gradCy !== null,
    });
    // NOTE: an absent gradient binds the gates' buffer, read-only like the slot (never read).
    const storages = [
      gates.storage,
      cx.storage,
      (gradHy ?? gates).storage,
      (gradCy ?? gates).storage,
      gradGates.storage,
      gradCx.storage,
    ];
    const writes = [false, false, false, false, true, true];
    run(host, "lstmCellBackward", writes, storages, uniforms, n);
    return;
  }
  const { gi, gh, hx, gradHy, gradGi, gradGh, gradHx } = args;
  const { n, hidden } = stateSize(hx);
  if (n === 0) return;
  const uniforms = RNN_PARAMS.gru.pack({
    n,
    hidden,
    giOffset: gi.offset,
    ghOffset: gh.offset,
    hxOffset: hx.offset,
    hyOffset: 0,
    gradHyOffset: gradHy.offset,
    gradGiOffset: gradGi.offset,
    gradGhOffset: gradGh.offset,
    gradHxOffset: gradHx.offset,
  });
  const storages = [
    gi.storage,
    gh.storage,
    hx.storage,
    gradHy.storage,
    gradGi.storage,
    gradGh.storage,
    gradHx.storage,
  ];
  const writes = [false, false, false, false, true, true, true];
  run(host, "gruCellBackward", writes, storages, uniforms, n);
}
