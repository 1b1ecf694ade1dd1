import { buildInternalSpec, buildPublicSpec } from './specs';

/**
 * The documents the Worker serves (/openapi.json, /docs/openapi.json, /internal/openapi.json,
 * /admin/v1/openapi.json), derived from static assets instead of being bundled (the
 * contract and the guides were ≈155 KiB of the Worker's minified code). `npm run docs:build`
 * writes them to public/_private/: the contract as JSON and the two guides as Markdown.
 * wrangler.toml routes /_private/* to the Worker (`run_worker_first`), which has no route there,
 * so they are never served as they are; the Worker reads them through its ASSETS binding. Each
 * document is read and derived once per isolate (the assets of a deployment never change).
 * Only the composition root holds the binding; handlers take `services.documents`.
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
 * The served documents, read from the deployment's assets through one binding. Built once per
 * isolate in the composition root, so each document is read and derived once; the value is kept,
 * not the promise (a promise begun by one request must not be awaited by another in workerd), so
 * two first requests at once both compute it.
 */
export class ServedDocuments {
  private readonly cache = new Map<string, unknown>();
  constructor(private readonly assets: Fetcher | undefined) {}

  private async once<T>(name: string, make: () => Promise<T>): Promise<T> {
    if (!this.cache.has(name)) this.cache.set(name, await make());
    return this.cache.get(name) as T;
  }

  /** All of openapi.yaml. */
  fullContract(): Promise<Json> {
    return this.once('full', async () => JSON.parse(await readPrivate(this.assets, 'openapi.json')) as Json);
  }

  /** Its public part, what shops generate clients from. */
  publicContract(): Promise<Json> {
    return this.once('public', async () => buildPublicSpec(await this.fullContract()));
  }

  /** The public part with the integration guide as its description: what /docs shows. */
  publicDocsSpec(): Promise<Json> {
    return this.once('public-docs', async () =>
      buildPublicSpec(await this.fullContract(), await readPrivate(this.assets, 'public-guide.md')),
    );
  }

  /** Everything with the operators' guide: what /internal shows. */
  internalDocsSpec(): Promise<Json> {
    return this.once('internal-docs', async () =>
      buildInternalSpec(await this.fullContract(), await readPrivate(this.assets, 'internal-guide.md')),
    );
  }
}
