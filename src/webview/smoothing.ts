/**
 * The optional smoothed overlay: TensorBoard's debiased exponential moving average
 * (tensorboard `vz_line_chart2` `resmoothDataset`), made aware of epoch spacing.
 *
 * The smoothed curve is an overlay only: the webview always draws the raw curve too (docs/product.md §2.4:
 * "raw curve always visible under any smoothing"; docs/product.md §3.2), and smoothing is off by default.
 *
 * With weight w, each finite value y at epoch x updates
 *   a = w^(x − x_prev),  m ← a·m + (1 − a)·y,  n ← a·n + (1 − a),  smoothed = m / n,
 * starting from m = n = 0 (n is the debiasing: without it the first values are pulled towards 0).
 * On consecutive epochs (x − x_prev = 1) this is exactly TensorBoard's formula, with n = 1 − wᵏ
 * after k points. Where epochs are spaced further apart (decimated records, checkpoints, or a gap),
 * the old average decays by one factor w per epoch, so the overlay does not depend on how many
 * points were kept. A null (gap) stays null and leaves the average untouched.
 */
import type { Series } from '../shared/dashboard/series';

/** Largest weight accepted: at w = 1 the average never moves. */
export const MAXIMUM_SMOOTHING_WEIGHT = 0.999;

/**
 * The debiased, epoch-aware EMA of a series (see the module comment). `weight` ∈ [0, 0.999]; 0
 * returns the values unchanged. A series whose finite values are all equal is returned unchanged
 * (as TensorBoard does), so rounding never makes a flat line wobble.
 */
export function smoothSeries(series: Series, weight: number): Series {
  if (!(weight >= 0 && weight <= MAXIMUM_SMOOTHING_WEIGHT)) {
    throw new RangeError(`Smoothing weight must be between 0 and ${MAXIMUM_SMOOTHING_WEIGHT}, got ${weight}.`);
  }
  const finite = series.y.filter((value): value is number => value !== null && Number.isFinite(value));
  const constant = finite.every((value) => value === finite[0]);
  if (weight === 0 || constant) return { x: [...series.x], y: [...series.y] };

  let average = 0;
  let normalizer = 0;
  let previousX: number | null = null;
  const y = series.y.map((value, index) => {
    if (value === null || !Number.isFinite(value)) return null;
    const x = series.x[index];
    // The first point counts as one epoch after "nothing" (a = w), which makes its smoothed value itself.
    const decay = previousX === null ? weight : Math.pow(weight, Math.max(0, x - previousX));
    average = decay * average + (1 - decay) * value;
    normalizer = decay * normalizer + (1 - decay);
    previousX = x;
    // A repeated epoch (x − x_prev = 0) gives decay 1: the point leaves the average as it was.
    return normalizer > 0 ? average / normalizer : value;
  });
  return { x: [...series.x], y };
}
