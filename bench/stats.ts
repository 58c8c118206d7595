/** Timing helpers for the benchmarks: medians and percentiles of repeated measurements. */

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** Runs `fn` `runs` times after `warmup` untimed runs; returns the times in ms. */
export async function timeRuns(fn: () => unknown, runs: number, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times;
}

export const ms = (value: number): string => `${value.toFixed(2)} ms`;

/** "min–max" of repeated figures. */
export function range(values: readonly number[], format: (value: number) => string = (value) => value.toFixed(2)): string {
  return `${format(Math.min(...values))}–${format(Math.max(...values))}`;
}

export const verdict = (met: boolean): string => (met ? 'met' : 'MISSED');
