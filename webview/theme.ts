// The editor's theme as the charts need it, read from the CSS variables VS Code sets on the page; re-read when the
// theme changes (VS Code swaps the body's vscode-light / vscode-dark / vscode-high-contrast class).

export interface Theme {
  fg: string;
  muted: string;
  bg: string;
  grid: string;
  border: string;
  accent: string;
  orange: string;
  font: string;
  fontSize: number;
  dark: boolean;
}

const css = (name: string, fallback: string): string =>
  getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

export function readTheme(): Theme {
  const dark =
    document.body.classList.contains('vscode-dark') || document.body.classList.contains('vscode-high-contrast');
  const fg = css('--vscode-editor-foreground', dark ? '#cccccc' : '#333333');
  return {
    fg,
    muted: css('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    bg: css('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff'),
    grid: withAlpha(fg, dark ? 0.14 : 0.12),
    border: css('--vscode-panel-border', withAlpha(fg, 0.3)),
    accent: css('--vscode-charts-blue', '#3d8ee0'),
    orange: css('--vscode-charts-orange', '#e0703d'),
    font: css('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Number.parseFloat(css('--vscode-font-size', '13')) || 13,
    dark,
  };
}

/** A theme role of a chart spec ('theme:fg' ...) or a colour as it is. */
export function resolveColor(c: string, t: Theme): string {
  switch (c) {
    case 'theme:fg':
      return t.fg;
    case 'theme:muted':
      return t.muted;
    case 'theme:accent':
      return t.accent;
    case 'theme:orange':
      return t.orange;
    default:
      return c;
  }
}

/** The colour with an alpha, for #rgb, #rrggbb, #rrggbbaa and rgb()/rgba() (what CSS variables hold). */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  let r = 128;
  let g = 128;
  let b = 128;
  const hex = /^#([0-9a-f]{3,8})$/i.exec(c);
  const rgb = /^rgba?\(([^)]+)\)$/i.exec(c);
  if (hex) {
    const x = hex[1];
    const full = x.length <= 4 ? [...x].map((d) => d + d).join('') : x;
    [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
  } else if (rgb) {
    [r, g, b] = rgb[1]
      .split(/[ ,/]+/)
      .slice(0, 3)
      .map((v) => Number.parseFloat(v));
  }
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

export function onThemeChange(fn: () => void): void {
  new MutationObserver(fn).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
