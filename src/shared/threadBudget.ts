// The thread budget of a sweep on one machine: how many BLAS threads each runner process may use so that the
// processes together never ask for more threads than the machine has cores. One job alone gets every core (an
// interactive run from the editor); a sweep that fills the cores gets one thread per job.

/** BLAS threads per job when `concurrent` jobs run at once on `cores` cores (at least 1). */
export function threadsPerJob(cores: number, concurrent: number): number {
  const c = Math.max(1, Math.floor(cores));
  const k = Math.max(1, Math.floor(concurrent));
  return Math.max(1, Math.floor(c / k));
}
