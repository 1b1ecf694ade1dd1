/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { TokenRecord, WebhookSecret } from '../../core/shops/shop-store';
import { fmtTime } from '../format';
import { AppPage, Csrf, type Frame, Notice } from '../layout';
import { can } from '../members/roles';
import type { TestPostbackResult } from '../test-postback';
import { CopyField } from './copy-field';

export type DevNotice =
  | { kind: 'token'; token: string; label: string | null }
  | { kind: 'secret'; secret: string; previousUntil: string | null }
  | ({ kind: 'test-postback'; url: string } & Exclude<TestPostbackResult, { refused: string }>)
  | { kind: 'message'; tone: 'ok' | 'bad'; text: string };

/** The Bansky sandbox's fault switches (sandbox/bansky/README.md): +tags in the customer email. */
const SANDBOX_TAGS: Array<[string, string]> = [
  ['(none)', 'Checkout page with Pay and Decline; the postback follows the click.'],
  ['init_fail', 'Bansky answers 500: init-payment fails with bansky_error (502).'],
  ['init_reject', 'Bansky refuses the payment (400): bansky_error (502).'],
  ['init_timeout', 'Bansky stalls: init-payment answers bansky_timeout (504).'],
  ['postback_none', 'No postback from Bansky: the payment stays awaiting_payment until it expires.'],
  ['postback_delay', 'The postback arrives about 2 s after the click.'],
  ['postback_duplicate', 'The postback arrives twice: you still get one postback per status.'],
  ['postback_out_of_order', 'A contradicting postback follows: the first final status wins.'],
  ['postback_bad_signature', 'A forged postback: we reject it and the payment does not change.'],
  ['postback_wrong_amount', 'A postback with another amount: rejected, the payment does not change.'],
];

