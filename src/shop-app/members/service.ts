import type { Member, MemberInvite, MemberRole, Mode } from '../../../generated/api/types.gen';
import type { Clock } from '../../platform/lib/clock';
import { randomBase62, sha256Hex } from '../../platform/lib/crypto';
import type { Sealed, SecretBox } from '../../platform/lib/secret-box';
import type { LoginThrottle } from '../../platform/limits/login-throttle';
import { hashPassword, parsePasswordHash, verifyPassword } from '../../platform/security/password';
import { type PasswordRule, passwordProblem } from '../../platform/security/password-policy';
import { readWithOneRetry } from '../../platform/transient';
import type { AuditEntry, SessionTimes, SessionView, ShopMembersObject } from './members-object';
import {
  issueDeviceCookie,
  looksLikeRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  recoveryCodeHash,
  totpStep,
  totpUri,
  verifyDeviceCookie,
} from './second-factor';

const INVITE_TTL_MS = 72 * 3600_000;
const SESSION_TIMES: SessionTimes = { idleMs: 2 * 3600_000, absoluteMs: 12 * 3600_000 };
/** How long the code step of a sign-in waits after the right password. */
const SECOND_FACTOR_TTL_MS = 5 * 60_000;

export type MembersNamespace = DurableObjectNamespace<ShopMembersObject>;

export interface MemberDeps {
  ns: MembersNamespace;
  kv: KVNamespace;
  /** Per-account and per-IP sign-in lockout on the strongly consistent limiter (src/platform/limits/). */
  throttle: LoginThrottle;
  /** Seals the members' TOTP secrets at rest (they must be read back to check a code). */
  box: SecretBox;
  clock: Clock;
  publicBaseUrl: string;
}

/** A signed-in member: exactly one shop, one mode at a time. */
export interface AppSession extends SessionView {
  shopId: string;
  /** The cookie value (kept to end or change this session). */
  cookie: string;
}

/** `device`: a new device cookie to set (the browser had none for this member). */
type SignedIn = { ok: true; cookie: string; device: string | null };

export type SignInResult =
  | SignedIn
  | { ok: false; reason: 'wrong' }
  | { ok: false; reason: 'second-factor'; challenge: string }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number; scope: 'account' | 'ip' };

export type SecondFactorResult =
  | SignedIn
  | { ok: false; reason: 'wrong-code' | 'expired' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number; scope: 'account' | 'ip' };

export type AcceptResult =
  | SignedIn
  | { ok: false; reason: 'unknown' | 'expired' | 'used' }
  | { ok: false; reason: 'weak'; rule: PasswordRule };

export type TotpEnrolment = { secret: string; uri: string };

export class MemberConflict extends Error {}

/** Who changed something: a signed-in member, or an operator through the admin API. */
export type Actor = { memberId: string; email: string } | 'operator';

export type AuditAction =
  | 'member.invited'
  | 'member.removed'
  | 'member.role-changed'
  | 'token.issued'
  | 'token.revoked'
  | 'webhook-secret.rotated'
  | 'postback.test-sent'
  | 'postback.resent'
  | 'two-step.enabled'
  | 'two-step.disabled'
  | 'sessions.ended-everywhere';

/**
 * Members of a shop and their sessions (docs/architecture.md#the-shop-app-and-its-payments-index). Invite links and session cookies are
 * `<shopId>.<secret>`: the shop id routes to the shop's members object, the 256-bit secret is the
 * credential (stored only as its SHA-256). The email → shop hint in KV only routes a sign-in;
 * the members object decides. Each email belongs to one shop.
 */
export class MemberService {
  constructor(private readonly d: MemberDeps) {}

  private obj(shopId: string): DurableObjectStub<ShopMembersObject> {
    return this.d.ns.get(this.d.ns.idFromName(`members:${shopId}`));
  }

