import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../env';
import { buildServices, type Services } from '../../services';
import type { ListenPostback, ListenReady } from './messages';
import { parseResult } from './messages';

/** A session that has not pinged for this long is gone (the tool pings every 20 s). */
const STALE_AFTER_MS = 120_000;
/** Close code for a session whose token was revoked: the tool stops instead of reconnecting. */
const TOKEN_REVOKED = 4001;

interface Attachment {
  tokenId: string;
  session: string;
  connectedAt: number;
}

/**
 * The live `aimbrellapay listen` sessions of one shop (one object per shop, test mode only).
 * Hibernatable WebSockets: an idle session costs no running object, and `ping` is answered by the
 * runtime without waking it. Each socket is tagged with its token id, so revoking the token
 * closes exactly its sessions. Pushes go to every open session; a session's reports of what the
 * shop's local endpoint answered are written into the payment's delivery log.
 */
export class ListenObject extends DurableObject<Env> {
  private readonly services: Pick<Services, 'log' | 'payments'> = buildServices(this.env);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  /** The upgrade, already authenticated by the Worker: accepts the socket under its token. */
  override async fetch(request: Request): Promise<Response> {
    const tokenId = request.headers.get('x-listen-token-id');
    const shopId = request.headers.get('x-listen-shop-id');
    if (!tokenId || !shopId || request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response(null, { status: 400 });
    const { 0: client, 1: server } = new WebSocketPair();
    const session = `ls_${crypto.randomUUID().replaceAll('-', '')}`;
    this.ctx.acceptWebSocket(server, [tokenId]);
    server.serializeAttachment({ tokenId, session, connectedAt: Date.now() } satisfies Attachment);
    server.send(JSON.stringify({ type: 'ready', session, shopId } satisfies ListenReady));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends the postbacks to every live session; returns how many sessions got them. */
  push(postbacks: ListenPostback[]): number {
    let sent = 0;
    for (const ws of this.ctx.getWebSockets()) {
      if (this.stale(ws)) {
        ws.close(1001, 'no ping for two minutes');
        continue;
      }
      try {
        for (const p of postbacks) ws.send(JSON.stringify(p));
        sent += 1;
      } catch {
        // The socket closed between the list and the send: nothing to deliver to.
      }
    }
    return sent;
  }

  /** The token was revoked: its sessions end now. */
  revoke(tokenId: string): number {
    const sockets = this.ctx.getWebSockets(tokenId);
    for (const ws of sockets) ws.close(TOKEN_REVOKED, 'token revoked');
    return sockets.length;
  }

  sessionCount(): number {
    return this.ctx.getWebSockets().length;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== 'string') return;
    const result = parseResult(message);
    if (!result) return;
    const { session } = ws.deserializeAttachment() as Attachment;
    try {
      await this.services.payments.object(result.paymentId).recordListenAnswer({ ...result, session, at: new Date().toISOString() });
    } catch (err) {
      this.services.log.warn('listen answer not recorded', { err, webhookId: result.webhookId });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'bye');
    } catch {
      // Already closed.
    }
  }

  private stale(ws: WebSocket): boolean {
    const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime();
    const since = lastPing ?? (ws.deserializeAttachment() as Attachment).connectedAt;
    return Date.now() - since > STALE_AFTER_MS;
  }
}
