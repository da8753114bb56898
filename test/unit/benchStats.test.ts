/** The benchmark's statistics (bench/stats.ts) give exactly the documented values. */
import { describe, expect, it } from "vitest";
import { median, p95, percentile, round } from "../../bench/stats";

describe("bench statistics", () => {
  it("median: middle sample of an odd count, mean of the two middle ones of an even count, unsorted input", () => {
    expect(median([5])).toBe(5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, 10, 1, 1000])).toBe(10);
    expect(median([])).toBeNaN();
  });

  it("median leaves its input as it was", () => {
    const samples = [3, 1, 2];
    median(samples);
    expect(samples).toEqual([3, 1, 2]);
  });

  it("p95 by nearest rank: sorted[ceil(0.95 n) - 1]", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(p95(hundred)).toBe(95);
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1); // ceil(19) = 19th
    expect(p95(twenty)).toBe(19);
    const two = [7, 3]; // ceil(1.9) = 2nd
    expect(p95(two)).toBe(7);
    const twoHundred = Array.from({ length: 200 }, (_, i) => i + 1); // ceil(190) = 190th
    expect(p95(twoHundred)).toBe(190);
    expect(p95([42])).toBe(42);
    expect(p95([])).toBeNaN();
  });

  it("percentile: 50 is the lower middle, 100 the maximum; out of range is refused", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it("round", () => {
    expect(round(1.23456)).toBe(1.23);
    expect(round(1.235, 1)).toBe(1.2);
    expect(round(2.5, 0)).toBe(3);
  });
});
