// @ts-check
// The README a .vsix carries: a Marketplace or Open VSX page cannot resolve the repository's relative links
// (`docs/cluster.md`), and this project has no public repository address for vsce to rewrite them against. With a
// base URL (`--base-url URL` to scripts/package-vsix.mjs) vsce prefixes them; without one, each relative link is
// turned into its text plus the path, so the listing shows no broken link and still says where the page lives.

/** A link target the listing can open as it is: a URL with a scheme, a mail address, or an anchor on the page. */
const absolute = (/** @type {string} */ target) => /^([a-z][a-z0-9+.-]*:|#)/i.test(target);

/**
 * @param {string} whole @param {string} bang @param {string} text @param {string} target
 * @returns {string}
 */
function plain(whole, bang, text, target) {
  if (absolute(target)) return whole;
  if (bang) return `${text} (image: \`${target}\`)`;
  return text === target
    ? `\`${target}\` (in the source repository)`
    : `${text} (\`${target}\` in the source repository)`;
}

/**
 * The README with every relative Markdown link `[text](path)` written as `text (path in the source repository)`;
 * links inside code spans and fenced blocks are left as they are.
 * @param {string} markdown
 * @returns {string}
 */
export function listingReadme(markdown) {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
      if (fenced) return line;
      // split on code spans: odd parts are code, kept as written
      return line
        .split(/(`[^`]*`)/)
        .map((part, i) => (i % 2 ? part : part.replace(/(!?)\[([^\]]*)\]\(([^)\s]+)\)/g, plain)))
        .join('');
    })
    .join('\n');
}