  async invite(shopId: string, rawEmail: string, actor: Actor, role?: MemberRole): Promise<MemberInvite> {
    const email = normaliseEmail(rawEmail);
    const other = await this.d.kv.get(emailKey(await sha256Hex(email)));
    if (other && other !== shopId && (await this.obj(other).list()).some((m) => m.email === email)) {
      throw new MemberConflict(`${email} is already a member of another shop.`);
    }
    const secret = randomBase62(43);
    const now = this.d.clock.now().getTime();
    const member = await this.obj(shopId).invite(
      shopId,
      email,
      `mem_${randomBase62(16)}`,
      await sha256Hex(secret),
      now,
      INVITE_TTL_MS,
      role,
    );
    await this.d.kv.put(emailKey(await sha256Hex(email)), shopId);
    await this.record(shopId, actor, 'member.invited', `${email} as ${member.role}`);
    return {
      member,
      inviteUrl: `${this.d.publicBaseUrl}/app/invite/${shopId}.${secret}`,
      expiresAt: new Date(now + INVITE_TTL_MS).toISOString(),
    };
  }

  /** A read: tried once more with a fresh stub on a transient storage failure (src/platform/transient.ts). */
  list(shopId: string): Promise<Member[]> {
    return readWithOneRetry(() => this.obj(shopId).list());
  }

  async remove(shopId: string, memberId: string, actor: Actor): Promise<Member | null> {
    const removed = await this.obj(shopId).remove(memberId);
    if (removed) {
      await this.d.kv.delete(emailKey(await sha256Hex(removed.email)));
      await this.record(shopId, actor, 'member.removed', `${removed.email} (${removed.role})`);
    }
    return removed;
  }

  member(shopId: string, memberId: string): Promise<Member | null> {
    return this.obj(shopId).member(memberId);
  }

  /** Owners besides this member who can sign in: an owner may not remove or demote the last one. */
  otherActiveOwners(shopId: string, memberId: string): Promise<number> {
    return this.obj(shopId).otherActiveOwners(memberId);
  }

  async setRole(shopId: string, memberId: string, role: MemberRole, actor: Actor): Promise<Member | 'last-owner' | null> {
    const before = await this.obj(shopId).member(memberId);
    const changed = await this.obj(shopId).setRole(memberId, role);
    if (changed && changed !== 'last-owner' && before)
      await this.record(shopId, actor, 'member.role-changed', `${changed.email}: ${before.role} → ${role}`);
    return changed;
  }

  /**
   * Appends to the shop's audit list. `detail` names what changed (ids, prefixes, emails) and never
   * a secret: the list is shown to the shop's owners.
   */
  async record(shopId: string, actor: Actor, action: AuditAction, detail: string): Promise<void> {
    const who = actor === 'operator' ? { memberId: 'operator', email: 'AimbrellaPay operator' } : actor;
    await this.obj(shopId).record({ at: this.d.clock.now().getTime(), memberId: who.memberId, email: who.email, action, detail });
  }

  auditList(shopId: string, limit: number, before?: number): Promise<AuditEntry[]> {
    return this.obj(shopId).auditList(limit, before);
  }

  async inviteState(token: string) {
    const t = splitSecret(token);
    if (!t) return { ok: false as const, reason: 'unknown' as const };
    return this.obj(t.shopId).inviteState(await sha256Hex(t.secret), this.d.clock.now().getTime());
  }

  async acceptInvite(token: string, password: string): Promise<AcceptResult> {
    const t = splitSecret(token);
    if (!t) return { ok: false, reason: 'unknown' };
    const invite = await this.obj(t.shopId).inviteState(await sha256Hex(t.secret), this.d.clock.now().getTime());
    if (!invite.ok) return invite;
    const rule = passwordProblem(password, invite.email);
    if (rule) return { ok: false, reason: 'weak', rule };
    const session = await newSession();
    const passwordHash = await hashPassword(password);
    const state = await this.obj(t.shopId).acceptInvite(
      await sha256Hex(t.secret),
      passwordHash,
      session.stored,
      this.d.clock.now().getTime(),
    );
    if (!state.ok) return state;
    return { ok: true, cookie: `${t.shopId}.${session.secret}`, device: await issueDeviceCookie(passwordHash, invite.email) };
  }

