import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/**
 * One Durable Object per payment owns its state machine (DESIGN §4): strongly consistent from
 * every location, single-threaded, so idempotency and transitions cannot race.
 */
export class PaymentObject extends DurableObject<Env> {}
