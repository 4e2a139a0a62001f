/**
 * The WebGPU kernel of the fused `optimStep` primitive (kernels/webgpu/optim.wgsl): one
 * invocation per element, the CPU kernel's arithmetic (backends/cpu/optim.ts) in float32.
 *
 * The scalars travel by name: {@link OPTIM_PARAMS} is the one table of each kind's uniform
 * struct, from which both the WGSL declarations and the packing come.
 *
 * @module
 */
import optimWgsl from "../../../kernels/webgpu/optim.wgsl";
import { assertInternal } from "../../core/errors.js";
import { numel } from "../../core/shape.js";
import type { KernelArgs } from "../../ops/prims.js";
import { elementGrid, type KernelHost } from "./host.js";
import { UniformStruct } from "./uniforms.js";

/** The fields every kind's struct starts with: the element count and the views' offsets. */
const VIEW_FIELDS = {
  n: "u32",
  paramOffset: "u32",
  gradOffset: "u32",
  stateOffset0: "u32",
  stateOffset1: "u32",
  stateOffset2: "u32",
} as const;

/**
 * The uniform struct of each kind: the view fields, the kind's scalars (named as in
 * `OptimStepScalars`; flags as u32), and values derived from them on the host in double
 * precision (`oneMinus...`), so that the shader never rounds `1 - beta` itself.
 */
const OPTIM_PARAMS = {
  sgd: new UniformStruct("SgdParams", {
    ...VIEW_FIELDS,
    negLr: "f32",
    weightDecay: "f32",
    momentum: "f32",
    oneMinusDampening: "f32",
    nesterov: "u32",
    maximize: "u32",
    firstStep: "u32",
  }),
  adam: new UniformStruct("AdamParams", {
    ...VIEW_FIELDS,
    negStepSize: "f32",
    beta1: "f32",
    beta2: "f32",
    oneMinusBeta1: "f32",
    oneMinusBeta2: "f32",
    eps: "f32",
    weightDecay: "f32",
    biasCorrection2Sqrt: "f32",
    decay: "f32",
    maximize: "u32",
    decoupled: "u32",
  }),
  adagrad: new UniformStruct("AdagradParams", {
    ...VIEW_FIELDS,
    negClr: "f32",
    weightDecay: "f32",
    eps: "f32",
    maximize: "u32",
  }),
  rmsprop: new UniformStruct("RmspropParams", {
    ...VIEW_FIELDS,
    negLr: "f32",
    alpha: "f32",
    oneMinusAlpha: "f32",
    eps: "f32",
    weightDecay: "f32",
    momentum: "f32",
    centered: "u32",
    maximize: "u32",
  }),
};

const CODE =
  Object.values(OPTIM_PARAMS)
    .map((s) => s.wgsl)
    .join("") + optimWgsl;

/** State views each entry point takes (see optim.wgsl's header). */
const STATES: Record<string, number> = {
  optimSgd: 0,
  optimSgdMomentum: 1,
  optimAdam: 2,
  optimAdamAmsgrad: 3,
  optimAdagrad: 1,
  optimRmsprop: 1,
  optimRmspropCentered: 2,
  optimRmspropMomentum: 2,
  optimRmspropCenteredMomentum: 3,
};

/**
 * The entry point of `args` and its uniform struct's bytes. NOTE: the values are gathered with
 * Object.assign, not spreads: V8 makes `{ ...a, b }` far slower, and this runs once per parameter
 * per optimizer step.
 */
function optimEntry(
  args: KernelArgs["optimStep"],
  views: Record<keyof typeof VIEW_FIELDS, number>,
): { entryPoint: string; uniforms: Uint32Array } {
  switch (args.kind) {
    case "sgd": {
      const s = args.scalars;
      return {
        entryPoint: s.momentum !== 0 ? "optimSgdMomentum" : "optimSgd",
        uniforms: OPTIM_PARAMS.sgd.pack(
          Object.assign({ oneMinusDampening: 1 - s.dampening }, views, s),
        ),
      };
    }
    case "adam": {
      const s = args.scalars;
      return {
        // NOTE: amsgrad is no scalar: its running maximum is the third state view.
        entryPoint: args.state.length === 3 ? "optimAdamAmsgrad" : "optimAdam",
        uniforms: OPTIM_PARAMS.adam.pack(
          Object.assign({ oneMinusBeta1: 1 - s.beta1, oneMinusBeta2: 1 - s.beta2 }, views, s),
        ),
      };
    }
    case "adagrad":
      return {
        entryPoint: "optimAdagrad",
        uniforms: OPTIM_PARAMS.adagrad.pack(Object.assign({}, views, args.scalars)),
      };
    case "rmsprop": {
      const s = args.scalars;
      const momentum = s.momentum > 0;
      const entryPoint = s.centered
        ? momentum
          ? "optimRmspropCenteredMomentum"
          : "optimRmspropCentered"
        : momentum
          ? "optimRmspropMomentum"
          : "optimRmsprop";
      return {
        entryPoint,
        uniforms: OPTIM_PARAMS.rmsprop.pack(
          Object.assign({ oneMinusAlpha: 1 - s.alpha }, views, s),
        ),
      };
    }
  }
  return args satisfies never;
}

/** One optimizer update of one contiguous float32 parameter and its state, in place. */
export function optimStepKernel(host: KernelHost, args: KernelArgs["optimStep"]): void {
  const { param, grad, state } = args;
  assertInternal(param.dtype === "float32", "optimStep(webgpu): float32 only");
  const n = numel(param.shape);
  if (n === 0) return;
  const { entryPoint, uniforms } = optimEntry(args, {
    n,
    paramOffset: param.offset,
    gradOffset: grad.offset,
    stateOffset0: state[0]?.offset ?? 0,
    stateOffset1: state[1]?.offset ?? 0,
    stateOffset2: state[2]?.offset ?? 0,
  });
  assertInternal(
    state.length === STATES[entryPoint],
    `optimStep(webgpu): ${entryPoint} takes ${STATES[entryPoint]} state views; got ${state.length}`,
  );
  const entry = host.pipeline(`optim:${entryPoint}`, () => ({
    code: CODE,
    entryPoint,
    writes: [true, false, ...state.map(() => true)],
  }));
  const storages = [param.storage, grad.storage, ...state.map((v) => v.storage)];
  host.dispatch(entry, storages, uniforms, ...elementGrid(n));
}
