import type { Member, MemberInvite, Mode } from '../../../generated/api/types.gen';
import type { Clock } from '../../platform/lib/clock';
import { randomBase62, sha256Hex } from '../../platform/lib/crypto';
import type { LoginThrottle } from '../../platform/limits/login-throttle';
import { hashPassword, parsePasswordHash, verifyPassword } from '../../platform/security/password';
import type { SessionTimes, SessionView, ShopMembersObject } from './members-object';

export const INVITE_TTL_MS = 72 * 3600_000;
export const SESSION_TIMES: SessionTimes = { idleMs: 2 * 3600_000, absoluteMs: 12 * 3600_000 };
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export type MembersNamespace = DurableObjectNamespace<ShopMembersObject>;

export interface MemberDeps {
  ns: MembersNamespace;
  kv: KVNamespace;
  /** Per-account and per-IP sign-in lockout on the strongly consistent limiter (src/platform/limits/). */
  throttle: LoginThrottle;
  clock: Clock;
  publicBaseUrl: string;
}

/** A signed-in member: exactly one shop, one mode at a time. */
export interface AppSession extends SessionView {
  shopId: string;
  /** The cookie value (kept to end or change this session). */
  cookie: string;
}

export type SignInResult =
  | { ok: true; cookie: string }
  | { ok: false; reason: 'wrong' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number; scope: 'account' | 'ip' };

export type AcceptResult = { ok: true; cookie: string } | { ok: false; reason: 'unknown' | 'expired' | 'used' | 'weak' };

export class MemberConflict extends Error {}

/**
 * Members of a shop and their sessions (DESIGN §9). Invite links and session cookies are
 * `<shopId>.<secret>`: the shop id routes to the shop's members object, the 256-bit secret is the
 * credential (stored only as its SHA-256). The email → shop hint in KV only routes a sign-in;
 * the members object decides. Each email belongs to one shop.
 */
export class MemberService {
  constructor(private readonly d: MemberDeps) {}

  private obj(shopId: string): DurableObjectStub<ShopMembersObject> {
    return this.d.ns.get(this.d.ns.idFromName(`members:${shopId}`));
  }

  async invite(shopId: string, rawEmail: string): Promise<MemberInvite> {
    const email = normaliseEmail(rawEmail);
    const other = await this.d.kv.get(emailKey(await sha256Hex(email)));
    if (other && other !== shopId && (await this.obj(other).list()).some((m) => m.email === email)) {
      throw new MemberConflict(`${email} is already a member of another shop.`);
    }
    const secret = randomBase62(43);
    const now = this.d.clock.now().getTime();
    const member = await this.obj(shopId).invite(shopId, email, `mem_${randomBase62(16)}`, await sha256Hex(secret), now, INVITE_TTL_MS);
    await this.d.kv.put(emailKey(await sha256Hex(email)), shopId);
    return {
      member,
      inviteUrl: `${this.d.publicBaseUrl}/app/invite/${shopId}.${secret}`,
      expiresAt: new Date(now + INVITE_TTL_MS).toISOString(),
    };
  }

  list(shopId: string): Promise<Member[]> {
    return this.obj(shopId).list();
  }

  async remove(shopId: string, memberId: string): Promise<Member | null> {
    const removed = await this.obj(shopId).remove(memberId);
    if (removed) await this.d.kv.delete(emailKey(await sha256Hex(removed.email)));
    return removed;
  }

  async inviteState(token: string) {
    const t = splitSecret(token);
    if (!t) return { ok: false as const, reason: 'unknown' as const };
    return this.obj(t.shopId).inviteState(await sha256Hex(t.secret), this.d.clock.now().getTime());
  }

  async acceptInvite(token: string, password: string): Promise<AcceptResult> {
    const t = splitSecret(token);
    if (!t) return { ok: false, reason: 'unknown' };
    if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) return { ok: false, reason: 'weak' };
    const session = await newSession();
    const state = await this.obj(t.shopId).acceptInvite(
      await sha256Hex(t.secret),
      await hashPassword(password),
      session.stored,
      this.d.clock.now().getTime(),
    );
    return state.ok ? { ok: true, cookie: `${t.shopId}.${session.secret}` } : state;
  }

  /**
   * Counts the attempt first, atomically, on the limiter (per account and per IP, before the slow
   * hash, so a parallel burst gets no more checks than the budget), then checks the password.
   */
  async signIn(rawEmail: string, password: string, ip: string): Promise<SignInResult> {
    const email = normaliseEmail(rawEmail);
    const attempt = { ip, account: await sha256Hex(email) };
    const verdict = await this.d.throttle.begin(attempt, this.d.clock.now());
    if (!verdict.allowed)
      return { ok: false, reason: 'locked', scope: verdict.scope ?? 'account', retryAfterSeconds: verdict.retryAfterSeconds };
    const shopId = await this.d.kv.get(emailKey(await sha256Hex(email)));
    const creds = shopId ? await this.obj(shopId).credentials(email) : null;
    const stored = parsePasswordHash(creds?.passwordHash);
    const ok = stored ? await verifyPassword(password, stored) : await hashPassword(password).then(() => false); // same cost either way
    if (!ok || !creds || !shopId) return { ok: false, reason: 'wrong' };
    const session = await newSession();
    if (!(await this.obj(shopId).openSession(creds.memberId, creds.passwordHash, session.stored, this.d.clock.now().getTime())))
      return { ok: false, reason: 'wrong' };
    await this.d.throttle.succeeded(attempt);
    return { ok: true, cookie: `${shopId}.${session.secret}` };
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
export function splitSecret(value: string): { shopId: string; secret: string } | null {
  const m = /^(shop_[A-Za-z0-9]{8,40})\.([A-Za-z0-9]{43})$/.exec(value);
  return m ? { shopId: m[1]!, secret: m[2]! } : null;
}

export const normaliseEmail = (email: string) => email.trim().toLowerCase();
const emailKey = (hash: string) => `member-email:${hash}`;
