// The progress line of `precond-lab run`: redrawn in place on a terminal, a line every few seconds otherwise.
import type { HeldRun, RunManager } from '../sweep/runManager';
import type { Summary } from '../sweep/store';
import { describeOwner } from '../sweep/lock';

export function attachProgress(
  manager: RunManager,
  total: number,
  out: NodeJS.WriteStream = process.stderr,
): () => void {
  const tty = out.isTTY === true;
  const steps = new Map<string, [number, number]>();
  const counts = { done: 0, skipped: 0, failed: 0, locked: 0, damaged: 0 };
  const started = Date.now();
  let lastLine = 0;
  const draw = (force = false): void => {
    const now = Date.now();
    if (!force && now - lastLine < (tty ? 200 : 5000)) return;
    lastLine = now;
    let frac = counts.done + counts.skipped + counts.failed + counts.locked;
    for (const [s, n] of steps.values()) frac += s / n;
    const pct = total ? (100 * frac) / total : 100;
    const running = steps.size;
    const line = `[${(counts.done + counts.skipped + counts.failed + counts.locked).toString().padStart(String(total).length)}/${total} runs] ${pct.toFixed(0).padStart(3)}%  ${running} running  ${((now - started) / 1000).toFixed(0)} s`;
    if (tty) out.write(`\r\x1b[2K${line}`);
    else out.write(line + '\n');
  };
  const say = (text: string): void => {
    if (tty) out.write('\r\x1b[2K');
    out.write(text + '\n');
    draw(true);
  };
  manager.on('progress', (id, s, n) => {
    steps.set(id, [s, n]);
    draw();
  });
  manager.on('state', (id, status, detail) => {
    if (status === 'running' || status === 'queued') return;
    steps.delete(id);
    // a damaged run is trained again (its 'queued' follows); a locked one is another sweep's
    if (status === 'damaged') return void (counts.damaged++, say(`damaged   ${id}  (${detail ?? ''})`));
    if (status === 'locked')
      return void (counts.locked++, say(`locked    ${id}  (${detail ?? ''}): left to that sweep`));
    if (status === 'skipped') counts.skipped++;
    else if (status === 'done') counts.done++;
    else counts.failed++;
    if (status !== 'skipped') say(`${status.padEnd(9)} ${id}${detail ? `  (${detail})` : ''}`);
  });
  manager.on('log', (line) => say(line));
  return () => {
    draw(true);
    if (tty) out.write('\n');
    if (counts.damaged)
      out.write(
        `${counts.damaged} run${counts.damaged > 1 ? 's' : ''} recorded as done had damaged files and ` +
          `${counts.damaged > 1 ? 'were' : 'was'} trained again.\n`,
      );
    if (counts.skipped)
      out.write(
        `${counts.skipped} run${counts.skipped > 1 ? 's' : ''} already done in the store were skipped (--force ` +
          `re-runs them).\n`,
      );
  };
}

/** The end-of-sweep note on runs another live sweep held: their state as the store has it now. */
export function heldReport(held: readonly HeldRun[], summary: Summary): string | undefined {
  if (!held.length) return undefined;
  const status = new Map(summary.runs.map((r) => [r.id, r.status]));
  const holders = [...new Set(held.map((h) => describeOwner(h.holder)))];
  const lines = held.map((h) => `  ${h.id}: ${status.get(h.id) ?? 'not recorded yet'}`);
  return [
    `${held.length} run${held.length > 1 ? 's were' : ' was'} held by another sweep (${holders.join('; ')}) and ` +
      `not trained here; as the store has ${held.length > 1 ? 'them' : 'it'} now:`,
    ...lines,
  ].join('\n');
}
