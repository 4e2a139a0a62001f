import type { View } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import { stridedIndex } from "./codegen.js";
import type { GpuArg } from "./gpu-types.js";
import type { GpujsHost } from "./host.js";

/**
 * The fused `optimStep`: the CPU kernel's arithmetic (`backends/cpu/optim.ts`, PyTorch 1.13's
 * single-tensor update, in the same order), as one gpu.js kernel per value it writes (gpu.js
 * kernels have one output): the parameter, then each state view. Each kernel recomputes the
 * chain up to its value from the old values, so all of them read the state before any is
 * replaced. The hyper-parameters that change between steps (step sizes, bias corrections) are
 * kernel arguments, so one compiled kernel serves every step; the flags are in the source.
 */

/** One update written out: statements, then which value each output takes. */
interface Update {
  /** Source lines computing named values from `x` (param), `gr` (grad) and `s0`, `s1`, ... */
  lines: string[];
  /** The scalar arguments, by name, in order. */
  scalars: [string, number][];
  /** The value of the parameter and of each state view after the update. */
  results: string[];
  /** What the source depends on beyond shapes (for the kernel cache key). */
  flags: string;
}

/** The direction of the update: the gradient, negated to maximize, plus L2 weight decay. */
function direction(maximize: boolean, l2: boolean): string {
  return `let d = ${maximize ? "-gr" : "gr"};${l2 ? "\n  d = d + x * wd;" : ""}`;
}

function update(args: KernelArgs["optimStep"]): Update {
  switch (args.kind) {
    case "sgd": {
      const s = args.scalars;
      const l2 = s.weightDecay !== 0;
      const buffer = s.momentum !== 0;
      const lines = [direction(s.maximize, l2)];
      if (!buffer) lines.push("const px = x + d * negLr;");
      else {
        lines.push(s.firstStep ? "const buf = d;" : "const buf = s0 * momentum + d * keep;");
        lines.push(`const px = x + ${s.nesterov ? "(d + buf * momentum)" : "buf"} * negLr;`);
      }
      return {
        lines,
        scalars: [
          ["negLr", s.negLr],
          ["wd", s.weightDecay],
          ["momentum", s.momentum],
          ["keep", 1 - s.dampening],
        ],
        results: buffer ? ["px", "buf"] : ["px"],
        flags: `sgd:${s.maximize}:${l2}:${buffer}:${s.firstStep}:${s.nesterov}`,
      };
    }
    case "adam": {
      const s = args.scalars;
      const amsgrad = args.state.length === 3;
      const l2 = !s.decoupled && s.weightDecay !== 0;
      const shrink = s.decoupled && s.weightDecay !== 0;
      const lines = [
        direction(s.maximize, l2),
        shrink ? "const xs = x * decay;" : "const xs = x;",
        "const m = s0 * beta1 + d * (1.0 - beta1);",
        "const v = s1 * beta2 + d * d * (1.0 - beta2);",
        amsgrad ? "const vm = Math.max(s2, v);" : "const vm = v;",
        "const px = xs + (m / (Math.sqrt(vm) / bc2 + eps)) * negStep;",
      ];
      return {
        lines,
        scalars: [
          ["negStep", s.negStepSize],
          ["beta1", s.beta1],
          ["beta2", s.beta2],
          ["eps", s.eps],
          ["wd", s.weightDecay],
          ["bc2", s.biasCorrection2Sqrt],
          ["decay", s.decay],
        ],
        results: amsgrad ? ["px", "m", "v", "vm"] : ["px", "m", "v"],
        flags: `adam:${s.maximize}:${l2}:${shrink}:${amsgrad}`,
      };
    }
    case "adagrad": {
      const s = args.scalars;
      const l2 = s.weightDecay !== 0;
      return {
        lines: [
          direction(s.maximize, l2),
          "const sum = s0 + d * d;",
          "const px = x + (d / (Math.sqrt(sum) + eps)) * negClr;",
        ],
        scalars: [
          ["negClr", s.negClr],
          ["wd", s.weightDecay],
          ["eps", s.eps],
        ],
        results: ["px", "sum"],
        flags: `adagrad:${s.maximize}:${l2}`,
      };
    }
    case "rmsprop": {
      const s = args.scalars;
      const l2 = s.weightDecay !== 0;
      const mom = s.momentum > 0;
      const lines = [direction(s.maximize, l2), "const sq = s0 * alpha + d * d * (1.0 - alpha);"];
      if (s.centered) {
        lines.push("const ga = s1 * alpha + d * (1.0 - alpha);");
        lines.push("const avg = Math.sqrt(sq + ga * ga * -1.0) + eps;");
      } else lines.push("const avg = Math.sqrt(sq) + eps;");
      const last = `s${s.centered ? 2 : 1}`;
      if (mom) {
        lines.push(`const buf = ${last} * momentum + d / avg;`);
        lines.push("const px = x + buf * negLr;");
      } else lines.push("const px = x + (d / avg) * negLr;");
      return {
        lines,
        scalars: [
          ["negLr", s.negLr],
          ["alpha", s.alpha],
          ["eps", s.eps],
          ["wd", s.weightDecay],
          ["momentum", s.momentum],
        ],
        results: ["px", "sq", ...(s.centered ? ["ga"] : []), ...(mom ? ["buf"] : [])],
        flags: `rmsprop:${s.maximize}:${l2}:${s.centered}:${mom}`,
      };
    }
  }
  return args satisfies never;
}

export function optimStepKernel(host: GpujsHost, args: KernelArgs["optimStep"]): void {
  const { param, grad, state } = args;
  const u = update(args);
  const views: View[] = [param, grad, ...state];
  const names = ["pp", "pg", ...state.map((_, k) => `ps${k}`)];
  const reads = [
    `const x = pp[${stridedIndex(param, param.shape)}];`,
    `const gr = pg[${stridedIndex(grad, param.shape)}];`,
    ...state.map((v, k) => `const s${k} = ps${k}[${stridedIndex(v, param.shape)}];`),
  ];
  // every kernel reads the old values: take them all before the first output replaces one
  const inputs: GpuArg[] = [
    ...views.map((v) => host.value(v.storage)),
    ...u.scalars.map((s) => s[1]),
  ];
  const params = [...names, ...u.scalars.map((s) => s[0])];
  const layout = views.map((v) => `${v.shape.join("x")}@${v.offset}`).join(":");
  const outputs = [param, ...state];
  const results = outputs.map((out, k) =>
    host.compute(
      out,
      `optimStep:${u.flags}:${k}:${layout}`,
      params,
      () => [...reads, ...u.lines, `return ${u.results[k]};`].join("\n  "),
      inputs,
    ),
  );
  outputs.forEach((out, k) => {
    const r = results[k];
    if (r) host.writeOut(out, r);
  });
}
