/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import { PASSWORD_MIN } from '../members/service';
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
      <button type="submit" class="button primary wide">Sign in</button>
    </form>
    <p class="hint">Forgot your password? Ask your AimbrellaPay contact for a new invite link; it lets you set a new one.</p>
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
        <input id="password" name="password" type="password" autocomplete="new-password" minlength={PASSWORD_MIN} maxlength={200} required autofocus aria-describedby="password-hint" />
        <p class="hint" id="password-hint">At least {PASSWORD_MIN} characters. A passphrase of a few words works well.</p>
      </div>
      <div class="field">
        <label for="confirm">Repeat the password</label>
        <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength={PASSWORD_MIN} maxlength={200} required />
      </div>
      <button type="submit" class="button primary wide">Set password and sign in</button>
    </form>
  </CardPage>
);

export const InviteUnusablePage: FC<{ reason: 'unknown' | 'expired' | 'used' }> = ({ reason }) => (
  <CardPage title="Invite link not valid">
    <h1>{reason === 'expired' ? 'This invite link has expired' : reason === 'used' ? 'This invite link was already used' : 'This invite link is not valid'}</h1>
    <p>Invite links work once and for 72 hours. Ask your AimbrellaPay contact for a new one, or sign in if you have set your password.</p>
    <p>
      <a class="button" href="/app/sign-in">Go to sign-in</a>
    </p>
  </CardPage>
);

export const MessagePage: FC<{ title: string; message: string }> = ({ title, message }) => (
  <CardPage title={title}>
    <h1>{title}</h1>
    <p>{message}</p>
    <p>
      <a class="button" href="/app/sign-in">Go to sign-in</a>
    </p>
  </CardPage>
);
