import { buildInternalSpec, buildPublicSpec } from './specs';

/**
 * The documents the Worker serves (/openapi.json, /docs/openapi.json, /internal/openapi.json,
 * /admin/v1/openapi.json), derived from static assets instead of being bundled (the
 * contract and the guides were ≈155 KiB of the Worker's minified code). `npm run docs:build`
 * writes them to public/_private/: the contract as JSON and the two guides as Markdown.
 * wrangler.toml routes /_private/* to the Worker (`run_worker_first`), which has no route there,
 * so they are never served as they are; the Worker reads them through its ASSETS binding. Each
 * document is read and derived once per isolate (the assets of a deployment never change).
 */

type Json = Record<string, unknown>;

/** Where the files live under public/ (and scripts/docs/build-content.mjs writes them). */
const PRIVATE_ASSETS_PATH = '/_private';

async function readPrivate(assets: Fetcher | undefined, file: string): Promise<string> {
  if (!assets) throw new Error('no ASSETS binding: wrangler.toml [assets] must bind ASSETS to public/');
  // The binding serves by path; the host is never looked at.
  const res = await assets.fetch(`https://assets.invalid${PRIVATE_ASSETS_PATH}/${file}`);
  if (!res.ok) throw new Error(`static asset ${PRIVATE_ASSETS_PATH}/${file}: ${res.status} (run \`npm run docs:build\`)`);
  return res.text();
}

/**
 * Computes a document on first use and keeps the value (not the promise: a promise begun by one
 * request must not be awaited by another in workerd). Two first requests at once both compute it.
 */
function once<T>(make: (assets: Fetcher | undefined) => Promise<T>): (assets: Fetcher | undefined) => Promise<T> {
  let value: T | undefined;
  return async (assets) => {
    value ??= await make(assets);
    return value;
  };
}

/** All of openapi.yaml. */
export const fullContract = once(async (assets) => JSON.parse(await readPrivate(assets, 'openapi.json')) as Json);

/** Its public part, what shops generate clients from. */
export const publicContract = once(async (assets) => buildPublicSpec(await fullContract(assets)));

/** The public part with the integration guide as its description: what /docs shows. */
export const publicDocsSpec = once(async (assets) =>
  buildPublicSpec(await fullContract(assets), await readPrivate(assets, 'public-guide.md')),
);

/** Everything with the operators' guide: what /internal shows. */
export const internalDocsSpec = once(async (assets) =>
  buildInternalSpec(await fullContract(assets), await readPrivate(assets, 'internal-guide.md')),
);
