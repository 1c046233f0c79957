// The Playground page: the controls (p slider with arrow keys and a typed value, case or custom spectrum, SNR,
// width, learning rate, steps, preconditioner, seed) and five charts redrawn as records stream in: lambda^(p+1)
// per direction with the teacher marked, the spectrum of G_P, the first layer's energy per eigen-direction over
// training, train and test MSE with the noise floor, and the final test MSE against every p tried (the traced
// Figure 1 curve). Every change goes to the host at once; the host supersedes the run in flight.
import type { ChartConfiguration } from 'chart.js';
import { Chart } from './chartRegistry';
import { P_MAX, P_MIN, P_STEP, type PlaygroundControls } from '../src/shared/playground/controls';
import type { FromPlaygroundView, ToPlaygroundView } from '../src/shared/playground/messages';
import type { CurvePoint } from '../src/shared/playground/model';
import type { MetricRecord } from '../src/shared/records';
import { fmt } from '../src/shared/format';
import { clear, h } from './dom';
import { readTheme, withAlpha, type Theme } from './theme';

interface PageState {
  controls?: PlaygroundControls;
}

const vscode = acquireVsCodeApi<PageState>();
const send = (m: FromPlaygroundView): void => vscode.postMessage(m);

let controls: PlaygroundControls | undefined = vscode.getState()?.controls;
let runId = 0;
let records: MetricRecord[] = [];
let teacher = 0;
let noiseFloor = 0;
let lambda: number[] = [];
let weights: number[] = [];
let gram: number[] = [];
let curve: CurvePoint[] = [];
let best: CurvePoint | undefined;
let theme: Theme = readTheme();
let energyDraws = 0;

const app = document.getElementById('app')!;
app.dataset.state = 'ready';
clear(app);

