// One entry point for the webview and the tests: the view of a tab, and its CSV.
import { toCsv } from '../format';
import type { ExperimentKind, PanelSnapshot, Tab, ViewOptions } from '../panelMessages';
import { panelTabs } from '../panelMessages';
import { compareView } from './compare';
import { hparamsView } from './hparams';
import { curvesView } from './curves';
import { oodAccuracyView, oodFeaturesView } from './ood';
import type { TabView, Table } from './spec';
import { spectraView } from './spectra';
import { summaryView } from './summary';

/** Where each tab starts on a log scale: OOD losses and the feature shares span decades. */
export function logByDefault(tab: Tab, kind: ExperimentKind | undefined): boolean {
  return kind === 'ood' && (tab === 'curves' || tab === 'features');
}

export function buildTab(tab: Tab, snap: PanelSnapshot, opts: ViewOptions, focusRun?: string): TabView {
  if (!snap.experiment) {
    return {
      figures: [],
      table: { columns: [], rows: [] },
      intro: '',
      notes: [],
      empty:
        `No experiment results in ${snap.dir}. Run an experiment first: a quick paper preset takes about a ` +
        'minute.',
    };
  }
  const tabs = panelTabs(snap);
  if (!tabs.includes(tab)) tab = tabs[0];
  switch (tab) {
    case 'summary':
      return summaryView(snap, opts);
    case 'curves':
      return curvesView(snap, opts);
    case 'spectra':
      return spectraView(snap, opts, focusRun);
    case 'accuracy':
      return oodAccuracyView(snap, opts);
    case 'features':
      return oodFeaturesView(snap, opts);
    case 'hparams':
      return hparamsView(snap, opts);
    case 'compare':
      return compareView(snap, opts);
  }
}

/** RFC 4180 CSV (CRLF line ends, quoted where needed) with a header row. */
export function tableToCsv(t: Table): string {
  return toCsv([t.columns, ...t.rows]);
}