  /**
   * Counts the attempt first, atomically, on the limiter (per IP, and per account — or per device
   * when the browser carries this member's device cookie — before the slow hash, so a parallel
   * burst gets no more checks than the budget), then checks the password. With a second factor on,
   * the right password yields a challenge for the code step, not a session.
   */
  async signIn(rawEmail: string, password: string, ip: string, deviceCookie?: string): Promise<SignInResult> {
    const email = normaliseEmail(rawEmail);
    const shopId = await this.d.kv.get(emailKey(await sha256Hex(email)));
    const creds = shopId ? await this.obj(shopId).credentials(email) : null;
    const device = creds ? await verifyDeviceCookie(deviceCookie, creds.passwordHash, email) : null;
    const attempt = { ip, account: await sha256Hex(email), device };
    const verdict = await this.d.throttle.begin(attempt, this.d.clock.now());
    if (!verdict.allowed)
      return { ok: false, reason: 'locked', scope: verdict.scope ?? 'account', retryAfterSeconds: verdict.retryAfterSeconds };
    const stored = parsePasswordHash(creds?.passwordHash);
    const ok = stored ? await verifyPassword(password, stored) : await hashPassword(password).then(() => false); // same cost either way
    if (!ok || !creds || !shopId) return { ok: false, reason: 'wrong' };
    if (creds.secondFactor) {
      // The throttle is cleared only when the code is right: the code step spends the same budget.
      const challenge = randomBase62(43);
      await this.obj(shopId).beginSecondFactor(
        creds.memberId,
        creds.passwordHash,
        await sha256Hex(challenge),
        this.d.clock.now().getTime(),
        SECOND_FACTOR_TTL_MS,
      );
      return { ok: false, reason: 'second-factor', challenge: `${shopId}.${challenge}` };
    }
    const session = await newSession();
    if (!(await this.obj(shopId).openSession(creds.memberId, creds.passwordHash, session.stored, this.d.clock.now().getTime())))
      return { ok: false, reason: 'wrong' };
    await this.d.throttle.succeeded(attempt);
    return { ok: true, cookie: `${shopId}.${session.secret}`, device: device ? null : await issueDeviceCookie(creds.passwordHash, email) };
  }

  /** The code step: a TOTP code or a recovery code, counted on the same throttle keys as the password. */
  async completeSignIn(challengeToken: string, code: string, ip: string, deviceCookie?: string): Promise<SecondFactorResult> {
    const t = splitSecret(challengeToken);
    if (!t) return { ok: false, reason: 'expired' };
    const obj = this.obj(t.shopId);
    const challengeHash = await sha256Hex(t.secret);
    const now = this.d.clock.now();
    const pending = await obj.pendingSignIn(challengeHash, now.getTime());
    if (!pending) return { ok: false, reason: 'expired' };
    const device = await verifyDeviceCookie(deviceCookie, pending.passwordHash, pending.email);
    const attempt = { ip, account: await sha256Hex(pending.email), device };
    const verdict = await this.d.throttle.begin(attempt, now);
    if (!verdict.allowed)
      return { ok: false, reason: 'locked', scope: verdict.scope ?? 'account', retryAfterSeconds: verdict.retryAfterSeconds };
    const secret = await this.openTotp(pending.memberId, pending.sealedSecret);
    const step = totpStep(secret, code, now);
    const proof = step !== null ? { step } : looksLikeRecoveryCode(code) ? { recoveryHash: await recoveryCodeHash(code) } : null;
    if (!proof) {
      await obj.failSecondFactor(challengeHash);
      return { ok: false, reason: 'wrong-code' };
    }
    const session = await newSession();
    const outcome = await obj.completeSignIn(challengeHash, proof, session.stored, now.getTime());
    if (outcome !== 'ok') return { ok: false, reason: outcome === 'wrong' ? 'wrong-code' : 'expired' };
    await this.d.throttle.succeeded(attempt);
    return {
      ok: true,
      cookie: `${t.shopId}.${session.secret}`,
      device: device ? null : await issueDeviceCookie(pending.passwordHash, pending.email),
    };
  }

  async secondFactor(session: AppSession) {
    const state = await this.obj(session.shopId).secondFactor(session.memberId);
    return { enabled: state?.enabled === true, recoveryLeft: state?.recoveryLeft ?? 0 };
  }

