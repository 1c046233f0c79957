// What a tab draws, as plain data: charts (lines, points, bars, error bars, guide lines), heatmaps, and the table its
// CSV export writes. The builders in this folder make these from a panel snapshot; the webview only turns them
// into chart.js configs, so every decision about what is plotted is unit-tested here.

export type AxisType = 'linear' | 'log' | 'category';

export interface Axis {
  label: string;
  type: AxisType;
  /** category axes: the categories in order */
  categories?: string[];
  min?: number;
  max?: number;
  /** show values as percentages (0..1 data) */
  percent?: boolean;
}

export interface Point {
  x: number | string;
  y: number | null;
  /** error bar, when several seeds ran */
  lo?: number;
  hi?: number;
  /** runs behind the point: a click opens their curves */
  runIds?: string[];
  /** a text drawn beside the point (scatter charts: which run it is); overlapping labels are moved apart */
  label?: string;
}

/** One entry of a legend given explicitly (instead of one per series): a colour, or a line style in the fg. */
export interface LegendItem {
  label: string;
  color: string | ThemeRole;
  dash?: number[];
}

/** Colours are #rrggbb, or a theme role the webview resolves from the editor's CSS variables. */
export type ThemeRole = 'theme:fg' | 'theme:muted' | 'theme:accent' | 'theme:orange';

export interface Series {
  label: string;
  color: string | ThemeRole;
  kind: 'line' | 'points' | 'bar';
  points: Point[];
  dash?: number[];
  width?: number;
  /** a guide (noise floor, chance level): thin, not clickable, not in the CSV */
  guide?: boolean;
  /** draw point markers on a line */
  markers?: boolean;
}

export interface Marker {
  x: number | string;
  label: string;
}

export interface ChartSpec {
  kind: 'chart';
  id: string;
  title: string;
  /** what to look for, in plain words */
  caption: string;
  x: Axis;
  y: Axis;
  series: Series[];
  markers?: Marker[];
  /** clicking a point opens its runs' curves */
  clickable?: boolean;
  legend?: boolean;
  /** the legend's entries when one per series would be too many (e.g. one per run and one per line style) */
  legendItems?: LegendItem[];
  /** shown instead of the chart when there is nothing to draw */
  empty?: string;
}

export interface HeatmapSpec {
  kind: 'heatmap';
  id: string;
  title: string;
  caption: string;
  color: string;
  rowLabel: string;
  colLabel: string;
  rows: string[];
  cols: number[];
  /** values[row][col], shares in 0..1 (drawn on a log colour scale) */
  values: number[][];
  highlightRow?: number;
  empty?: string;
}

/** A column of a table figure: numeric columns sort as numbers and align right. */
export interface TableColumn {
  key: string;
  label: string;
  numeric?: boolean;
  /** the column the user may sort by (click its header) */
  sortable?: boolean;
}

export interface TableRow {
  /** the run behind the row (its actions: curves, pin, tag) */
  runId?: string;
  /** a swatch of the run's colour */
  color?: string;
  cells: (string | number | null)[];
  /** cells drawn highlighted (e.g. the parameters that differ between compared runs) */
  highlight?: boolean[];
  /** shown as tags under the row's first cell */
  tags?: string[];
  note?: string;
}

/** A table drawn as HTML (the hyperparameter view, the comparison's parameters). */
export interface TableSpec {
  kind: 'table';
  id: string;
  title: string;
  caption: string;
  columns: TableColumn[];
  rows: TableRow[];
  /** the column the rows are sorted by, and the direction */
  sort?: { key: string; desc: boolean };
  /** what a row offers: 'pin' (for comparison), 'unpin', 'tag' (tags and note) */
  rowActions?: ('pin' | 'unpin' | 'tag')[];
  empty?: string;
}

export type Figure = ChartSpec | HeatmapSpec | TableSpec;

export interface Table {
  columns: string[];
  rows: (string | number | null | undefined)[][];
}

export interface TabView {
  figures: Figure[];
  table: Table;
  /** a line above the figures: what this tab is for */
  intro: string;
  /** when the whole tab has nothing to show: what to run */
  empty?: string;
  /** notes under the intro (e.g. "showing 12 of 300 runs") */
  notes: string[];
}
