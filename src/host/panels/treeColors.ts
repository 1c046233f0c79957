// The palette index of every run node in the Experiments tree: per experiment, the natural order of its run ids
// (src/shared/colors.ts), which is the order the results panel colours its curves by.
import { runColorIndices } from '../../shared/colors';
import { flatten, type TreeNode } from '../treeModel';

/** Tree node id -> palette index, for the run nodes of every experiment. */
export function treeRunColors(roots: readonly TreeNode[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const exp of roots) {
    if (exp.kind !== 'experiment') continue;
    const runs = flatten(exp.children).filter((n) => n.kind === 'run' && n.runId);
    const indices = runColorIndices(runs.map((r) => r.runId!));
    for (const r of runs) out.set(r.id, indices.get(r.runId!)!);
  }
  return out;
}
