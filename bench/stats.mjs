// Small statistics and formatting helpers shared by the bench runner and the report.

/** Median of a list of numbers (mean of the two middle values for an even count). */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Smallest and largest finite value, for the spread shown next to a median. */
export function spread(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length ? [Math.min(...v), Math.max(...v)] : [Number.NaN, Number.NaN];
}

/** Formats a number with a fixed count of decimals, or `n/a`. */
export function fmt(value, digits = 1) {
  if (value === undefined || value === null || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Formats a ratio like `0.62×`, or `n/a` when either side is missing. */
export function ratio(ours, peer, digits = 2) {
  if (!Number.isFinite(ours) || !Number.isFinite(peer) || peer === 0) return 'n/a';
  return `${(ours / peer).toFixed(digits)}×`;
}

/** Bytes as KiB with two decimals. */
export function kib(bytes) {
  return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(2)} KiB` : 'n/a';
}
