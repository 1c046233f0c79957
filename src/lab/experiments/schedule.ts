// Evaluation schedules: every k steps and always the last; the spectra schedule thins it to about 100 records.
export function isEvalStep(step: number, steps: number, every: number): boolean {
  return step === steps || step % every === 0;
}

export function spectraInterval(steps: number, evalEvery: number, spectraEvery: number): number {
  if (spectraEvery > 0) return spectraEvery;
  const target = Math.max(1, Math.round(steps / 100));
  return Math.max(evalEvery, Math.ceil(target / evalEvery) * evalEvery);
}
