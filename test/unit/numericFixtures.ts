// Numerical checks shared by the gradient tests.

/**
 * (f(θ + step·e_c) − f(θ − step·e_c)) / 2·step for one coordinate c of `parameters`, which it shifts
 * and restores (mutates it during the call only).
 */
export function centralDifference(parameters: Float64Array | number[], coordinate: number, step: number, f: () => number): number {
  const saved = parameters[coordinate];
  parameters[coordinate] = saved + step;
  const plus = f();
  parameters[coordinate] = saved - step;
  const minus = f();
  parameters[coordinate] = saved;
  return (plus - minus) / (2 * step);
}
