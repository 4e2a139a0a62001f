import type { View } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import { lit } from "./codegen.js";
import type { GpuArg } from "./gpu-types.js";
import type { GpujsHost } from "./host.js";

/**
 * The fused LSTM and GRU cells (`rnnCell`, `rnnCellBackward`): the CPU kernel's arithmetic
 * (`backends/cpu/rnn.ts`), as one gpu.js kernel per output view. A thread of an output `[B, k H]`
 * (the gates' gradients) finds its batch row `b`, hidden unit `j` and gate, computes that unit's
 * values from the inputs and returns the one its gate needs. All views are contiguous (any offset).
 */

/** An input view read at row `b`, column `gate * H + j` (`[B, k H]` or `[B, H]`). */
function read(name: string, v: View, gate = 0): string {
  const cols = v.shape[1]!;
  return `${name}[${lit(v.offset)} + b * ${lit(cols)} + j + ${lit(gate)} * hh]`;
}

/** Runs one kernel per output (`results[k]` is the value output k takes, for its gate `gate`). */
function run(
  host: GpujsHost,
  key: string,
  hidden: number,
  inputs: [string, View][],
  lines: string[],
  outputs: [View, string[]][],
): void {
  const args: GpuArg[] = inputs.map(([, v]) => host.value(v.storage));
  const params = inputs.map(([n]) => n);
  const results = outputs.map(([out, values], k) =>
    host.compute(
      out,
      `${key}:${k}:${inputs.map(([, v]) => `${v.shape.join("x")}@${v.offset}`).join(":")}`,
      params,
      () => {
        const cols = out.shape[1]!;
        const pick =
          values.length === 1
            ? `return ${values[0]};`
            : values
                .map((v, g) =>
                  g === values.length - 1
                    ? `return ${v};`
                    : `if (gate < ${lit(g + 1)}) { return ${v}; }`,
                )
                .join("\n  ");
        return [
          `const hh = ${lit(hidden)};`,
          `const b = Math.floor(i / ${lit(cols)});`,
          `const col = i - b * ${lit(cols)};`,
          `const gate = Math.floor(col / hh);`,
          `const j = col - gate * hh;`,
          ...lines,
          pick,
        ].join("\n  ");
      },
      args,
    ),
  );
  outputs.forEach(([out], k) => {
    const r = results[k];
    if (r) host.writeOut(out, r);
  });
}

const SIGMOID = (x: string) => `1.0 / (1.0 + Math.exp(-(${x})))`;

/** The LSTM's gate activations ig, fg, gg, og from its pre-activations (read as `pg`). */
const lstmGates = (gates: View): string[] => [
  `const ig = ${SIGMOID(read("pg", gates, 0))};`,
  `const fg = ${SIGMOID(read("pg", gates, 1))};`,
  `const gg = Math.tanh(${read("pg", gates, 2)});`,
  `const og = ${SIGMOID(read("pg", gates, 3))};`,
];

/** The GRU's reset and update gates r, z from its two projections (read as `pi`, `ph`). */
const gruGates = (gi: View, gh: View): string[] => [
  `const r = ${SIGMOID(`${read("pi", gi, 0)} + ${read("ph", gh, 0)}`)};`,
  `const z = ${SIGMOID(`${read("pi", gi, 1)} + ${read("ph", gh, 1)}`)};`,
];

export function rnnCellKernel(host: GpujsHost, a: KernelArgs["rnnCell"]): void {
  if (a.kind === "lstm") {
    const hidden = a.cx.shape[1]!;
    run(
      host,
      "lstmCell",
      hidden,
      [
        ["pg", a.gates],
        ["pc", a.cx],
      ],
      [...lstmGates(a.gates), `const c = fg * ${read("pc", a.cx)} + ig * gg;`],
      [
        [a.hy, ["og * Math.tanh(c)"]],
        [a.cy, ["c"]],
      ],
    );
    return;
  }
  const hidden = a.hx.shape[1]!;
  run(
    host,
    "gruCell",
    hidden,
    [
      ["pi", a.gi],
      ["ph", a.gh],
      ["px", a.hx],
    ],
    [
      ...gruGates(a.gi, a.gh),
      `const n = Math.tanh(${read("pi", a.gi, 2)} + r * ${read("ph", a.gh, 2)});`,
    ],
    [[a.hy, [`(1.0 - z) * n + z * ${read("px", a.hx)}`]]],
  );
}

export function rnnCellBackwardKernel(host: GpujsHost, a: KernelArgs["rnnCellBackward"]): void {
  if (a.kind === "lstm") {
    const hidden = a.cx.shape[1]!;
    const inputs: [string, View][] = [
      ["pg", a.gates],
      ["pc", a.cx],
    ];
    if (a.gradHy) inputs.push(["pdh", a.gradHy]);
    if (a.gradCy) inputs.push(["pdc", a.gradCy]);
    run(
      host,
      `lstmCellBackward:${a.gradHy !== null}:${a.gradCy !== null}`,
      hidden,
      inputs,
      [
        ...lstmGates(a.gates),
        `const c0 = ${read("pc", a.cx)};`,
        `const tc = Math.tanh(fg * c0 + ig * gg);`,
        `const dh = ${a.gradHy ? read("pdh", a.gradHy) : "0.0"};`,
        `const dc = ${a.gradCy ? read("pdc", a.gradCy) : "0.0"} + dh * og * (1.0 - tc * tc);`,
      ],
      [
        [
          a.gradGates,
          [
            "dc * gg * ig * (1.0 - ig)",
            "dc * c0 * fg * (1.0 - fg)",
            "dc * ig * (1.0 - gg * gg)",
            "dh * tc * og * (1.0 - og)",
          ],
        ],
        [a.gradCx, ["dc * fg"]],
      ],
    );
    return;
  }
  const hidden = a.hx.shape[1]!;
  run(
    host,
    "gruCellBackward",
    hidden,
    [
      ["pi", a.gi],
      ["ph", a.gh],
      ["px", a.hx],
      ["pd", a.gradHy],
    ],
    [
      ...gruGates(a.gi, a.gh),
      `const ghn = ${read("ph", a.gh, 2)};`,
      `const n = Math.tanh(${read("pi", a.gi, 2)} + r * ghn);`,
      `const dh = ${read("pd", a.gradHy)};`,
      `const dn = dh * (1.0 - z) * (1.0 - n * n);`,
      `const dr = dn * ghn * r * (1.0 - r);`,
      `const dz = dh * (${read("px", a.hx)} - n) * z * (1.0 - z);`,
    ],
    [
      [a.gradGi, ["dr", "dz", "dn"]],
      [a.gradGh, ["dr", "dz", "dn * r"]],
      [a.gradHx, ["dh * z"]],
    ],
  );
}