// ---- controls ----
const num = (id: string, label: string, attrs: Record<string, string | number> = {}): HTMLInputElement => {
  const input = h('input', { id, type: 'number', 'aria-label': label, ...attrs });
  return input;
};
const slider = h('input', {
  id: 'p-slider',
  type: 'range',
  min: P_MIN,
  max: P_MAX,
  step: P_STEP,
  'aria-label': 'p (P = Sigma^p)',
});
const pValue = num('p-value', 'p, typed', { min: P_MIN, max: P_MAX, step: 'any' });
const caseSel = h(
  'select',
  { id: 'case', 'aria-label': 'Case' },
  h('option', { value: 'high', text: 'Case High (teacher on the large eigenvalue)' }),
  h('option', { value: 'low', text: 'Case Low (teacher on the small eigenvalue)' }),
  h('option', { value: 'custom', text: 'Custom spectrum' }),
);
const eigInput = h('input', { id: 'eigenvalues', type: 'text', 'aria-label': 'Eigenvalues', size: 40 });
const teacherInput = num('teacher', "Teacher's direction", { min: 0, step: 1 });
const customRow = h(
  'div',
  { class: 'row custom' },
  h('label', { for: 'eigenvalues', text: 'Eigenvalues' }),
  eigInput,
  h('label', { for: 'teacher', text: 'Teacher direction' }),
  teacherInput,
);
const snr = num('snr', 'SNR', { min: 0, step: 'any' });
const width = num('width', 'Width', { min: 1, step: 1 });
const lr = num('lr', 'Learning rate', { min: 0, step: 'any' });
const steps = num('steps', 'Steps', { min: 10, step: 10 });
const seed = num('seed', 'Seed', { min: 0, step: 1 });
const precond = h(
  'select',
  { id: 'preconditioner', 'aria-label': 'Preconditioner' },
  h('option', { value: 'exact-cov', text: 'Exact covariance P = Sigma^p' }),
  h('option', { value: 'adahessian', text: 'AdaHessian, power k = -p' }),
  h('option', { value: 'gd', text: 'Plain GD (P = I)' }),
);
const keepBtn = h('button', { id: 'keep', type: 'button', text: 'Keep', title: 'Store this run as a normal run' });
const clearBtn = h('button', { id: 'clear-curve', type: 'button', class: 'secondary', text: 'Clear p curve' });
const status = h('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
const problems = h('ul', { id: 'problems', class: 'problems', role: 'alert' });
const kept = h('p', { id: 'kept', class: 'kept', role: 'status' });

const field = (label: string, forId: string, el: HTMLElement): HTMLElement =>
  h('div', { class: 'field' }, h('label', { for: forId, text: label }), el);

app.append(
  h(
    'section',
    { class: 'controls', 'aria-label': 'Controls' },
    h(
      'div',
      { class: 'row p-row' },
      h('label', { for: 'p-slider', text: 'p' }),
      slider,
      pValue,
      h('span', { id: 'p-hint', class: 'muted' }),
    ),
    h('div', { class: 'row' }, field('Case', 'case', caseSel), field('Preconditioner', 'preconditioner', precond)),
    customRow,
    h(
      'div',
      { class: 'row' },
      field('SNR', 'snr', snr),
      field('Width', 'width', width),
      field('Learning rate', 'lr', lr),
      field('Steps', 'steps', steps),
      field('Seed', 'seed', seed),
    ),
    h('div', { class: 'row' }, keepBtn, clearBtn, kept),
    problems,
    status,
  ),
);

const canvases = {
  weights: h('canvas', { id: 'chart-weights', 'aria-label': 'lambda^(p+1) per direction' }),
  gram: h('canvas', { id: 'chart-gram', 'aria-label': 'Spectrum of G_P' }),
  energy: h('canvas', { id: 'chart-energy', 'aria-label': 'First-layer energy per eigen-direction' }),
  loss: h('canvas', { id: 'chart-loss', 'aria-label': 'Train and test MSE' }),
  curve: h('canvas', { id: 'chart-curve', 'aria-label': 'Final test MSE against p' }),
};
const card = (title: string, c: HTMLCanvasElement, id: string): HTMLElement =>
  h('figure', { class: 'card', id }, h('figcaption', { text: title }), h('div', { class: 'canvas-box' }, c));
const curveTable = h('table', { id: 'curve-table', class: 'curve-table' });
app.append(
  h(
    'section',
    { class: 'charts' },
    card('Weights lambda^(p+1) per direction (teacher in orange)', canvases.weights, 'card-weights'),
    card('Spectrum of G_P = X P X^T', canvases.gram, 'card-gram'),
    card("First layer's energy per eigen-direction", canvases.energy, 'card-energy'),
    card('Train and test MSE (noise floor dashed)', canvases.loss, 'card-loss'),
    card('Final test MSE against p (every p tried)', canvases.curve, 'card-curve'),
    h('figure', { class: 'card' }, h('figcaption', { text: 'Points of the p curve' }), curveTable),
  ),
);

function read(): PlaygroundControls {
  return {
    p: Number(pValue.value),
    spectrum: caseSel.value as PlaygroundControls['spectrum'],
    eigenvalues: eigInput.value
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map(Number),
    teacher: Number(teacherInput.value),
    snr: Number(snr.value),
    width: Number(width.value),
    lr: Number(lr.value),
    steps: Number(steps.value),
    preconditioner: precond.value as PlaygroundControls['preconditioner'],
    seed: Number(seed.value),
  };
}

function show(c: PlaygroundControls): void {
  controls = c;
  vscode.setState({ controls: c });
  if (document.activeElement !== slider) slider.value = String(c.p);
  if (document.activeElement !== pValue) pValue.value = String(c.p);
  caseSel.value = c.spectrum;
  if (document.activeElement !== eigInput) eigInput.value = c.eigenvalues.join(', ');
  teacherInput.value = String(c.teacher);
  teacherInput.max = String(Math.max(0, c.eigenvalues.length - 1));
  snr.value = String(c.snr);
  width.value = String(c.width);
  lr.value = String(c.lr);
  steps.value = String(c.steps);
  seed.value = String(c.seed);
  precond.value = c.preconditioner;
  customRow.hidden = c.spectrum !== 'custom';
  const hint = document.getElementById('p-hint')!;
  hint.textContent =
    c.preconditioner === 'gd'
      ? 'plain GD ignores p (P = I)'
      : c.preconditioner === 'adahessian'
        ? `Hessian power k = ${fmt(-c.p)}`
        : `P = Sigma^${fmt(c.p)}`;
}

let lastSent = '';
function changed(): void {
  const c = read();
  const text = JSON.stringify(c);
  if (text === lastSent) return;
  lastSent = text;
  clear(problems);
  kept.textContent = '';
  send({ type: 'controls', controls: c });
}

slider.addEventListener('input', () => {
  pValue.value = slider.value;
  changed();
});
pValue.addEventListener('change', () => {
  const v = Number(pValue.value);
  if (Number.isFinite(v)) slider.value = String(Math.min(P_MAX, Math.max(P_MIN, v)));
  changed();
});
for (const el of [caseSel, precond]) el.addEventListener('change', changed);
for (const el of [eigInput, teacherInput, snr, width, lr, steps, seed]) el.addEventListener('change', changed);
keepBtn.addEventListener('click', () => {
  kept.textContent = 'Keeping…';
  send({ type: 'keep' });
});
clearBtn.addEventListener('click', () => send({ type: 'clearCurve' }));

// ---- charts ----
const charts: Partial<Record<keyof typeof canvases, Chart>> = {};

function base(logY: boolean, xTitle: string, yTitle: string, xType: 'linear' | 'category' = 'linear') {
  const t = theme;
  const axis = (title: string) => ({
    title: { display: true, text: title, color: t.muted },
    ticks: { color: t.muted },
    grid: { color: t.grid },
    border: { color: t.border },
  });
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { labels: { color: t.fg, boxWidth: 12 } }, tooltip: { enabled: true } },
    scales: {
      x: { type: xType, ...axis(xTitle) },
      y: {
        type: logY ? ('logarithmic' as const) : ('linear' as const),
        ...axis(yTitle),
        // compact numbers (1000, 0.01, 1e-4) rather than chart.js's locale format with four decimals
        ticks: { color: t.muted, callback: (v: string | number) => (typeof v === 'number' ? fmt(v) : v) },
      },
    },
  };
}

