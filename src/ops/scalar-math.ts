/**
 * Scalar functions that `Math` lacks, self-contained (no references outside their own body) so
 * that the CPU backend can compile them into its loops.
 */

/**
 * erf(x) to double precision (relative error below 1e-15), from W. J. Cody's rational Chebyshev
 * approximations (Math. Comp. 23, 1969; Netlib specfun CALERF), the method of glibc's and
 * PyTorch's erf: erf(x) = x P(x^2)/Q(x^2) for |x| <= 0.46875, else 1 - erfc(|x|) with
 * erfc(y) = e^(-y^2) R(y) (R rational in y up to 4, in 1/y^2 beyond). e^(-y^2) is taken as
 * e^(-ys^2) e^(-(y - ys)(y + ys)) with ys = y rounded to 1/16, to keep its rounding error small.
 * Float32 results are the correctly rounded erf except in rare last-bit ties.
 */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) {
    const z = y * y;
    return (
      (x *
        ((((0.185777706184603153 * z + 3.1611237438705656) * z + 113.864154151050156) * z +
          377.485237685302021) *
          z +
          3209.37758913846947)) /
      ((((z + 23.6012909523441209) * z + 244.024637934444173) * z + 1282.61652607737228) * z +
        2844.23683343917062)
    );
  }
  if (y >= 6) return x > 0 ? 1 : -1; // erfc(6) < 2^-54: erf rounds to exactly 1 (NaN goes on)
  let r: number;
  if (y <= 4) {
    r =
      ((((((((2.15311535474403846e-8 * y + 0.564188496988670089) * y + 8.88314979438837594) * y +
        66.1191906371416295) *
        y +
        298.635138197400131) *
        y +
        881.95222124176909) *
        y +
        1712.04761263407058) *
        y +
        2051.07837782607147) *
        y +
        1230.33935479799725) /
      ((((((((y + 15.7449261107098347) * y + 117.693950891312499) * y + 537.181101862009858) * y +
        1621.38957456669019) *
        y +
        3290.79923573345963) *
        y +
        4362.61909014324716) *
        y +
        3439.36767414372164) *
        y +
        1230.33935480374942);
  } else {
    const z = 1 / (y * y);
    r =
      (0.56418958354775628695 -
        (z *
          (((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z +
            0.125781726111229246) *
            z +
            0.0160837851487422766) *
            z +
            6.58749161529837803e-4)) /
          (((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z +
            0.0605183413124413191) *
            z +
            0.00233520497626869185)) /
      y;
  }
  const ys = Math.trunc(y * 16) / 16;
  const erfc = Math.exp(-ys * ys) * Math.exp(-(y - ys) * (y + ys)) * r;
  // (0.5 - erfc) + 0.5, as Cody writes it
  const e = 0.5 - erfc + 0.5;
  return x > 0 ? e : -e;
}

/** Round half to even (banker's rounding), as PyTorch and WGSL `round` do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
