// The argument of precondLab.exportPanel and what it returns; checked here, without vscode, so tests cover it.
import { isObject } from '../../shared/guards';
import { TABS, type ExportFormat, type Tab } from '../../shared/panelMessages';

/** Arguments of precondLab.exportPanel; without any, the active panel and a save dialog. */
export interface ExportArgs {
  experiment?: string;
  dir?: string;
  root?: string;
  tab?: Tab;
  format?: ExportFormat | 'both';
  /** where to write (with format 'both', the other format gets the same name with its extension) */
  file?: string;
  png?: string;
  csv?: string;
  svg?: string;
}

export interface ExportResult {
  png?: string;
  csv?: string;
  svg?: string;
  /** data rows in the CSV */
  rows?: number;
}

/** Checks precondLab.exportPanel's argument; a wrong field is an error that names it. */
export function parseExportArgs(raw: unknown): ExportArgs {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw new Error('exportPanel takes an object such as { experiment, tab, format, file }');
  const out: ExportArgs = {};
  for (const k of ['experiment', 'dir', 'root', 'file', 'png', 'csv', 'svg'] as const) {
    if (raw[k] === undefined) continue;
    if (typeof raw[k] !== 'string' || !raw[k]) throw new Error(`exportPanel: ${k} must be a non-empty string`);
    out[k] = raw[k] as string;
  }
  if (raw.tab !== undefined) {
    if (!(TABS as readonly unknown[]).includes(raw.tab))
      throw new Error(`exportPanel: tab must be one of ${TABS.join(', ')}`);
    out.tab = raw.tab as Tab;
  }
  if (raw.format !== undefined) {
    if (!['png', 'csv', 'svg', 'both'].includes(raw.format as string))
      throw new Error('exportPanel: format must be png, svg, csv or both');
    out.format = raw.format as ExportArgs['format'];
  }
  return out;
}

export const withExt = (file: string, ext: ExportFormat): string => file.replace(/\.(png|csv|svg)$/i, '') + `.${ext}`;
