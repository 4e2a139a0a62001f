// Uniform structs declared once by name (src/backends/webgpu/uniforms.ts): the WGSL declaration
// and the packed bytes come from one table. Needs no GPU.
import { describe, expect, it } from "vitest";
import { UniformStruct } from "../../src/backends/webgpu/uniforms.js";

describe("UniformStruct", () => {
  const S = new UniformStruct("TestParams", {
    n: "u32",
    offset: "i32",
    lr: "f32",
    flag: "u32",
    shape: "vec4<u32>",
    strides: "array<vec4<i32>, 2>",
  });

  it("declares the struct in WGSL, fields in table order", () => {
    expect(S.wgsl).toBe(
      "struct TestParams {\n  n: u32,\n  offset: i32,\n  lr: f32,\n  flag: u32,\n" +
        "  shape: vec4<u32>,\n  strides: array<vec4<i32>, 2>,\n}\n",
    );
  });

  it("packs values by name into their words, padded to 16 bytes", () => {
    const u = S.pack({ n: 7, offset: -3, lr: 0.1, flag: true, shape: [2, 3], strides: [3, -1] });
    expect(u.length).toBe(16);
    const i = new Int32Array(u.buffer);
    const f = new Float32Array(u.buffer);
    expect([u[0], i[1], f[2], u[3]]).toEqual([7, -3, Math.fround(0.1), 1]);
    expect(Array.from(u.subarray(4, 8))).toEqual([2, 3, 0, 0]);
    expect(Array.from(i.subarray(8, 16))).toEqual([3, -1, 0, 0, 0, 0, 0, 0]);
  });

  it("rejects values its type cannot hold", () => {
    const ok = { n: 1, offset: 0, lr: 0, flag: 0, shape: [], strides: [] };
    expect(() => S.pack({ ...ok, n: -1 })).toThrow(/internal: uniform TestParams\.n out of range/);
    expect(() => S.pack({ ...ok, offset: 2 ** 31 })).toThrow(/TestParams\.offset/);
    expect(() => S.pack({ ...ok, shape: [1, 2, 3, 4, 5] })).toThrow(/TestParams\.shape/);
  });
});
