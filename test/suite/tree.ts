// Finds experiments and runs in the Experiments tree as the API's tree() returns it: the same nodes the view
// renders (src/host/treeProvider.ts only adapts them to TreeItems).
import type { TreeNode } from './contract';

export function flatten(nodes: TreeNode[]): TreeNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

export function findExperiment(nodes: TreeNode[], name: string): TreeNode | undefined {
  return nodes.find((n) => n.kind === 'experiment' && n.experiment === name);
}

export function runsOf(experiment: TreeNode): TreeNode[] {
  return flatten(experiment.children).filter((n) => n.kind === 'run');
}

export function findRun(experiment: TreeNode, runId: string): TreeNode | undefined {
  return runsOf(experiment).find((n) => n.runId === runId);
}

/** A run's state, checked against the words its menus' `when` clauses match (`run done ...`). */
export function stateOf(node: TreeNode | undefined): string | undefined {
  if (!node) return undefined;
  const words = node.contextValue.split(/\s+/);
  return words[0] === 'run' && node.state && words.includes(node.state)
    ? node.state
    : `${node.state} (contextValue "${node.contextValue}")`;
}
