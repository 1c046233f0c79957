// The webview contract: every message a results panel may send is checked before the host acts on it, and so is the
// state the serializer hands back after a reload. Also the page's Content-Security-Policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, panelHtml } from '../../src/host/panels/html';
import { parseExportArgs } from '../../src/host/panels/exportArgs';
import {
  LIMITS,
  parsePanelMessage,
  parsePanelState,
  parseViewOptions,
  tabsFor,
  panelTabs,
  type PanelToHost,
} from '../../src/shared/panelMessages';

const ok = (raw: unknown): PanelToHost => {
  const r = parsePanelMessage(raw);
  assert.ok(r.ok, `refused ${JSON.stringify(raw)?.slice(0, 120)}: ${r.ok ? '' : r.error}`);
  return r.value;
};
const refused = (raw: unknown, why: RegExp): void => {
  const r = parsePanelMessage(raw);
  assert.ok(!r.ok, `accepted ${JSON.stringify(raw)?.slice(0, 120)}`);
  assert.match(r.error, why);
};

const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

test('well-formed messages pass and come back with only their known fields', () => {
  assert.deepEqual(ok({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(ok({ type: 'ready', tab: 'spectra', extra: 1 }), { type: 'ready', tab: 'spectra' });
  assert.deepEqual(ok({ type: 'tab', tab: 'curves' }), { type: 'tab', tab: 'curves' });
  assert.deepEqual(ok({ type: 'export', format: 'csv' }), { type: 'export', format: 'csv' });
  assert.deepEqual(ok({ type: 'export', format: 'svg' }), { type: 'export', format: 'svg' });
  assert.deepEqual(ok({ type: 'pin', runIds: ['high_p2_snr1_s42', 'fig1/low_p-2'], pin: true }), {
    type: 'pin',
    runIds: ['high_p2_snr1_s42', 'fig1/low_p-2'],
    pin: true,
  });
  assert.deepEqual(ok({ type: 'annotate', runId: 'a_p1' }), { type: 'annotate', runId: 'a_p1' });
  assert.deepEqual(ok({ type: 'annotate' }), { type: 'annotate' });
  assert.deepEqual(ok({ type: 'openCompare', x: 1 }), { type: 'openCompare' });
  const svg = '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10"></svg>';
  assert.equal(ok({ type: 'collected', requestId: 4, ok: true, format: 'svg', data: svg }).type, 'collected');
  assert.deepEqual(ok({ type: 'collected', requestId: 3, ok: true, format: 'png', data: PNG }), {
    type: 'collected',
    requestId: 3,
    ok: true,
    format: 'png',
    data: PNG,
  });
  assert.deepEqual(ok({ type: 'collected', requestId: 4, ok: true, format: 'csv', data: 'a,b\r\n1,2\r\n', rows: 1 }), {
    type: 'collected',
    requestId: 4,
    ok: true,
    format: 'csv',
    data: 'a,b\r\n1,2\r\n',
    rows: 1,
  });
  assert.deepEqual(ok({ type: 'collected', requestId: 5, ok: false, error: 'no chart' }), {
    type: 'collected',
    requestId: 5,
    ok: false,
    error: 'no chart',
  });
  assert.deepEqual(ok({ type: 'command', command: 'runPreset', preset: 'fig1-cov-quick' }), {
    type: 'command',
    command: 'runPreset',
    preset: 'fig1-cov-quick',
  });
  assert.deepEqual(ok({ type: 'command', command: 'rerun' }), { type: 'command', command: 'rerun' });
  assert.deepEqual(ok({ type: 'rendered', tab: 'summary', figures: 2, points: 6, empty: false }), {
    type: 'rendered',
    tab: 'summary',
    figures: 2,
    points: 6,
    empty: false,
  });
  assert.deepEqual(ok({ type: 'error', message: 'boom' }), { type: 'error', message: 'boom' });
});

test('malformed, unknown and oversized messages are refused with a reason', () => {
  refused(null, /object/);
  refused('ready', /object/);
  refused([], /object/);
  refused({}, /unknown message type/);
  refused({ type: 'eval', code: 'x' }, /unknown message type "eval"/);
  refused({ type: 'ready', tab: 'settings' }, /tab/);
  refused({ type: 'tab' }, /tab/);
  refused({ type: 'export', format: 'gif' }, /format/);
  refused({ type: 'collected', requestId: 1, ok: true, format: 'svg', data: '<html><script>' }, /SVG/);
  refused({ type: 'pin', runIds: ['../x'], pin: true }, /run ids/);
  refused({ type: 'pin', runIds: ['a/..'], pin: true }, /run ids/);
  refused({ type: 'pin', runIds: [], pin: true }, /run ids/);
  refused({ type: 'pin', runIds: ['a'] }, /pin.pin/);
  refused({ type: 'annotate', runId: '../../etc' }, /run id/);
  refused({ type: 'collected', requestId: 0, ok: true, format: 'csv', data: '' }, /requestId/);
  refused({ type: 'collected', requestId: 1.5, ok: true, format: 'csv', data: '' }, /requestId/);
  refused({ type: 'collected', requestId: 1, ok: 'yes', format: 'csv', data: '' }, /ok/);
  refused({ type: 'collected', requestId: 1, ok: true, format: 'csv', data: 42 }, /data/);
  refused({ type: 'collected', requestId: 1, ok: true, format: 'png', data: 'data:text/html;base64,PGgxPg==' }, /png/);
  refused({ type: 'collected', requestId: 1, ok: true, format: 'png', data: `${PNG}<script>` }, /png/);
  refused({ type: 'collected', requestId: 1, ok: true, format: 'csv', data: 'x'.repeat(LIMITS.data + 1) }, /size/);
  refused({ type: 'collected', requestId: 1, ok: true, format: 'csv', data: '', rows: -1 }, /rows/);
  refused({ type: 'collected', requestId: 1, ok: false, error: 'e'.repeat(LIMITS.text + 1) }, /error/);
  refused({ type: 'command', command: 'runPreset', preset: '../../etc' }, /preset/);
  refused({ type: 'command', command: 'runPreset' }, /preset/);
  refused({ type: 'command', command: 'delete' }, /command/);
  refused({ type: 'command', command: 'reveal', runId: 'x' }, /command/);
  refused({ type: 'rendered', tab: 'summary', figures: -1, points: 0, empty: false }, /rendered/);
  refused({ type: 'error', message: { toString: 1 } }, /message/);
});

test('an export request names only a format: the page cannot choose where the host writes', () => {
  assert.deepEqual(ok({ type: 'export', format: 'png', file: '/etc/passwd' }), { type: 'export', format: 'png' });
});

test('the serializer state is validated; bad view options are dropped, not fatal', () => {
  const good = parsePanelState({
    v: 1,
    dir: '/ws/.precond-lab/fig1-cov-quick',
    tab: 'curves',
    options: {
      log: { curves: true },
      smoothing: 0.6,
      selected: ['high_p2_snr1_s42'],
      spectra: { case: 'low', snr: 1, seed: 42 },
    },
  });
  assert.ok(good.ok);
  assert.deepEqual(good.value, {
    v: 1,
    dir: '/ws/.precond-lab/fig1-cov-quick',
    tab: 'curves',
    options: {
      log: { curves: true },
      smoothing: 0.6,
      selected: ['high_p2_snr1_s42'],
      spectra: { case: 'low', snr: 1, seed: 42 },
    },
  });
  assert.ok(!parsePanelState(undefined).ok);
  assert.ok(!parsePanelState({ v: 2, dir: '/x' }).ok);
  assert.ok(!parsePanelState({ v: 1 }).ok);
  assert.ok(!parsePanelState({ v: 1, dir: 'a\0b' }).ok);
  assert.ok(!parsePanelState({ v: 1, dir: '/x', tab: 'nope' }).ok);
  assert.deepEqual(
    parseViewOptions({
      log: { curves: 'yes', nope: true },
      logY: true,
      smoothing: 5,
      selected: ['ok', '../bad'],
      spectra: { snr: 'x', seed: 1 },
    }),
    { spectra: { seed: 1 } },
  );
  assert.equal(parseViewOptions(null), undefined);
});

test('each kind opens on its own tabs', () => {
  assert.deepEqual(tabsFor('noise'), ['summary', 'curves', 'spectra', 'hparams']);
  assert.deepEqual(tabsFor('transfer'), ['summary', 'curves', 'spectra', 'hparams']);
  assert.deepEqual(tabsFor('ood'), ['accuracy', 'features', 'curves', 'hparams']);
  assert.deepEqual(panelTabs({ compare: true, experiment: { kind: 'noise' } }), ['compare']);
});

test('the page has a strict CSP: nonce-only scripts, no inline styles, nothing remote', () => {
  const csp = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', 'abc123');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  const html = panelHtml({
    cspSource: 'vscode-resource:',
    scriptUri: 'vscode-resource:/dist/webview/panel.js',
    styleUri: 'vscode-resource:/media/webview/panel.css',
    title: 'Results: <x>',
    nonce: 'n0nce',
  });
  assert.match(html, /<script nonce="n0nce" src="vscode-resource:\/dist\/webview\/panel.js"><\/script>/);
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script, the bundle');
  assert.doesNotMatch(html, /https?:\/\//, 'no remote content');
  assert.doesNotMatch(html, /style="/, 'no inline style attributes');
  assert.match(html, /<title>Results: &#60;x&#62;<\/title>/, 'the title is escaped');
  const a = panelHtml({ cspSource: 's', scriptUri: 'a', styleUri: 'b', title: 't' });
  const b = panelHtml({ cspSource: 's', scriptUri: 'a', styleUri: 'b', title: 't' });
  const nonce = (h: string): string => /nonce="([^"]+)"/.exec(h)![1];
  assert.notEqual(nonce(a), nonce(b), 'a fresh nonce per page');
  assert.ok(nonce(a).length >= 16);
});

test('exportPanel arguments are checked field by field', () => {
  assert.deepEqual(parseExportArgs(undefined), {});
  assert.deepEqual(
    parseExportArgs({ experiment: 'fig1-cov-quick', tab: 'summary', format: 'both', file: '/tmp/x.png' }),
    { experiment: 'fig1-cov-quick', tab: 'summary', format: 'both', file: '/tmp/x.png' },
  );
  assert.throws(() => parseExportArgs('fig1'), /object/);
  assert.throws(() => parseExportArgs({ tab: 'nope' }), /tab must be one of/);
  assert.throws(() => parseExportArgs({ format: 'gif' }), /format must be/);
  assert.deepEqual(parseExportArgs({ format: 'svg', file: '/tmp/a.svg' }), { format: 'svg', file: '/tmp/a.svg' });
  assert.throws(() => parseExportArgs({ file: 3 }), /file must be/);
});
