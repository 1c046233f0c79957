// The results panels inside the real extension host (the page itself runs in the browser code-server serves):
// "Open Results" opens the panel for the experiment's kind, every tab draws, a run opens its curves, the export
// command writes a PNG and a CSV with the expected rows, and bad export arguments are refused with a message.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { PanelInfo } from '../../src/host/panels/panels';
import { writeOod } from './fixtures';
import { findExperiment, findRun } from './tree';
import { command, errorsShown, labApi, QUICK_NAME, quickPresetSummary, resultsRoot, waitFor } from './lab';

async function panel(experiment: string, tab: string, what = `${experiment} drawn on ${tab}`): Promise<PanelInfo> {
  const api = await labApi();
  return waitFor(
    what,
    () =>
      api.panels
        .list()
        .find(
          (p) =>
            p.experiment === experiment &&
            p.ready &&
            p.rendered?.tab === tab &&
            (p.rendered.figures > 0 || p.rendered.empty),
        ),
    60_000,
    250,
  );
}

describe('results panels', () => {
  it('"Open Results" on a finished noise sweep opens its panel on the Summary, both cases drawn', async () => {
    await quickPresetSummary();
    await vscode.commands.executeCommand('precondLab.openResults', { experiment: QUICK_NAME });
    const p = await panel(QUICK_NAME, 'summary');
    assert.equal(p.kind, 'noise');
    assert.equal(p.rendered?.figures, 2, 'one chart per case');
    assert.ok(p.rendered!.points >= 6, `${p.rendered?.points} points`);
    assert.equal(p.loads, 1);
  });

  it('the Curves and Spectra tabs draw, and opening results again reuses the panel', async () => {
    await vscode.commands.executeCommand('precondLab.openResults', { experiment: QUICK_NAME }, { tab: 'curves' });
    const curves = await panel(QUICK_NAME, 'curves');
    assert.equal(curves.rendered?.figures, 2);
    assert.ok(
      curves.rendered!.points >= 6 * 5 * 2,
      `${curves.rendered?.points} points: 6 runs x 5 records x train and test`,
    );
    await vscode.commands.executeCommand('precondLab.openResults', { experiment: QUICK_NAME }, { tab: 'spectra' });
    const spectra = await panel(QUICK_NAME, 'spectra');
    assert.equal(spectra.rendered?.figures, 7, 'Sigma, weights, G_P, alignment and a heatmap per p');
    assert.equal((await labApi()).panels.list().filter((x) => x.experiment === QUICK_NAME).length, 1);
  });

  it('a run opens its curves', async () => {
    await vscode.commands.executeCommand('precondLab.openResults', {
      experiment: QUICK_NAME,
      runId: 'low_p2_snr1_s42',
    });
    await panel(QUICK_NAME, 'curves');
  });

  it('precondLab.exportPanel writes the tab as a PNG and a CSV with one row per record', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-export-'));
    const result = await command('precondLab.exportPanel', {
      experiment: QUICK_NAME,
      tab: 'curves',
      format: 'both',
      file: path.join(dir, 'curves.png'),
    });
    assert.ok(
      result?.png && result.csv,
      `exportPanel returned ${JSON.stringify(result)}; errors: ${JSON.stringify(await errorsShown())}`,
    );
    const png = fs.readFileSync(result.png);
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG');
    assert.ok(
      png.readUInt32BE(16) > 400 && png.readUInt32BE(20) > 200,
      `PNG is ${png.readUInt32BE(16)} x ${png.readUInt32BE(20)}`,
    );
    const lines = fs.readFileSync(result.csv, 'utf8').trimEnd().split('\r\n');
    assert.equal(lines[0], 'run,case,p,snr,seed,step,trainMSE,testMSE,alignment');
    // a run target focused the curves on low_p2 alone; the export shows what the tab shows
    assert.equal(result.rows, lines.length - 1);
    assert.equal(
      lines.length - 1,
      5,
      'the 5 records (steps 0..200 every 50) of low_p2, the run the curves were opened on',
    );
    assert.ok(lines.slice(1).every((l) => l.startsWith('low_p2_snr1_s42,low,2,1,42,')));
    const summary = await command('precondLab.exportPanel', {
      experiment: QUICK_NAME,
      tab: 'summary',
      file: path.join(dir, 'summary.csv'),
    });
    assert.equal(summary?.rows, 6, 'summary: 2 cases x 3 p at one SNR');
    assert.equal(fs.readFileSync(summary!.csv!, 'utf8').trimEnd().split('\r\n').length, 7);
  });

  it('bad export arguments are refused with a message that names the field', async () => {
    const before = (await labApi()).messages().length;
    const r = await vscode.commands.executeCommand('precondLab.exportPanel', { experiment: QUICK_NAME, tab: 'nope' });
    assert.equal(r, undefined);
    const errors = await errorsShown(before);
    assert.ok(
      errors.some((e) => /tab must be one of/.test(e)),
      JSON.stringify(errors),
    );
  });

  it('an OOD experiment opens on its accuracies (the panel matches the kind)', async () => {
    const root = await resultsRoot();
    writeOod(root, 'suite-ood');
    await vscode.commands.executeCommand('precondLab.openResults', path.join(root, 'suite-ood'));
    const p = await panel('suite-ood', 'accuracy');
    assert.equal(p.kind, 'ood');
    assert.equal(p.rendered?.figures, 3, 'left, right, and against the AdaHessian power');
  });

  it('runs pinned from two experiments open in the Compare panel, which exports an SVG with their curves', async () => {
    const api = await labApi();
    const root = await resultsRoot();
    if (!fs.existsSync(path.join(root, 'suite-ood'))) writeOod(root, 'suite-ood');
    assert.deepEqual(api.panels.pins(), [], 'no pins before this test');
    assert.equal(await command('precondLab.pinRun', { experiment: QUICK_NAME, runId: 'low_p2_snr1_s42' }), 1);
    // the tree passes its selection as the second argument
    assert.equal(
      await command('precondLab.pinRun', { experiment: QUICK_NAME, runId: 'high_p-2_snr1_s42' }, [
        { experiment: QUICK_NAME, runId: 'high_p-2_snr1_s42' },
        { experiment: 'suite-ood', runId: 'gd_s42' },
      ]),
      2,
    );
    assert.deepEqual(
      api.panels.pins().map((x) => `${x.experiment}/${x.run}`),
      [`${QUICK_NAME}/low_p2_snr1_s42`, `${QUICK_NAME}/high_p-2_snr1_s42`, 'suite-ood/gd_s42'],
    );
    await command('precondLab.openCompare');
    const p = await panel('Comparison', 'compare');
    assert.equal(p.view, 'precondLab.compare');
    // the OOD run shares no recorded metric with the regression runs: one is unpinned, the two left are drawn
    assert.equal(await command('precondLab.unpinRun', { experiment: 'suite-ood', runId: 'gd_s42' }), 1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-compare-'));
    const r = await command('precondLab.exportPanel', {
      experiment: 'compare',
      format: 'svg',
      file: path.join(dir, 'c.svg'),
    });
    assert.ok(r?.svg, `exportPanel returned ${JSON.stringify(r)}; errors: ${JSON.stringify(await errorsShown())}`);
    const svg = fs.readFileSync(r.svg, 'utf8');
    assert.match(svg, /^<\?xml /);
    const series = [...svg.matchAll(/<g class="series" data-label="([^"]*)"/g)].map((m) => m[1]);
    assert.equal(series.length, 2, `two curves in the SVG: ${series.join(' | ')}`);
    assert.ok(
      series.every((s) => s.startsWith(`${QUICK_NAME} · `)),
      series.join(' | '),
    );
    await command('precondLab.unpinRun', { experiment: QUICK_NAME, runId: 'low_p2_snr1_s42' }, [
      { experiment: QUICK_NAME, runId: 'low_p2_snr1_s42' },
      { experiment: QUICK_NAME, runId: 'high_p-2_snr1_s42' },
    ]);
    assert.deepEqual(api.panels.pins(), []);
  });

  it('tags set with precondLab.annotate are stored in annotations.json and shown in the tree', async () => {
    const api = await labApi();
    const root = await resultsRoot();
    const ok = await command(
      'precondLab.annotate',
      { experiment: QUICK_NAME, runId: 'low_p0_snr1_s42' },
      { tags: 'best #baseline', note: 'checked by hand' },
    );
    assert.equal(ok, true, JSON.stringify(await errorsShown()));
    const stored = JSON.parse(fs.readFileSync(path.join(root, QUICK_NAME, 'annotations.json'), 'utf8'));
    assert.deepEqual(stored.runs.low_p0_snr1_s42, { tags: ['best', 'baseline'], note: 'checked by hand' });
    const run = await waitFor(
      'the tagged run in the tree',
      async () => {
        const nodes = await api.refresh();
        const exp = findExperiment(nodes, QUICK_NAME);
        const n = exp && findRun(exp, 'low_p0_snr1_s42');
        return n?.description?.includes('#best #baseline') ? n : undefined;
      },
      20_000,
      250,
    );
    assert.match(String(run.tooltip), /checked by hand/);
    // a bad tag is refused with a message, and nothing is written
    const before = api.messages().length;
    const bad = await vscode.commands.executeCommand(
      'precondLab.annotate',
      { experiment: QUICK_NAME, runId: 'low_p0_snr1_s42' },
      { tags: 'a<b' },
    );
    assert.equal(bad, undefined);
    assert.ok((await errorsShown(before)).some((e) => /tags hold letters/.test(e)));
    // clear, so later suites see the store as the preset wrote it
    await command('precondLab.annotate', { experiment: QUICK_NAME, runId: 'low_p0_snr1_s42' }, { tags: '', note: '' });
  });
});
