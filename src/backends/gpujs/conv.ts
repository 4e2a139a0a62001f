import type { View } from "../../core/layout.js";
import type { Conv2dAttrs, KernelArgs, Pool2dAttrs } from "../../ops/prims.js";
import { lit } from "./codegen.js";
import type { GpujsHost } from "./host.js";

/**
 * Direct convolution and max pooling, one thread per output element (NCHW input, OIHW weight,
 * contiguous with any offset). The three conv kernels are the forward and its two gradients,
 * each a gather over the elements that contribute to its output element; window taps outside
 * the input (padding) are skipped by bounds tests.
 */

/** The flat index of element (a, b, c, d) of a contiguous 4-D view, as kernel source. */
function at4(v: View, a: string, b: string, c: string, d: string): string {
  const [, n1, n2, n3] = v.shape as [number, number, number, number];
  return `${lit(v.offset)} + ((${a} * ${lit(n1)} + ${b}) * ${lit(n2)} + ${c}) * ${lit(n3)} + ${d}`;
}

/** Source lines that split `i` into the coordinates of a 4-D output `shape`. */
function coords(shape: readonly number[], names: readonly string[]): string[] {
  const [, n1, n2, n3] = shape as [number, number, number, number];
  return [
    `const ${names[3]} = i % ${lit(n3)};`,
    `const ${names[2]} = Math.floor(i / ${lit(n3)}) % ${lit(n2)};`,
    `const ${names[1]} = Math.floor(i / ${lit(n3 * n2)}) % ${lit(n1)};`,
    `const ${names[0]} = Math.floor(i / ${lit(n3 * n2 * n1)});`,
  ];
}

function attrsKey(a: Conv2dAttrs | Pool2dAttrs): string {
  return JSON.stringify(a);
}

function convKey(name: string, views: readonly View[], attrs: Conv2dAttrs): string {
  return `${name}:${views.map((v) => `${v.shape.join("x")}@${v.offset}`).join(":")}:${attrsKey(attrs)}`;
}

export function conv2dKernel(host: GpujsHost, { x, w, out, attrs }: KernelArgs["conv2d"]): void {
  const [, , h, wd] = x.shape as [number, number, number, number];
  const [cOut, cg, kh, kw] = w.shape as [number, number, number, number];
  const og = cOut / attrs.groups;
  const body = () =>
    [
      ...coords(out.shape, ["n", "co", "oh", "ow"]),
      `const c0 = Math.floor(co / ${lit(og)}) * ${lit(cg)};`,
      `let acc = 0.0;`,
      `for (let ci = 0; ci < ${cg}; ci++) {`,
      `  for (let ky = 0; ky < ${kh}; ky++) {`,
      `    const ih = oh * ${lit(attrs.stride[0])} - ${lit(attrs.padding[0])} + ky * ${lit(attrs.dilation[0])};`,
      `    for (let kx = 0; kx < ${kw}; kx++) {`,
      `      const iw = ow * ${lit(attrs.stride[1])} - ${lit(attrs.padding[1])} + kx * ${lit(attrs.dilation[1])};`,
      `      if (ih >= 0.0 && ih < ${lit(h)} && iw >= 0.0 && iw < ${lit(wd)}) {`,
      `        acc = acc + px[${at4(x, "n", "(c0 + ci)", "ih", "iw")}] * pw[${at4(w, "co", "ci", "ky", "kx")}];`,
      `      }`,
      `    }`,
      `  }`,
      `}`,
      `return acc;`,
    ].join("\n  ");
  host.produce(out, convKey("conv2d", [x, w, out], attrs), ["px", "pw"], body, [
    host.value(x.storage),
    host.value(w.storage),
  ]);
}

export function conv2dGradInputKernel(
  host: GpujsHost,
  { gradOut, w, out, attrs }: KernelArgs["conv2dGradInput"],
): void {
  const [, , oh, ow] = gradOut.shape as [number, number, number, number];
  const [cOut, cg, kh, kw] = w.shape as [number, number, number, number];
  const og = cOut / attrs.groups;
  const [sh, sw] = attrs.stride;
  const body = () =>
    [
      ...coords(out.shape, ["n", "c", "ih", "iw"]),
      `const g = Math.floor(c / ${lit(cg)});`,
      `const ci = c - g * ${lit(cg)};`,
      `let acc = 0.0;`,
      `for (let j = 0; j < ${og}; j++) {`,
      `  const co = g * ${lit(og)} + j;`,
      `  for (let ky = 0; ky < ${kh}; ky++) {`,
      `    const th = ih + ${lit(attrs.padding[0])} - ky * ${lit(attrs.dilation[0])};`,
      `    const y = Math.floor(th / ${lit(sh)});`,
      `    for (let kx = 0; kx < ${kw}; kx++) {`,
      `      const tw = iw + ${lit(attrs.padding[1])} - kx * ${lit(attrs.dilation[1])};`,
      `      const x = Math.floor(tw / ${lit(sw)});`,
      `      if (th >= 0.0 && tw >= 0.0 && y * ${lit(sh)} == th && x * ${lit(sw)} == tw && y < ${lit(oh)} && x < ${lit(ow)}) {`,
      `        acc = acc + pg[${at4(gradOut, "n", "co", "y", "x")}] * pw[${at4(w, "co", "ci", "ky", "kx")}];`,
      `      }`,
      `    }`,
      `  }`,
      `}`,
      `return acc;`,
    ].join("\n  ");
  host.produce(out, convKey("conv2dGradInput", [gradOut, w, out], attrs), ["pg", "pw"], body, [
    host.value(gradOut.storage),
    host.value(w.storage),
  ]);
}

