/**
 * What the cross-process tests share: a customer's browser (plain HTTP, redirects followed by
 * hand so every hop is visible), the operator's CLI run as a real process, and polling.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const root = resolve(import.meta.dirname, '..', '..');
const tsxCli = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export interface Hop {
  url: string;
  status: number;
  location: string | null;
}

/**
 * Follows redirects like a browser (303 turns a POST into a GET) and returns every hop.
 * `stopAt` ends the walk before fetching a URL (e.g. a shop host that does not exist here);
 * that URL is then the last hop, with status 0, and `final` is the redirect that led there.
 */
export async function browse(
  url: string,
  init: RequestInit = {},
  stopAt: (url: string) => boolean = () => false,
): Promise<{ hops: Hop[]; final: Response }> {
  const hops: Hop[] = [];
  let current = url;
  let request: RequestInit = init;
  let previous: Response | undefined;
  for (let i = 0; i < 10; i++) {
    if (previous && stopAt(current)) {
      hops.push({ url: current, status: 0, location: null });
      return { hops, final: previous };
    }
    const res = await fetch(current, { ...request, redirect: 'manual' });
    previous = res;
    const location = res.headers.get('location');
    hops.push({ url: current, status: res.status, location });
    if (res.status < 300 || res.status >= 400 || !location) return { hops, final: res };
    await res.arrayBuffer();
    current = new URL(location, current).href;
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && request.method === 'POST')) request = {};
  }
  throw new Error(`more than 10 redirects from ${url}`);
}

/** Reads Bansky's checkout form and submits one of its buttons, as a browser does on click. */
export async function submitCheckout(
  checkoutUrl: string,
  button: 'Pay' | 'Decline',
  stopAt?: (url: string) => boolean,
): Promise<{ hops: Hop[]; final: Response }> {
  const html = await (await fetch(checkoutUrl)).text();
  const action = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(html)?.[1];
  const field = new RegExp(`<button[^>]*name="([^"]+)"[^>]*value="([^"]+)"[^>]*>\\s*${button}\\s*</button>`, 'i').exec(html);
  if (!action || !field) throw new Error(`no ${button} button in a POST form at ${checkoutUrl}`);
  return browse(
    new URL(action, checkoutUrl).href,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ [field[1]!]: field[2]! }).toString(),
    },
    stopAt,
  );
}

/** Polls until `check` returns a value (not undefined/false), or fails with the last state. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the operator CLI as its own process: `npm run admin -- …` runs exactly this. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [tsxCli, 'scripts/admin/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, APAY_BASE_URL: '', APAY_ADMIN_TOKEN: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The local secret values a test must never see in output. */
export function secretValues(vars: Record<string, string>): string[] {
  return ['ADMIN_TOKEN', 'BANSKY_API_TOKEN', 'BANSKY_POSTBACK_SECRET', 'PAYMENT_ID_SECRET']
    .map((k) => vars[k])
    .filter((v): v is string => Boolean(v && v.length >= 8));
}
