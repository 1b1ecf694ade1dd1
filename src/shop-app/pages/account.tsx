/** @jsxImportSource hono/jsx */

import { raw } from 'hono/html';
import type { FC } from 'hono/jsx';
import { renderSVG } from 'uqr';
import { AppPage, Csrf, type Frame, Notice } from '../layout';
import type { TotpEnrolment } from '../members/service';
import { CopyField } from './copy-field';

export type AccountNotice =
  | { kind: 'enrol'; enrolment: TotpEnrolment; error?: string }
  | { kind: 'recovery-codes'; codes: string[] }
  | { kind: 'message'; tone: 'ok' | 'bad'; text: string };

/** Your own sign-in: two-step sign-in (TOTP) and signing out every browser. */
export const AccountPage: FC<{ frame: Frame; secondFactor: { enabled: boolean; recoveryLeft: number }; notice?: AccountNotice }> = ({
  frame,
  secondFactor,
  notice,
}) => (
  <AppPage title="Your account" frame={frame} nav="account" script>
    <div class="page-head">
      <h1>Your account</h1>
      <p class="muted">Signed in as {frame.email}.</p>
    </div>
    {notice?.kind === 'message' ? <Notice tone={notice.tone}>{notice.text}</Notice> : null}

    <section class="panel stack" aria-labelledby="two-step">
      <h2 id="two-step">Two-step sign-in</h2>
      {notice?.kind === 'recovery-codes' ? (
        <>
          <Notice tone="ok">
            Two-step sign-in is on. From now on, sign-in asks for a code from your authenticator app after the password.
          </Notice>
          <p>
            <strong>Save these recovery codes now; they are shown only once.</strong> Each one signs you in once when you do not have your
            phone. Keep them in your password manager.
          </p>
          <ul class="recovery-codes mono" aria-label="Recovery codes">
            {notice.codes.map((code) => (
              <li>{code}</li>
            ))}
          </ul>
        </>
      ) : notice?.kind === 'enrol' ? (
        <>
          <p>
            Scan this code with an authenticator app (1Password, Google Authenticator, Authy, …), or enter the setup key by hand. Then type
            the 6-digit code the app shows.
          </p>
          <div class="qr" role="img" aria-label="QR code with the setup key for your authenticator app">
            {raw(renderSVG(notice.enrolment.uri, { border: 2 }))}
          </div>
          <CopyField id="totp-secret" label="Setup key" value={notice.enrolment.secret} />
          {notice.error ? <Notice tone="bad">{notice.error}</Notice> : null}
          <form method="post" action="/app/account/two-step/confirm" class="stack">
            <Csrf token={frame.csrf} />
            <div class="field">
              <label for="code">Code from the app</label>
              <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength={7} required />
            </div>
            <button type="submit" class="button primary">
              Turn on two-step sign-in
            </button>
          </form>
        </>
      ) : secondFactor.enabled ? (
        <>
          <p>
            <strong>On.</strong> Sign-in asks for a code from your authenticator app. {secondFactor.recoveryLeft} of 10 recovery codes left.
          </p>
          <form method="post" action="/app/account/two-step/disable" class="stack">
            <Csrf token={frame.csrf} />
            <div class="field">
              <label for="disable-code">Current code from the app (to turn it off)</label>
              <input
                id="disable-code"
                name="code"
                inputmode="numeric"
                autocomplete="one-time-code"
                pattern="[0-9 ]{6,7}"
                maxlength={7}
                required
              />
            </div>
            <button type="submit" class="button danger">
              Turn off two-step sign-in
            </button>
          </form>
        </>
      ) : (
        <>
          <p>
            <strong>Off.</strong> Add a second step to sign-in: after your password, a 6-digit code from an app on your phone. Someone who
            learns your password still cannot sign in.
          </p>
          <form method="post" action="/app/account/two-step/start">
            <Csrf token={frame.csrf} />
            <button type="submit" class="button primary">
              Set up two-step sign-in
            </button>
          </form>
        </>
      )}
    </section>

    <section class="panel stack" aria-labelledby="everywhere">
      <h2 id="everywhere">Sign out everywhere</h2>
      <p>Ends every session of yours in every browser, this one included. Use it after signing in on a computer that is not yours.</p>
      <form method="post" action="/app/account/sign-out-everywhere">
        <Csrf token={frame.csrf} />
        <button type="submit" class="button">
          Sign out everywhere
        </button>
      </form>
    </section>
  </AppPage>
);
