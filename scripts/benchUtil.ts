// Timing helpers shared by the benchmarks (bench.ts, benchOptim.ts, benchHost.ts).

/**
 * Milliseconds since t0: the smaller of wall-clock time and this process's CPU time, so time spent descheduled by
 * other work on a shared machine does not count, while multi-threaded backends (tfjs-node) still get wall time.
 */
export function clock(): () => number {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(cpu);
    return Math.min(performance.now() - wall, (c.user + c.system) / 1000);
  };
}

/** Mean milliseconds of fn over repeats, after at least `warmup` calls and warmupMs of warm-up (so wasm tiers up). */
export function timeMs(fn: () => void, budgetMs: number, warmup = 1, warmupMs = 0): number {
  const t0 = performance.now();
  for (let i = 0; i < warmup || performance.now() - t0 < warmupMs; i++) fn();
  const elapsed = clock();
  let n = 0;
  do {
    fn();
    n++;
  } while (elapsed() < budgetMs);
  return elapsed() / n;
}
