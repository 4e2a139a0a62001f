/**
 * Scalar functions that `Math` lacks, self-contained (no references outside their own body) so
 * that the CPU backend can compile them into its loops.
 */

/**
 * erf(x) from the Chebyshev fit of erfc in Numerical Recipes (fractional error < 1.2e-7
 * everywhere), accurate to float32 precision.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

/** Round half to even (banker's rounding), as PyTorch and WGSL `round` do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
