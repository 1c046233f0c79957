// Reads a file the user named (a config, --init weights) with its kind and size checked first, so /dev/zero, a
// FIFO or a folder is refused with one line instead of being read forever or failing with a raw EISDIR.
import * as fs from 'node:fs';
import { stripBom } from '../shared/inputLimits';

const mb = (n: number): string => `${(n / (1024 * 1024)).toFixed(n < 1024 * 1024 ? 2 : 0)} MB`;

/** The file's text (a byte-order mark dropped), or an Error naming `what`, the file and the limit. */
export function readInputFile(file: string, limit: number, what: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      `${what} ${file}: ` +
        `${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`,
    );
  }
  if (st.isDirectory()) throw new Error(`${what} ${file}: is a folder, not a file`);
  if (!st.isFile())
    throw new Error(`${what} ${file}: is not a regular file (a device, pipe or socket cannot be read as ${what})`);
  if (st.size > limit) throw new Error(`${what} ${file}: ${mb(st.size)}, more than the ${mb(limit)} allowed`);
  // read at most limit + 1 bytes, so a file that grows while it is read still cannot exceed the limit
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = fs.readSync(fd, buf, n, buf.length - n, null);
    if (n > limit) throw new Error(`${what} ${file}: more than the ${mb(limit)} allowed`);
    return stripBom(buf.subarray(0, n).toString('utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw code ? new Error(`${what} ${file}: cannot be read (${code})`) : e;
  } finally {
    fs.closeSync(fd);
  }
}
