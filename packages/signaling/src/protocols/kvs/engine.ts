/**
 * Amazon KVS WebRTC signaling as a protocol on the signaling core, at `/kvs`: masters and viewers of
 * a channel, admitted by a SigV4-presigned URL, exchange SDP offers, answers and ICE candidates.
 * Master to viewer by RecipientClientId, viewer to master implicitly, never viewer to viewer; a
 * viewer's messages to an absent master wait in the mailbox. A new master replaces the old one, a
 * viewer reusing its id replaces its earlier connection, on this node or another. docs/kvs.md.
 */
import type { Admission, ConnApi, Protocol } from '../../core/protocol.js';
import { TokenBucket } from '../../core/token-bucket.js';
import { CloseCode, type AuthResult, type ConnId, type ConnMeta } from '../../core/types.js';
import type { SignedRequest, SigV4Result } from '../../auth/sigv4-types.js';
import { SIGV4_HTTP_STATUS } from '../../auth/sigv4/failures.js';
import type { Router } from '../../routing/router.js';
import { RECORD_VERSION } from '../../store/records.js';
import { parseChannelArn } from './arn.js';
import { KVS_ID, kvsControl, kvsEvent, kvsStatusResponse, parseKvsFrame } from './frames.js';
import type { KvsAction, KvsFrameError } from './frames.js';
import { admitByToken, bearerOf, type TokenAdmissionDeps } from './token-admission.js';
import {
  DEFAULT_KVS_OPTIONS,
  NULL_KVS_OBSERVER,
  type KvsChannel,
  type KvsObserver,
  type KvsOptions,
} from './options.js';

/** Who a connection is, as its admission proved. */
export interface KvsIdentity {
  readonly arn: string;
  readonly channel: string;
  readonly role: 'master' | 'viewer';
  /** The viewer's X-Amz-ClientId; '' for the master. */
  readonly clientId: string;
  /** The access key that signed the URL; '' for a client admitted by a KVS join token. */
  readonly accessKeyId: string;
  /** How long a message to the absent master waits (ms; the channel's MessageTtlSeconds). */
  readonly messageTtlMs: number | undefined;
}

export interface KvsEngineDeps {
  readonly router: Router;
  /** Checks the presigned URL of a connection (auth/sigv4). */
  readonly verify: (meta: ConnMeta, now: number) => Promise<SigV4Result>;
  readonly channelByArn: (arn: string) => Promise<KvsChannel | undefined>;
  /**
   * Admission by a peerlink KVS join token (`Authorization: Bearer`, the QUIC carrier's JOIN): how to
   * verify one and find its channel. Without it, a bearer token is refused.
   */
  readonly tokens?: TokenAdmissionDeps;
  readonly options?: Partial<KvsOptions>;
  readonly observer?: KvsObserver;
}

const SCOPE = 'kvs/';
const presenceId = (i: { channel: string; role: string; clientId: string }): string =>
  i.role === 'master' ? `${SCOPE}${i.channel}/master` : `${SCOPE}${i.channel}/viewer/${i.clientId}`;
const viewersKey = (channel: string): string => `${SCOPE}viewers/${channel}`;

/** The upgrade request as SigV4 sees it: GET of the raw path, the query, the headers, no body. */
export function presignedRequestOf(meta: ConnMeta): SignedRequest {
  const raw = meta.url ?? meta.path;
  const q = raw.indexOf('?');
  return {
    method: 'GET',
    path: q < 0 ? raw : raw.slice(0, q),
    query: meta.query,
    headers: meta.headers,
    body: new Uint8Array(),
  };
}

/** AWS's JSON error body, as the SDKs parse it. */
const awsError = (status: number, type: string, message: string, reason: string): Admission => ({
  ok: false,
  status,
  body: JSON.stringify({ __type: type, message }),
  contentType: 'application/json',
  reason,
});

interface KvsConn {
  readonly identity: KvsIdentity;
  readonly buckets: Record<KvsAction, TokenBucket>;
}

