// Applies a runner's thread budget to the native module's products and describes the result for the run record.
// The budget comes from the job (the executor's share of the cores, shared/threadBudget.ts); PRECOND_LAB_THREADS
// overrides it for a process started by hand (the bench, a debugging session). Without either, one thread.
// Results do not depend on the count (the module splits products into fixed blocks): native.test.ts checks it.
import { nativeDescription, requireNative } from './addon';

/** The thread count asked for, if any: PRECOND_LAB_THREADS, else the job's budget. */
export function wantedThreads(jobThreads?: number): number | undefined {
  const env = Number(process.env.PRECOND_LAB_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return jobThreads !== undefined && Number.isInteger(jobThreads) && jobThreads >= 1 ? jobThreads : undefined;
}

/** Sets OpenBLAS's threads from the budget and returns the BLAS description (library, core type, threads, ISA). */
export function applyThreadBudget(jobThreads?: number): string {
  const addon = requireNative();
  const t = wantedThreads(jobThreads);
  if (t !== undefined) addon.setThreads(t);
  return nativeDescription(addon);
}