function ensure(name: keyof typeof canvases, make: () => ChartConfiguration): Chart {
  const existing = charts[name];
  if (existing) return existing;
  const chart = new Chart(canvases[name], make());
  charts[name] = chart;
  return chart;
}

const dirLabels = (): string[] => lambda.map((_, i) => (i === teacher ? `${i} (teacher)` : String(i)));
const dirColor = (i: number, alpha = 1): string => withAlpha(i === teacher ? theme.orange : theme.accent, alpha);
const positive = (v: number): number | null => (Number.isFinite(v) && v > 0 ? v : null);

function drawWeights(): void {
  const c = ensure('weights', () => ({
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: { ...base(true, 'direction i', 'lambda_i^(p+1)', 'category'), plugins: { legend: { display: false } } },
  }));
  c.data.labels = dirLabels();
  c.data.datasets = [
    {
      label: 'lambda^(p+1)',
      data: weights.map(positive),
      backgroundColor: weights.map((_, i) => dirColor(i, 0.8)),
    },
  ];
  c.update('none');
}

function drawGram(): void {
  const c = ensure('gram', () => ({
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      ...base(true, 'eigenvalue rank', 'eigenvalue of G_P', 'category'),
      plugins: { legend: { display: false } },
    },
  }));
  c.data.labels = gram.map((_, i) => String(i + 1));
  c.data.datasets = [{ label: 'G_P', data: gram.map(positive), backgroundColor: withAlpha(theme.accent, 0.7) }];
  c.update('none');
}

function drawEnergy(): void {
  const c = ensure('energy', () => ({
    type: 'line',
    data: { datasets: [] },
    options: base(true, 'step', '||W1 u_i||^2'),
  }));
  const withEnergy = records.filter((r) => r.energy);
  c.data.datasets = lambda.map((_, i) => ({
    label: i === teacher ? `u${i} (teacher)` : `u${i}`,
    data: withEnergy.map((r) => ({ x: r.step, y: positive(r.energy![i]) })),
    borderColor: i === teacher ? theme.orange : withAlpha(theme.accent, 0.35 + (0.5 * i) / Math.max(1, lambda.length)),
    borderWidth: i === teacher ? 3 : 1.2,
    pointRadius: 0,
  }));
  c.options.plugins!.legend!.display = lambda.length <= 12;
  c.update('none');
  energyDraws++;
  canvases.energy.dataset.draws = String(energyDraws);
  canvases.energy.dataset.points = String(withEnergy.length);
}

function drawLoss(): void {
  const c = ensure('loss', () => ({ type: 'line', data: { datasets: [] }, options: base(true, 'step', 'MSE') }));
  const last = records.length ? records[records.length - 1].step : 0;
  c.data.datasets = [
    {
      label: 'train',
      data: records.filter((r) => r.trainMSE !== undefined).map((r) => ({ x: r.step, y: positive(r.trainMSE!) })),
      borderColor: theme.accent,
      pointRadius: 0,
      borderWidth: 1.5,
    },
    {
      label: 'test',
      data: records.filter((r) => r.testMSE !== undefined).map((r) => ({ x: r.step, y: positive(r.testMSE!) })),
      borderColor: theme.orange,
      pointRadius: 0,
      borderWidth: 1.5,
    },
    {
      label: 'noise floor',
      data: [
        { x: 0, y: noiseFloor },
        { x: Math.max(last, controls?.steps ?? 0), y: noiseFloor },
      ],
      borderColor: theme.muted,
      borderDash: [5, 4],
      pointRadius: 0,
      borderWidth: 1,
    },
  ];
  c.update('none');
}