export class KvsEngine implements Protocol {
  readonly name = 'kvs';
  readonly path = '/kvs';
  readonly options: KvsOptions;
  readonly limits: KvsOptions;
  readonly #deps: KvsEngineDeps;
  readonly #obs: KvsObserver;
  readonly #conns = new Map<ConnId, KvsConn>();
  /** Presence id -> the connection here that holds it. */
  readonly #held = new Map<string, ConnId>();
  #api!: ConnApi;
  #lastHeartbeat = -Infinity;

  constructor(deps: KvsEngineDeps) {
    this.options = this.limits = { ...DEFAULT_KVS_OPTIONS, ...deps.options };
    this.#deps = deps;
    this.#obs = deps.observer ?? NULL_KVS_OBSERVER;
    deps.router.register(SCOPE, {
      deliverText: (conn, id, text) => {
        if (this.#held.get(id) !== conn || !this.#api.live(conn)) return false;
        this.#api.send(conn, text);
        return true;
      },
      deliverRelay: () => {}, // KVS has no relay frames
      control: (conn, id, word) => {
        if (word === 'replaced' && this.#held.get(id) === conn) this.#replace(conn);
      },
    });
  }

  attach(api: ConnApi): void {
    this.#api = api;
  }

  async admit(meta: ConnMeta, now: number): Promise<Admission> {
    const token = bearerOf(meta);
    if (token !== undefined) {
      const t = await admitByToken(this.#deps.tokens, token, meta, now);
      if (!t.ok) return awsError(t.status, t.type, t.message, t.reason);
      return this.#admitted(t.channel, t.role, t.clientId, '');
    }
    const arn = meta.query['X-Amz-ChannelARN'];
    if (arn === undefined)
      return awsError(400, 'InvalidArgumentException', 'X-Amz-ChannelARN is required', 'no-arn');
    const parsed = parseChannelArn(arn);
    if (!parsed)
      return awsError(400, 'InvalidArgumentException', `not a signaling channel ARN: ${arn}`, 'bad-arn');
    const clientId = meta.query['X-Amz-ClientId'];
    if (clientId !== undefined && !KVS_ID.test(clientId))
      return awsError(
        400,
        'InvalidArgumentException',
        'X-Amz-ClientId must match [a-zA-Z0-9_.-]{1,256}',
        'bad-client-id',
      );
    const auth = await this.#deps.verify(meta, now);
    if (!auth.ok) return awsError(SIGV4_HTTP_STATUS[auth.code], auth.code, auth.message, 'signature');
    const channel = await this.#deps.channelByArn(arn);
    if (!channel || channel.arn !== arn)
      return awsError(
        404,
        'ResourceNotFoundException',
        `The requested channel is not found or not active: ${arn}`,
        'no-channel',
      );
    return this.#admitted(
      channel,
      clientId === undefined ? 'master' : 'viewer',
      clientId ?? '',
      auth.accessKeyId,
    );
  }

  /** Who the client proved to be, if the channel has room for one more of its kind. */
  async #admitted(
    channel: KvsChannel,
    role: 'master' | 'viewer',
    clientId: string,
    accessKeyId: string,
  ): Promise<Admission> {
    const identity: KvsIdentity = {
      arn: channel.arn,
      channel: channel.name,
      role,
      clientId,
      accessKeyId,
      messageTtlMs: channel.messageTtlSeconds === undefined ? undefined : channel.messageTtlSeconds * 1000,
    };
    if (identity.role === 'viewer') {
      const max = channel.maxViewers ?? this.options.maxViewers;
      const viewers = await this.#deps.router.store.members(viewersKey(channel.name));
      if (!viewers.includes(identity.clientId) && viewers.length >= max)
        return awsError(
          403,
          'ClientLimitExceededException',
          `channel ${channel.name} has its maximum of ${max} viewers`,
          'viewer-limit',
        );
    }
    return { ok: true, identity };
  }

  async opened(conn: ConnId, meta: ConnMeta, now: number): Promise<void> {
    const identity = meta.identity as KvsIdentity | undefined;
    if (!identity) return this.#api.close(conn, CloseCode.Unauthorized, 'not admitted');
    const bucket = (rate: number): TokenBucket => new TokenBucket(rate, rate, now);
    const o = this.options;
    this.#conns.set(conn, {
      identity,
      buckets: {
        SDP_OFFER: bucket(o.offersPerSecond),
        SDP_ANSWER: bucket(o.answersPerSecond),
        ICE_CANDIDATE: bucket(o.candidatesPerSecond),
      },
    });
    const id = presenceId(identity);
    const store = this.#deps.router.store;
    const before = await store.getPresence(id);
    const local = this.#held.get(id);
    if (local !== undefined && local !== conn) this.#replace(local);
    else if (before && before.node !== this.#deps.router.nodeId)
      await this.#deps.router.sendControl(before, 'replaced').catch(() => false);
    this.#held.set(id, conn);
    await store.setPresence(
      {
        v: RECORD_VERSION,
        id,
        node: this.#deps.router.nodeId,
        conn,
        since: now,
        data: { arn: identity.arn },
      },
      o.presenceTtlMs,
    );
    if (identity.role === 'viewer')
      await store.addToSet(viewersKey(identity.channel), identity.clientId, o.presenceTtlMs * 4);
    this.#api.ready(conn);
    if (identity.role === 'master')
      for (const text of await store.mailboxTake(id, now)) this.#api.send(conn, text);
  }

