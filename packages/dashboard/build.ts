import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles the dashboard into `dist/`: one script, one stylesheet and the page, all served by
 * the API under `/dashboard`. Nothing is fetched from the internet at build or run time.
 */
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

await rm(here('dist'), { recursive: true, force: true });
await mkdir(here('dist'), { recursive: true });
await build({
  entryPoints: [here('src/main.ts')],
  outfile: here('dist/app.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(here('src/index.html'), here('dist/index.html'));
await copyFile(here('src/styles.css'), here('dist/styles.css'));
