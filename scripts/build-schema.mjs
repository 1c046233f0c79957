// @ts-check
// Writes media/experiment.schema.json, the JSON schema the editor checks *.precond.json files against, from the
// engine's own tables (src/shared/config/schema.ts reads the field specs and the optimizer catalogue). Run by
// `npm run build` and `npm run package`; the file is generated, not committed.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'build-schema.cjs');
await esbuild.build({
  entryPoints: [path.join(root, 'src/shared/config/schema.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  logLevel: 'warning',
});
const { experimentSchema } = createRequire(import.meta.url)(bundle);
const out = path.join(root, 'media', 'experiment.schema.json');
fs.writeFileSync(out, JSON.stringify(experimentSchema(), null, 2) + '\n');
fs.rmSync(bundle);
