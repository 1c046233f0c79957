// Text put into notifications (src/host/notifyText.ts): VS Code's notifications turn `[label](command:...)` into
// a link that runs a command, with no escape syntax. The pattern below is VS Code's own (base/common/linkedText.ts,
// LINK_REGEX), written out here so the test checks against the renderer's rule, not against plainText itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainText } from '../../src/host/notifyText';

const VSCODE_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
const links = (text: string): string[] => [...text.matchAll(VSCODE_LINK)].map((m) => m[0]);

const HOSTILE = [
  'my-exp.json is invalid: [Fix ' +
    'it](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%20-rf%20~%5Cn%22%7D)',
  '[click](https://evil.example/x)',
  '[open](file:///etc/passwd)',
  '[a](command:x) and [b](COMMAND:y "title")',
  '\\[escaped\\](command:z)', // a backslash does not escape in notifications
  '[[nested](command:n)]',
  '[multi\nline](command:m)',
  'description: "[x](command:precondLab.delete?%5B%7B%22experiment%22%3A%22..%22%7D%5D)"',
];

test('plainText leaves no text VS Code would render as a link', () => {
  for (const text of HOSTILE) {
    assert.ok(links(text).length > 0, `the fixture ${JSON.stringify(text)} should be a link before escaping`);
    const safe = plainText(text);
    assert.deepEqual(links(safe), [], `${JSON.stringify(safe)} still holds a link`);
    // the reader still sees every character of the original, in order (only spaces are added)
    assert.equal(safe.replace(/ /g, ''), text.replace(/ /g, ''));
  }
});

test('plainText defuses codicons and keeps ordinary messages as they are', () => {
  assert.equal(plainText('$(trash) gone'), '$ (trash) gone');
  for (const text of [
    'fig1-cov-quick: 8 done, 0 failed',
    'settings.lr must be a number (got "x")',
    'grid.p[2] is 1e400',
    'see [1] (the paper)',
    'a ( b ) [c]',
  ]) {
    assert.equal(plainText(text), text);
  }
  assert.equal(plainText(plainText(HOSTILE[0])), plainText(HOSTILE[0]), 'idempotent');
});
