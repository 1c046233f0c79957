// Where a results panel's "Playground" link opens the playground: the settings of the run the panel focuses (else
// its first finished run), read from the store. No vscode here.
import * as path from 'node:path';
import { ExperimentStore } from '../../sweep/store';
import { controlsFromRun } from '../../shared/playground/fromRun';
import type { PlaygroundControls } from '../../shared/playground/controls';

export function playgroundAt(
  dir: string,
  runId?: string,
): { controls: Partial<PlaygroundControls>; differences: string[]; runId: string } {
  const store = new ExperimentStore(path.dirname(dir), path.basename(dir));
  const problems: string[] = [];
  const config = store.readConfig(problems);
  if (!config) throw new Error(`${path.basename(dir)} has no readable config: ${problems.join('; ')}`);
  if (config.kind === 'ood') throw new Error('The playground trains Experiment 1 runs; an OOD experiment has none.');
  const ids = runId ? [runId] : store.listRunIds();
  const runs = ids.map((id) => store.readRun(id)).filter((r) => r !== undefined);
  const run = runs.find((r) => r.status === 'done') ?? runs[0];
  if (!run) throw new Error(`${path.basename(dir)} has no run to open in the playground yet.`);
  return { ...controlsFromRun(config.settings, run.params), runId: run.id };
}