  /** Enrolment, step 1: a new secret, staged until the member proves their app computes its codes. */
  async startTotp(session: AppSession): Promise<TotpEnrolment> {
    const secret = newTotpSecret();
    await this.obj(session.shopId).stageTotp(session.memberId, JSON.stringify(await this.d.box.seal(secret, totpOwner(session.memberId))));
    return { secret, uri: totpUri(secret, session.email) };
  }

  /** The staged secret, to show again after a wrong first code. */
  async stagedTotp(session: AppSession): Promise<TotpEnrolment | null> {
    const state = await this.obj(session.shopId).secondFactor(session.memberId);
    if (!state?.sealedPending) return null;
    const secret = await this.openTotp(session.memberId, state.sealedPending);
    return { secret, uri: totpUri(secret, session.email) };
  }

  /** Enrolment, step 2: the first code matches the staged secret → on, with recovery codes to show once. */
  async confirmTotp(session: AppSession, code: string): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false }> {
    const obj = this.obj(session.shopId);
    const state = await obj.secondFactor(session.memberId);
    if (!state?.sealedPending) return { ok: false };
    const step = totpStep(await this.openTotp(session.memberId, state.sealedPending), code, this.d.clock.now());
    if (step === null) return { ok: false };
    const recoveryCodes = newRecoveryCodes();
    const hashes = await Promise.all(recoveryCodes.map(recoveryCodeHash));
    if (!(await obj.enableTotp(session.memberId, state.sealedPending, step, hashes))) return { ok: false };
    return { ok: true, recoveryCodes };
  }

  /** Turning the factor off takes a current code (a left-open session alone cannot do it). */
  async disableTotp(session: AppSession, code: string): Promise<boolean> {
    const obj = this.obj(session.shopId);
    const state = await obj.secondFactor(session.memberId);
    if (!state?.sealedSecret) return false;
    const step = totpStep(await this.openTotp(session.memberId, state.sealedSecret), code, this.d.clock.now());
    if (step === null || !(await obj.useTotpStep(session.memberId, step))) return false;
    await obj.disableTotp(session.memberId);
    return true;
  }

  /** Ends every session of this member, in every browser (the current one too). */
  async signOutEverywhere(session: AppSession): Promise<number> {
    return this.obj(session.shopId).endAllSessions(session.memberId);
  }

  private openTotp(memberId: string, sealed: string): Promise<string> {
    return this.d.box.open(JSON.parse(sealed) as Sealed, totpOwner(memberId));
  }

  async resolve(cookie: string | undefined): Promise<AppSession | null> {
    const t = cookie ? splitSecret(cookie) : null;
    if (!t) return null;
    const view = await this.obj(t.shopId).resolveSession(await sha256Hex(t.secret), this.d.clock.now().getTime(), SESSION_TIMES);
    return view ? { ...view, shopId: t.shopId, cookie: cookie! } : null;
  }

  async signOut(session: AppSession): Promise<void> {
    const t = splitSecret(session.cookie)!;
    await this.obj(t.shopId).endSession(await sha256Hex(t.secret));
  }

  async setMode(session: AppSession, mode: Mode): Promise<void> {
    const t = splitSecret(session.cookie)!;
    await this.obj(t.shopId).setMode(await sha256Hex(t.secret), mode);
  }
}

async function newSession(): Promise<{ secret: string; stored: { hash: string; csrf: string } }> {
  const secret = randomBase62(43);
  return { secret, stored: { hash: await sha256Hex(secret), csrf: randomBase62(32) } };
}

/** `<shopId>.<43 base62>`, anything else is not ours. */
function splitSecret(value: string): { shopId: string; secret: string } | null {
  const m = /^(shop_[A-Za-z0-9]{8,40})\.([A-Za-z0-9]{43})$/.exec(value);
  return m ? { shopId: m[1]!, secret: m[2]! } : null;
}

const normaliseEmail = (email: string) => email.trim().toLowerCase();
const emailKey = (hash: string) => `member-email:${hash}`;
const totpOwner = (memberId: string) => `member-totp:${memberId}`;