export const DevelopersPage: FC<{
  frame: Frame;
  tokens: TokenRecord[];
  liveEnabled: boolean;
  secrets: WebhookSecret[];
  notice?: DevNotice;
  testUrl?: string;
  /** The clock's time (services.clock), which decides which secrets still sign. */
  now: Date;
}> = ({ frame, tokens, liveEnabled, secrets, notice, testUrl, now: at }) => {
  const tokensAllowed = can(frame.role, 'tokens');
  const canCreate = tokensAllowed && (frame.mode === 'test' || liveEnabled);
  const now = at.getTime();
  const active = secrets.filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now);
  return (
    <AppPage title="Developers" frame={frame} nav="developers" script>
      <div class="page-head">
        <h1>Developers</h1>
        <p class="muted">API tokens and postback signing for {frame.mode} mode.</p>
      </div>

      {notice?.kind === 'token' ? (
        <Notice tone="ok">
          <p>
            <strong>
              Your new {frame.mode} token{notice.label ? ` “${notice.label}”` : ''}.
            </strong>{' '}
            Copy it now: it is shown only once, we keep only its hash.
          </p>
          <CopyField id="new-token" label="API token" value={notice.token} />
        </Notice>
      ) : null}
      {notice?.kind === 'secret' ? (
        <Notice tone="ok">
          <p>
            <strong>New webhook secret.</strong> Shown only once.{' '}
            {notice.previousUntil
              ? `Until ${fmtTime(notice.previousUntil)} postbacks carry signatures of both the new and the previous secret, so switch your endpoint before then.`
              : ''}
          </p>
          <CopyField id="new-secret" label="Webhook secret" value={notice.secret} />
        </Notice>
      ) : null}
      {notice?.kind === 'message' ? <Notice tone={notice.tone}>{notice.text}</Notice> : null}

      <section class="panel" aria-labelledby="tokens">
        <div class="panel-head">
          <div>
            <h2 id="tokens">API tokens</h2>
            <p class="muted">
              Send one as <code>Authorization: Bearer …</code> from your server. Never put it in a browser or an app.
            </p>
          </div>
        </div>
        {tokens.length === 0 ? (
          <p class="muted">No {frame.mode} tokens yet.</p>
        ) : (
          <div class="table-wrap">
            <table class="table tokens">
              <caption class="visually-hidden">{frame.mode} API tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Label</th>
                  <th scope="col">Token</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr class={t.revokedAt ? 'revoked' : ''}>
                    <td data-label="Label">{t.label ?? <span class="muted">(no label)</span>}</td>
                    <td data-label="Token" class="mono">
                      {t.prefix}…{t.last4}
                    </td>
                    <td data-label="Created">{fmtTime(t.createdAt)}</td>
                    <td data-label="Last used">{t.lastUsedAt ? fmtTime(t.lastUsedAt) : 'Never'}</td>
                    <td data-label="">
                      {t.revokedAt ? (
                        <span class="badge badge-muted">Revoked {fmtTime(t.revokedAt)}</span>
                      ) : !tokensAllowed ? null : (
                        <form method="post" action={`/app/developers/tokens/${t.id}/revoke`}>
                          <Csrf token={frame.csrf} />
                          <button
                            type="submit"
                            class="button danger small"
                            aria-label={`Revoke token ${t.label ?? `${t.prefix}…${t.last4}`}`}
                          >
                            Revoke
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canCreate ? (
          <form method="post" action="/app/developers/tokens" class="inline-form">
            <Csrf token={frame.csrf} />
            <div class="field">
              <label for="label">Label for a new {frame.mode} token</label>
              <input id="label" name="label" maxlength={100} placeholder="e.g. checkout server" />
            </div>
            <button type="submit" class="button primary">
              Create {frame.mode} token
            </button>
          </form>
        ) : !tokensAllowed ? (
          <p class="hint">Owners and developers create and revoke tokens; you are a {frame.role}.</p>
        ) : (
          <p class="hint">
            Live tokens become available once AimbrellaPay has enabled live mode for your shop (see the go-live checklist in the docs).
          </p>
        )}
        <p class="hint">A revoked token stops working everywhere within about two minutes.</p>
      </section>

      <section class="panel" aria-labelledby="secret">
        <h2 id="secret">Webhook signing secret</h2>
        <p>
          Postbacks are signed per <a href="/docs">Standard Webhooks</a> with your shop's secret (shared by test and live mode).{' '}
          {active.length > 1 ? 'A rotation is in progress: postbacks carry two signatures.' : ''}
        </p>
        <ul class="plain">
          {active.map((s) => (
            <li>
              {s.expiresAt
                ? `Previous secret from ${fmtTime(s.createdAt)}, signs until ${fmtTime(s.expiresAt)}`
                : `Current secret, created ${fmtTime(s.createdAt)}`}
            </li>
          ))}
        </ul>
        {can(frame.role, 'webhook-secret') ? (
          <form method="post" action="/app/developers/webhook-secret" class="inline-form">
            <Csrf token={frame.csrf} />
            <button type="submit" class="button">
              Rotate secret
            </button>
            <span class="hint">The current secret keeps signing for 24 hours alongside the new one.</span>
          </form>
        ) : null}
      </section>

      <section class="panel" aria-labelledby="test-postback">
        <h2 id="test-postback">Send a test postback</h2>
        <p>
          Sends a signed <code>payment.paid</code> postback with <code>"mode": "test"</code> and transaction id <code>test-postback</code>{' '}
          to your endpoint. It refers to no real payment.
        </p>
        {notice?.kind === 'test-postback' ? (
          <Notice tone={notice.ok ? 'ok' : 'bad'}>
            <p>
              <strong>{notice.ok ? 'Your endpoint accepted it' : 'Not accepted'}</strong>:{' '}
              {notice.httpStatus ? `HTTP ${notice.httpStatus}` : (notice.error ?? 'no answer')}
              {notice.latencyMs !== null ? ` in ${notice.latencyMs} ms` : ''}.
            </p>
            {notice.excerpt ? <pre class="answer">{notice.excerpt}</pre> : null}
            {notice.withheld ? <p class="hint">{notice.withheld}</p> : null}
          </Notice>
        ) : null}
        {can(frame.role, 'test-postback') ? (
          <form method="post" action="/app/developers/test-postback" class="inline-form">
            <Csrf token={frame.csrf} />
            <div class="field grow">
              <label for="url">Your postback URL</label>
              <input
                id="url"
                name="url"
                type="url"
                required
                value={testUrl ?? ''}
                placeholder="https://shop.example/aimbrellapay/postbacks"
              />
            </div>
            <button type="submit" class="button">
              Send test postback
            </button>
          </form>
        ) : (
          <p class="hint">Owners and developers send test postbacks.</p>
        )}
      </section>

      <section class="panel" aria-labelledby="sandbox">
        <h2 id="sandbox">Sandbox magic values</h2>
        <p>
          In test mode, put a tag in the customer's email to make the Bansky sandbox misbehave on purpose:{' '}
          <code>jane+postback_delay@example.com</code>. Combine tags with more <code>+</code>.
        </p>
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">Email tags the Bansky sandbox understands</caption>
            <thead>
              <tr>
                <th scope="col">Tag</th>
                <th scope="col">What happens</th>
              </tr>
            </thead>
            <tbody>
              {SANDBOX_TAGS.map(([tag, what]) => (
                <tr>
                  <td data-label="Tag" class="mono">
                    {tag === '(none)' ? tag : `+${tag}`}
                  </td>
                  <td data-label="What happens">{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </AppPage>
  );
};
