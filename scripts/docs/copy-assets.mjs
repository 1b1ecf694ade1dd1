#!/usr/bin/env node
// Copies the docs' third-party browser assets from node_modules into public/docs/assets/ (gitignored),
// so /docs and /internal load Scalar's JavaScript and their fonts from our own origin, never a CDN.
// Runs on `npm install`/`npm ci` (postinstall) and again before the docs tests; cheap when up to date.
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..', '..');
export const ASSET_DIR = join(root, 'public', 'docs', 'assets');

/** Where each served file comes from: [path under public/docs/assets, package, file in the package]. */
export const DOCS_ASSETS = [
  ['scalar/standalone.js', '@scalar/api-reference', 'dist/browser/standalone.js'],
  ...[400, 500, 600, 700].map((w) => [`fonts/inter-latin-${w}-normal.woff2`, '@fontsource/inter', `files/inter-latin-${w}-normal.woff2`]),
  ...[400, 500].map((w) => [
    `fonts/jetbrains-mono-latin-${w}-normal.woff2`,
    '@fontsource/jetbrains-mono',
    `files/jetbrains-mono-latin-${w}-normal.woff2`,
  ]),
];

// Direct devDependencies are hoisted to the root node_modules; some (Scalar) hide package.json from require.resolve.
function packageDir(name) {
  return join(root, 'node_modules', name);
}

/** Copies every asset whose source is newer or whose copy is missing. Returns the copied paths. */
export function copyDocsAssets() {
  const copied = [];
  for (const [target, pkg, file] of DOCS_ASSETS) {
    const from = join(packageDir(pkg), file);
    const to = join(ASSET_DIR, target);
    if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs && statSync(to).size === statSync(from).size) continue;
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    copied.push(target);
  }
  return copied;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const copied = copyDocsAssets();
    console.log(copied.length ? `docs assets: copied ${copied.length} file(s) to public/docs/assets` : 'docs assets: up to date');
  } catch (err) {
    // A devDependency-free install (npm ci --omit=dev) has no Scalar bundle: say so, do not fail the install.
    console.warn(`docs assets: not copied (${err.message}); /docs will not render until \`npm run docs:assets\` succeeds`);
  }
}
