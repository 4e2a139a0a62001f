import { describe, expect, it } from "vitest";

import * as torch from "../../src/index.js";
import type { DType } from "../../src/index.js";

/**
 * `torch.promoteTypes` as a call: PyTorch's `torch.promote_types` on webtorch's dtypes (values
 * from PyTorch 1.13, with int64 written int32). Every golden op checks the promotion it applies.
 */

const DTYPES: DType[] = ["bool", "int32", "float32", "float64"];

// PyTorch 1.13: torch.promote_types(a, b) for bool, int64, float32, float64 (rows a, columns b)
const TABLE: DType[][] = [
  ["bool", "int32", "float32", "float64"],
  ["int32", "int32", "float32", "float64"],
  ["float32", "float32", "float32", "float64"],
  ["float64", "float64", "float64", "float64"],
];

describe("promoteTypes", () => {
  it("matches PyTorch's promote_types table, symmetrically", () => {
    DTYPES.forEach((a, i) =>
      DTYPES.forEach((b, j) => expect(torch.promoteTypes(a, b), `${a}, ${b}`).toBe(TABLE[i]![j])),
    );
  });
});
