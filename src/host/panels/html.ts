// The results panel's page: a strict Content-Security-Policy (nothing but the bundle and the stylesheet from the
// extension, scripts only with this page's nonce, no inline styles, no remote content), the stylesheet, an element
// the bundle renders into, and the bundle. No vscode here, so the policy is unit-tested.
import { randomBytes } from 'node:crypto';

export interface PageParts {
  /** webview.cspSource: the origin the webview serves extension resources from */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  nonce?: string;
}

const newNonce = (): string => randomBytes(18).toString('base64').replace(/[+/=]/g, '');

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function panelHtml(p: PageParts): string {
  const nonce = p.nonce ?? newNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(p.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(p.styleUri)}">
<title>${escapeHtml(p.title)}</title>
</head>
<body>
<main id="app" data-state="loading"><p class="loading">Loading results…</p></main>
<script nonce="${nonce}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>
`;
}