  async text(conn: ConnId, text: string, now: number): Promise<void> {
    const c = this.#conns.get(conn);
    if (!c) return;
    const parsed = parseKvsFrame(text, this.options.maxPayloadBytes);
    if (!parsed.ok) return this.#refuse(conn, parsed.error);
    const f = parsed.frame;
    const me = c.identity;
    if (!c.buckets[f.action].take(1, now))
      return this.#refuse(conn, {
        errorType: 'ClientLimitExceededException',
        statusCode: '429',
        description: `over the ${f.action} rate of this connection`,
        correlationId: f.correlationId,
        reason: 'rate',
      });
    if (me.role === 'master' && f.recipientClientId === '')
      return this.#refuse(conn, {
        errorType: 'InvalidArgumentException',
        statusCode: '400',
        description: 'a master must name its RecipientClientId',
        correlationId: f.correlationId,
        reason: 'no-recipient',
      });
    // Never viewer to viewer: a viewer's messages go to the master, so naming anyone is an error
    // (the KVS JS SDK refuses to send one; the C SDK writes "").
    if (me.role === 'viewer' && f.recipientClientId !== '')
      return this.#refuse(conn, {
        errorType: 'InvalidArgumentException',
        statusCode: '400',
        description: "a viewer's messages go to the channel's master: RecipientClientId must be empty",
        correlationId: f.correlationId,
        reason: 'viewer-named-recipient',
      });
    const to =
      me.role === 'master'
        ? presenceId({ channel: me.channel, role: 'viewer', clientId: f.recipientClientId })
        : presenceId({ channel: me.channel, role: 'master', clientId: '' });
    const event =
      me.role === 'master'
        ? kvsEvent(f.action, f.messagePayload)
        : kvsEvent(f.action, f.messagePayload, me.clientId);
    const local = this.#held.get(to);
    if (local !== undefined && this.#api.live(local)) {
      this.#api.send(local, event);
      return this.#obs.forwarded(f.action);
    }
    // A viewer's message waits for an absent master; a master's for an absent viewer goes nowhere.
    const outcome = await this.#deps.router.sendText(to, event, {
      mailbox: me.role === 'viewer',
      now,
      ...(me.messageTtlMs !== undefined ? { ttlMs: me.messageTtlMs } : {}),
    });
    if (outcome !== 'dropped') return this.#obs.forwarded(f.action);
    const description =
      me.role === 'master'
        ? `no viewer ${f.recipientClientId} is connected to ${me.channel}`
        : `the master's mailbox of ${me.channel} is full`;
    this.#refuse(conn, {
      errorType: me.role === 'master' ? 'ResourceNotFoundException' : 'ClientLimitExceededException',
      statusCode: me.role === 'master' ? '404' : '429',
      description,
      correlationId: f.correlationId,
      reason: me.role === 'master' ? 'no-such-viewer' : 'mailbox-full',
    });
  }

  binary(conn: ConnId): void {
    this.#refuse(conn, {
      errorType: 'InvalidArgumentException',
      statusCode: '400',
      description: 'binary frames are not part of the KVS protocol',
      correlationId: undefined,
      reason: 'binary',
    });
  }

  authenticated(_conn: ConnId, _r: AuthResult): void {} // admitted at the door, never by a message

  async closed(conn: ConnId): Promise<void> {
    const c = this.#conns.get(conn);
    this.#conns.delete(conn);
    if (!c) return;
    const id = presenceId(c.identity);
    if (this.#held.get(id) !== conn) return; // replaced meanwhile
    this.#held.delete(id);
    const store = this.#deps.router.store;
    await store.deletePresence(id, this.#deps.router.nodeId, conn).catch(() => false);
    if (c.identity.role === 'viewer')
      await store.removeFromSet(viewersKey(c.identity.channel), c.identity.clientId).catch(() => undefined);
  }

  async tick(now: number): Promise<void> {
    if (now - this.#lastHeartbeat < this.options.presenceTtlMs / 3) return;
    this.#lastHeartbeat = now;
    const store = this.#deps.router.store;
    const ids = [...this.#held.keys()];
    const channels = new Set(
      [...this.#conns.values()]
        .filter((c) => c.identity.role === 'viewer')
        .map((c) => viewersKey(c.identity.channel)),
    );
    try {
      if (ids.length > 0) await store.refreshPresence(ids, this.options.presenceTtlMs);
      if (channels.size > 0) await store.touch([...channels], this.options.presenceTtlMs * 4);
    } catch {
      // an outage is reported by the store's health; the next heartbeat tries again
    }
  }

  errorFrame(code: string, message: string, extra?: Readonly<Record<string, unknown>>): string | undefined {
    const correlationId = extra?.['correlationId'];
    if (typeof correlationId !== 'string') return undefined; // KVS answers only what carried a CorrelationId
    const statusCode = (extra?.['statusCode'] as '400' | '404' | '429' | undefined) ?? '400';
    return kvsStatusResponse({
      errorType: code as 'InvalidArgumentException',
      statusCode,
      description: message,
      correlationId,
    });
  }

  goAwayFrame(): string {
    return kvsControl('GO_AWAY');
  }

  /**
   * RECONNECT_ICE_SERVER to every client connected here (the TURN secret rotated or the ICE servers
   * changed): the SDKs fetch their ICE configuration again. Returns how many were told.
   */
  reconnectIceServers(): number {
    const frame = kvsControl('RECONNECT_ICE_SERVER');
    let told = 0;
    for (const conn of this.#conns.keys()) {
      if (!this.#api.live(conn)) continue;
      this.#api.send(conn, frame);
      told++;
    }
    return told;
  }

  #refuse(conn: ConnId, e: KvsFrameError): void {
    this.#obs.refused(e.errorType, e.reason);
    const extra =
      e.correlationId === undefined
        ? { statusCode: e.statusCode }
        : { correlationId: e.correlationId, statusCode: e.statusCode };
    this.#api.fail(conn, e.errorType, e.description, extra);
  }

  /** A newer connection took this one's place: it closes with a reason. */
  #replace(old: ConnId): void {
    const c = this.#conns.get(old);
    if (c) this.#held.delete(presenceId(c.identity));
    this.#api.close(old, CloseCode.Replaced, 'replaced by a newer connection with the same role and id');
  }
}
