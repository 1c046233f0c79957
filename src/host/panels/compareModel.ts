// What the comparison panel shows: the runs pinned from several experiments, read through one PanelModel per
// experiment that reads only its pinned runs (the same incremental, chunked reads as a results panel, so live runs
// grow in the comparison too). Run ids become "<experiment>/<run id>"; each pin gets its own colour, in pin order,
// so two runs with the same colour in their own experiments stay apart here. No vscode: unit-tested on a real store.
import * as path from 'node:path';
import { RUN_PALETTE } from '../../shared/colors';
import type { CurveData, ExperimentInfo, PanelSnapshot, RunInfo } from '../../shared/panelMessages';
import type { ModelChanges, PanelModel } from './panelModel';
import { pinKey, type Pin } from './pins';

/** What a panel reads its snapshot and updates from (a results panel's PanelModel, or this). */
export interface PanelSource {
  readonly dir: string;
  readonly experiment: ExperimentInfo | undefined;
  readonly pending: boolean;
  snapshot(presets?: { name: string; title: string }[]): PanelSnapshot;
  sync(): ModelChanges;
}

export const COMPARE_DIR = 'compare';

export class CompareModel implements PanelSource {
  readonly dir = COMPARE_DIR;
  private models = new Map<string, PanelModel>();
  private info: ExperimentInfo | undefined;

  constructor(
    private readonly pins: () => Pin[],
    /** a model of one experiment folder that reads only the runs `only` names */
    private readonly makeModel: (dir: string, only: () => ReadonlySet<string>) => PanelModel,
  ) {}

  get experiment(): ExperimentInfo | undefined {
    return this.info;
  }

  get pending(): boolean {
    return [...this.models.values()].some((m) => m.pending);
  }

  /** The model per experiment folder of the current pins (made when first needed, dropped when unpinned). */
  private modelsNow(): { pins: Pin[]; byDir: Map<string, PanelModel> } {
    const pins = this.pins();
    const dirs = new Set(pins.map((p) => path.join(p.root, p.experiment)));
    for (const d of [...this.models.keys()]) if (!dirs.has(d)) this.models.delete(d);
    for (const d of dirs)
      if (!this.models.has(d)) {
        const exp = path.basename(d);
        const root = path.dirname(d);
        this.models.set(
          d,
          this.makeModel(d, () => {
            const now = this.pins();
            return new Set(now.filter((p) => p.root === root && p.experiment === exp).map((p) => p.run));
          }),
        );
      }
    return { pins, byDir: this.models };
  }

  private relabel(pins: Pin[], model: PanelModel, r: RunInfo): RunInfo | undefined {
    const exp = path.basename(model.dir);
    const i = pins.findIndex((p) => p.experiment === exp && p.run === r.id && path.join(p.root, exp) === model.dir);
    if (i < 0) return undefined;
    return {
      ...r,
      id: pinKey(pins[i]),
      runId: r.id,
      experiment: exp,
      color: RUN_PALETTE[i % RUN_PALETTE.length],
      pinned: true,
      ...(model.experiment ? { kind: model.experiment.kind } : {}),
      ...(model.settingsOf(r.id) ? { settings: model.settingsOf(r.id) } : {}),
    };
  }

  snapshot(presets: { name: string; title: string }[] = []): PanelSnapshot {
    const { pins, byDir } = this.modelsNow();
    const runs: RunInfo[] = [];
    const curves: Record<string, CurveData> = {};
    const warnings: string[] = [];
    const snaps = new Map([...byDir].map(([d, m]) => [d, { model: m, snap: m.snapshot() }]));
    for (const p of pins) {
      const s = snaps.get(path.join(p.root, p.experiment));
      const r = s?.snap.runs.find((x) => x.id === p.run);
      if (!s || !r || !s.snap.experiment) {
        warnings.push(`${pinKey(p)} is pinned but no longer in the store (deleted?): unpin it to drop this line`);
        continue;
      }
      const info = this.relabel(pins, s.model, r)!;
      runs.push(info);
      curves[info.id] = s.snap.curves[p.run];
    }
    for (const { snap } of snaps.values())
      for (const w of snap.warnings) warnings.push(`${path.basename(snap.dir)}: ${w}`);
    const kinds = [...new Set(runs.map((r) => r.kind).filter((k) => k !== undefined))];
    this.info = {
      name: 'Comparison',
      dir: COMPARE_DIR,
      kind: kinds[0] ?? 'noise',
      description:
        runs.length || pins.length
          ? `${runs.length} pinned runs from ${new Set(runs.map((r) => r.experiment)).size} experiments` +
            (kinds.length > 1 ? ` (${kinds.join(', ')})` : '')
          : undefined,
      grid: {},
    };
    return {
      experiment: this.info,
      dir: COMPARE_DIR,
      runs,
      curves,
      pointBudget: Math.max(...[...byDir.values()].map((m) => m.budget), 200),
      presets,
      warnings,
      compare: true,
    };
  }

  sync(): ModelChanges {
    const { pins, byDir } = this.modelsNow();
    const out: ModelChanges = { runs: [], append: [], replace: [], removed: [] };
    for (const m of byDir.values()) {
      const ch = m.sync();
      const key = (id: string): string => `${path.basename(m.dir)}/${id}`;
      for (const r of ch.runs) {
        const x = this.relabel(pins, m, r);
        if (x) out.runs.push(x);
      }
      for (const a of ch.append) out.append.push({ runId: key(a.runId), curve: a.curve });
      for (const a of ch.replace) out.replace.push({ runId: key(a.runId), curve: a.curve });
      for (const id of ch.removed) out.removed.push(key(id));
    }
    return out;
  }
}
