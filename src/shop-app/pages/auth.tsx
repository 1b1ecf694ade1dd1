/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../platform/security/password-policy';
import { CardPage, Notice } from '../layout';

export const SignInPage: FC<{ error?: string; email?: string }> = ({ error, email }) => (
  <CardPage title="Sign in">
    <h1>Sign in to your shop</h1>
    {error ? <Notice tone="bad">{error}</Notice> : null}
    <form method="post" action="/app/sign-in" class="stack">
      <div class="field">
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value={email ?? ''} autofocus />
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
      </div>
      <button type="submit" class="button primary wide">
        Sign in
      </button>
    </form>
    <p class="hint">Forgot your password? Ask your AimbrellaPay contact for a new invite link; it lets you set a new one.</p>
  </CardPage>
);

export const SecondFactorPage: FC<{ challenge: string; error?: string }> = ({ challenge, error }) => (
  <CardPage title="Two-step sign-in">
    <h1>Enter your code</h1>
    <p>
      Open your authenticator app and enter the 6-digit code for AimbrellaPay. Lost your phone? Enter one of your recovery codes instead.
    </p>
    {error ? <Notice tone="bad">{error}</Notice> : null}
    <form method="post" action="/app/sign-in/code" class="stack">
      <input type="hidden" name="challenge" value={challenge} />
      <div class="field">
        <label for="code">Code</label>
        <input
          id="code"
          name="code"
          type="text"
          inputmode="text"
          autocomplete="one-time-code"
          required
          autofocus
          maxlength={40}
          spellcheck={false}
        />
      </div>
      <button type="submit" class="button primary wide">
        Sign in
      </button>
    </form>
    <p class="hint">The code step expires after 5 minutes; then enter your password again.</p>
  </CardPage>
);

export const InvitePage: FC<{ action: string; email: string; error?: string }> = ({ action, email, error }) => (
  <CardPage title="Set your password">
    <h1>Set your password</h1>
    <p>
      You are signing in as <strong>{email}</strong>.
    </p>
    {error ? <Notice tone="bad">{error}</Notice> : null}
    <form method="post" action={action} class="stack">
      <input type="text" name="username" autocomplete="username" value={email} hidden readonly />
      <div class="field">
        <label for="password">New password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          minlength={PASSWORD_MIN}
          maxlength={PASSWORD_MAX}
          required
          autofocus
          aria-describedby="password-hint"
        />
        <p class="hint" id="password-hint">
          At least {PASSWORD_MIN} characters. A passphrase of a few unrelated words works well; common passwords, runs like 1234567890 and
          anything made from your email are refused.
        </p>
      </div>
      <div class="field">
        <label for="confirm">Repeat the password</label>
        <input
          id="confirm"
          name="confirm"
          type="password"
          autocomplete="new-password"
          minlength={PASSWORD_MIN}
          maxlength={PASSWORD_MAX}
          required
        />
      </div>
      <button type="submit" class="button primary wide">
        Set password and sign in
      </button>
    </form>
  </CardPage>
);

export const InviteUnusablePage: FC<{ reason: 'unknown' | 'expired' | 'used' }> = ({ reason }) => (
  <CardPage title="Invite link not valid">
    <h1>
      {reason === 'expired'
        ? 'This invite link has expired'
        : reason === 'used'
          ? 'This invite link was already used'
          : 'This invite link is not valid'}
    </h1>
    <p>Invite links work once and for 72 hours. Ask your AimbrellaPay contact for a new one, or sign in if you have set your password.</p>
    <p>
      <a class="button" href="/app/sign-in">
        Go to sign-in
      </a>
    </p>
  </CardPage>
);

export const MessagePage: FC<{ title: string; message: string }> = ({ title, message }) => (
  <CardPage title={title}>
    <h1>{title}</h1>
    <p>{message}</p>
    <p>
      <a class="button" href="/app/sign-in">
        Go to sign-in
      </a>
    </p>
  </CardPage>
);
