import { percentile, summarize } from '../../bench/stats.js';

describe('Function: percentile', () => {
  it('returns a sample at the nearest rank, never an interpolation', () => {
    const samples = [40, 10, 30, 20];

    expect(percentile(samples, 50)).toBe(20);
    expect(percentile(samples, 75)).toBe(30);
    expect(percentile(samples, 76)).toBe(40);
  });

  it('gives the largest but one of 100 samples as their p99', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);

    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
  });

  it('gives the smallest sample as p0 and the only sample for any percentile of one', () => {
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
  });

  it('leaves the samples unsorted', () => {
    const samples = [3, 1, 2];

    percentile(samples, 50);

    expect(samples).toEqual([3, 1, 2]);
  });

  it('refuses no samples and percentiles outside 0–100', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('Function: summarize', () => {
  it('reports count, extremes, mean and p50/p95/p99, rounded', () => {
    const samples = Array.from({ length: 20 }, (_, i) => i + 1 + 1 / 3);

    expect(summarize(samples, 2)).toEqual({
      count: 20,
      minMs: 1.33,
      p50Ms: 10.33,
      p95Ms: 19.33,
      p99Ms: 20.33,
      maxMs: 20.33,
      meanMs: 10.83,
    });
  });
});