function drawCurve(): void {
  const c = ensure('curve', () => {
    const o = base(true, 'p', 'final test MSE');
    return {
      type: 'scatter',
      data: { datasets: [] },
      options: { ...o, scales: { ...o.scales, x: { ...o.scales.x, min: P_MIN, max: P_MAX } } },
    };
  });
  const done = curve.filter((pt) => pt.testMSE !== null);
  const here = controls ? done.filter((pt) => pt.p === (controls!.preconditioner === 'gd' ? 0 : controls!.p)) : [];
  c.data.datasets = [
    {
      label: 'final test MSE',
      data: done.map((pt) => ({ x: pt.p, y: pt.testMSE })),
      borderColor: theme.accent,
      backgroundColor: withAlpha(theme.accent, 0.6),
      showLine: true,
      pointRadius: 4,
    },
    {
      label: 'this p',
      data: here.map((pt) => ({ x: pt.p, y: pt.testMSE })),
      borderColor: theme.orange,
      backgroundColor: theme.orange,
      pointRadius: 7,
    },
    {
      label: 'noise floor',
      data: [
        { x: P_MIN, y: noiseFloor },
        { x: P_MAX, y: noiseFloor },
      ],
      borderColor: theme.muted,
      borderDash: [5, 4],
      pointRadius: 0,
      showLine: true,
      borderWidth: 1,
    },
  ];
  c.update('none');
  canvases.curve.dataset.points = String(done.length);
  clear(curveTable);
  curveTable.append(
    h('tr', {}, h('th', { text: 'p' }), h('th', { text: 'final test MSE' })),
    ...curve.map((pt) =>
      h(
        'tr',
        { class: best && pt.p === best.p ? 'best' : undefined },
        h('td', { text: fmt(pt.p) }),
        h('td', { text: pt.testMSE === null ? 'diverged' : fmt(pt.testMSE) }),
      ),
    ),
  );
}

function redrawAll(): void {
  for (const k of Object.keys(charts) as (keyof typeof canvases)[]) {
    charts[k]?.destroy();
    delete charts[k];
  }
  drawWeights();
  drawGram();
  drawEnergy();
  drawLoss();
  drawCurve();
}

let pendingDraw = false;
function scheduleDraw(): void {
  if (pendingDraw) return;
  pendingDraw = true;
  requestAnimationFrame(() => {
    pendingDraw = false;
    drawEnergy();
    drawLoss();
  });
}

window.addEventListener('message', (e: MessageEvent<ToPlaygroundView>) => {
  const m = e.data;
  switch (m.type) {
    case 'state':
      show(m.controls);
      lastSent = JSON.stringify(m.controls);
      keepBtn.disabled = !m.keepable;
      keepBtn.title = m.keepable ? 'Store this run as a normal run' : 'This run cannot be kept';
      app.dataset.backend = m.backend ?? '';
      break;
    case 'begin':
      runId = m.id;
      records = [];
      gram = [];
      lambda = m.lambda;
      weights = m.weights;
      teacher = m.teacher;
      noiseFloor = m.noiseFloor;
      app.dataset.run = String(m.id);
      app.dataset.phase = 'training';
      status.textContent = m.cached ? 'From the cache' : 'Training…';
      drawWeights();
      drawGram();
      drawEnergy();
      drawLoss();
      drawCurve();
      break;
    case 'spectra':
      if (m.id !== runId) break;
      gram = m.spectra.gram;
      drawGram();
      break;
    case 'records':
      if (m.id !== runId) break;
      records.push(...m.records);
      scheduleDraw();
      break;
    case 'progress':
      if (m.id !== runId) break;
      status.textContent = `Training: step ${m.step} of ${m.steps}`;
      break;
    case 'end': {
      if (m.id !== runId) break;
      app.dataset.phase = m.phase;
      const f = m.final;
      status.textContent =
        m.phase === 'done'
          ? `Done${m.seconds !== undefined ? ` in ${fmt(m.seconds)} s` : ''}: final test MSE ${fmt(f.testMSE)}, ` +
            `train MSE ${fmt(f.trainMSE)}, alignment ${fmt(f.alignment)}`
          : m.phase === 'diverged'
            ? `Diverged${m.reason ? `: ${m.reason}` : ''}. Try a smaller learning rate.`
            : `Stopped${m.reason ? `: ${m.reason}` : ''}`;
      drawEnergy();
      drawLoss();
      break;
    }
    case 'curve':
      curve = m.points;
      best = m.best;
      drawCurve();
      break;
    case 'problems':
      clear(problems);
      problems.append(...m.problems.map((p) => h('li', { text: p })));
      break;
    case 'kept':
      kept.textContent = m.text;
      kept.className = m.ok ? 'kept ok' : 'kept error';
      break;
  }
});

// theme changes: VS Code swaps the body's class
new MutationObserver(() => {
  theme = readTheme();
  redrawAll();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

if (controls) show(controls);
send({ type: 'ready' });