export function conv2dGradWeightKernel(
  host: GpujsHost,
  { x, gradOut, out, attrs }: KernelArgs["conv2dGradWeight"],
): void {
  const [n, , h, wd] = x.shape as [number, number, number, number];
  const [, , oh, ow] = gradOut.shape as [number, number, number, number];
  const [cOut, cg] = out.shape as [number, number, number, number];
  const og = cOut / attrs.groups;
  const body = () =>
    [
      ...coords(out.shape, ["co", "ci", "ky", "kx"]),
      `const c = Math.floor(co / ${lit(og)}) * ${lit(cg)} + ci;`,
      `let acc = 0.0;`,
      `for (let b = 0; b < ${n}; b++) {`,
      `  for (let y = 0; y < ${oh}; y++) {`,
      `    const ih = y * ${lit(attrs.stride[0])} - ${lit(attrs.padding[0])} + ky * ${lit(attrs.dilation[0])};`,
      `    for (let x = 0; x < ${ow}; x++) {`,
      `      const iw = x * ${lit(attrs.stride[1])} - ${lit(attrs.padding[1])} + kx * ${lit(attrs.dilation[1])};`,
      `      if (ih >= 0.0 && ih < ${lit(h)} && iw >= 0.0 && iw < ${lit(wd)}) {`,
      `        acc = acc + px[${at4(x, "b", "c", "ih", "iw")}] * pg[${at4(gradOut, "b", "co", "y", "x")}];`,
      `      }`,
      `    }`,
      `  }`,
      `}`,
      `return acc;`,
    ].join("\n  ");
  host.produce(out, convKey("conv2dGradWeight", [x, gradOut, out], attrs), ["px", "pg"], body, [
    host.value(x.storage),
    host.value(gradOut.storage),
  ]);
}

/**
 * `maxPool2d`: two kernels over the same windows, one returning the maxima and one their flat
 * `ih * W + iw` positions (gpu.js kernels have one output). The scan is the CPU's: padding never
 * wins, ties keep the first maximum, and a NaN wins over any number (the last NaN in the window).
 */
export function maxPool2dKernel(
  host: GpujsHost,
  { x, out, indices, attrs }: KernelArgs["maxPool2d"],
): void {
  const [, , h, wd] = x.shape as [number, number, number, number];
  const [kh, kw] = attrs.kernelSize;
  const body = (result: "best" | "arg") => () =>
    [
      ...coords(out.shape, ["n", "c", "oh", "ow"]),
      `let best = 0.0;`,
      `let arg = -1.0;`,
      `for (let ky = 0; ky < ${kh}; ky++) {`,
      `  const ih = oh * ${lit(attrs.stride[0])} - ${lit(attrs.padding[0])} + ky * ${lit(attrs.dilation[0])};`,
      `  for (let kx = 0; kx < ${kw}; kx++) {`,
      `    const iw = ow * ${lit(attrs.stride[1])} - ${lit(attrs.padding[1])} + kx * ${lit(attrs.dilation[1])};`,
      `    if (ih >= 0.0 && ih < ${lit(h)} && iw >= 0.0 && iw < ${lit(wd)}) {`,
      `      const v = px[${at4(x, "n", "c", "ih", "iw")}];`,
      `      if (arg < 0.0 || v > best || v != v) {`,
      `        best = v;`,
      `        arg = ih * ${lit(wd)} + iw;`,
      `      }`,
      `    }`,
      `  }`,
      `}`,
      `return ${result};`,
    ].join("\n  ");
  const key = `maxPool2d:${x.shape.join("x")}@${x.offset}:${out.shape.join("x")}:${attrsKey(attrs)}`;
  const args = [host.value(x.storage)];
  host.produce(out, `${key}:values`, ["px"], body("best"), args);
  host.produce(indices, `${key}:indices`, ["px"], body("arg"), args);
}
