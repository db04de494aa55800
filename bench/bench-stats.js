// Statistics of the benches: medians, and how sure a median of round-by-round ratios is.
//
// On this shared machine one round can read 0.5× to 2× against the same code, so a ratio's median alone
// does not say whether a target like "≤ 1.1× bare aedes" is met. `medianInterval` gives the distribution-free
// confidence interval of a median (order statistics of the binomial distribution, as in any statistics text:
// no assumption about the shape of the noise, no random resampling, so the same rounds always print the same
// interval).

/** The median of a list of numbers (undefined when empty). */
export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && !Number.isNaN(v)).sort((a, b) => a - b);
  if (!sorted.length) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
function binomialHalfCdf(n, k) {
  let term = 0.5 ** n; // P(X = 0)
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return sum;
}

/**
 * The confidence interval of the median of `values` at `level` (default 95 %): the j-th lowest and the
 * j-th highest value, j the largest such that P(Binomial(n, ½) < j) ≤ (1 − level) / 2. Undefined when there
 * are too few values for that level (fewer than 6 at 95 %).
 */
export function medianInterval(values, level = 0.95) {
  const sorted = values.filter((v) => typeof v === 'number' && !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  const tail = (1 - level) / 2;
  let j = 0; // 0-based: the interval is [sorted[j - 1], sorted[n - j]] for the 1-based j found
  while (j + 1 <= n / 2 && binomialHalfCdf(n, j) <= tail) j++;
  if (j === 0) return undefined;
  return { low: sorted[j - 1], high: sorted[n - j], level };
}

/** Ratios a[i] / b[i] of two lists of rounds: median, its confidence interval, and the lowest and highest. */
export function ratioSummary(a, b) {
  const n = Math.min(a.length, b.length);
  if (!n) return undefined;
  const ratios = [];
  for (let i = 0; i < n; i++) ratios.push(a[i] / b[i]);
  return {
    median: median(ratios),
    interval: medianInterval(ratios),
    low: Math.min(...ratios),
    high: Math.max(...ratios),
    rounds: n,
  };
}

/** "1.03× (95 %: 0.98–1.08; rounds 0.61–1.72)" — the form every bench table prints a ratio in. */
export function formatRatio(summary) {
  if (!summary) return '—';
  const interval = summary.interval
    ? `95 %: ${summary.interval.low.toFixed(2)}–${summary.interval.high.toFixed(2)}; `
    : '';
  return `${summary.median.toFixed(2)}× (${interval}rounds ${summary.low.toFixed(2)}–${summary.high.toFixed(2)})`;
}
