/**
 * Delivers a message to a client wherever it is connected: the protocol delivers to its own local
 * connections itself; for the rest the router reads the client's presence and publishes an envelope
 * on the bus to the node that holds it, or holds the message in the mailbox while the client is away.
 * On the receiving side it hands envelopes to the protocol that owns the id's scope (`p2p/`).
 */
import type { PresenceRecord } from '../store/records.js';
import type { SignalBus, SignalStore } from '../store/store.js';
import { decodeEnvelope, encodeEnvelope, EnvelopeKind, type Envelope } from './envelope.js';

/** A protocol's side of the router: delivery to the connections it holds on this node. */
export interface LocalSink {
  /** Returns false when `conn` no longer holds `id` here (the message then goes to the mailbox). */
  deliverText(conn: number, id: string, text: string, session: number): boolean;
  deliverRelay(conn: number, id: string, frame: Uint8Array): void;
  control(conn: number, id: string, word: string): void;
}

export type TextOutcome = 'remote' | 'mailbox' | 'dropped';

export interface RouterObserver {
  /** An envelope arrived that could not be decoded, or named a scope nobody serves. */
  badEnvelope(): void;
  /** Cross-node traffic, for the cost of a cluster: envelopes out and in, by kind. */
  crossed(direction: 'out' | 'in', kind: 'text' | 'relay' | 'control', bytes: number): void;
}

/** Where an envelope goes: a client id on a node's connection. */
type Target = Pick<PresenceRecord, 'id' | 'node' | 'conn'>;

const KIND_NAME = { 1: 'text', 2: 'relay', 3: 'control', 4: 'text' } as const;

const encoder = new TextEncoder();

/** A HeldText payload: the mailbox TTL (u32 ms, 0 for the store's default), then the text. */
function heldText(text: string, ttlMs: number | undefined): Uint8Array {
  const body = encoder.encode(text);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, Math.min(Math.max(0, Math.round(ttlMs ?? 0)), 0xffffffff));
  out.set(body, 4);
  return out;
}

export class Router {
  readonly #sinks = new Map<string, LocalSink>();
  readonly #enc = new TextEncoder();
  readonly #dec = new TextDecoder();

  constructor(
    readonly store: SignalStore,
    readonly bus: SignalBus,
    readonly observer: RouterObserver = { badEnvelope() {}, crossed() {} },
    private readonly now: () => number = Date.now,
  ) {}

  get nodeId(): string {
    return this.bus.nodeId;
  }

  /** Serves envelopes for ids under `scope` (`p2p/`). */
  register(scope: string, sink: LocalSink): void {
    this.#sinks.set(scope, sink);
  }

  start(): Promise<void> {
    return this.bus.listen((b) => this.#receive(b));
  }

  /**
   * Sends text to a client this node does not hold: to its node, else to its mailbox when `mailbox`.
   * Rejects with StoreError STORE_UNAVAILABLE when the store cannot say where the client is.
   */
  async sendText(
    id: string,
    text: string,
    opts: { session?: number; mailbox: boolean; now: number; ttlMs?: number },
  ): Promise<TextOutcome> {
    const p = await this.store.getPresence(id);
    if (p && p.node !== this.nodeId) {
      const env = opts.mailbox
        ? this.#envelope(EnvelopeKind.HeldText, p, opts.session ?? 0, heldText(text, opts.ttlMs))
        : this.#envelope(EnvelopeKind.Text, p, opts.session ?? 0, this.#enc.encode(text));
      if ((await this.bus.publish(p.node, env)) > 0) return 'remote';
    }
    if (!opts.mailbox) return 'dropped';
    return (await this.store.mailboxPut(id, text, opts.now, opts.ttlMs)) ? 'mailbox' : 'dropped';
  }

  /**
   * Sends text to a connection whose node the caller already knows (no presence lookup, no mailbox):
   * the IM protocol addresses devices and call owners this way. Resolves false when that node is gone.
   */
  async sendTextAt(to: Target, text: string): Promise<boolean> {
    return (
      (await this.bus.publish(to.node, this.#envelope(EnvelopeKind.Text, to, 0, this.#enc.encode(text)))) > 0
    );
  }

  /** Sends a relay frame to a client at a known presence; resolves false when nobody took it. */
  async sendRelay(to: PresenceRecord, frame: Uint8Array): Promise<boolean> {
    return (await this.bus.publish(to.node, this.#envelope(EnvelopeKind.Relay, to, 0, frame))) > 0;
  }

  /** A control word (`replaced`) for a client's connection on its node. */
  async sendControl(to: PresenceRecord, word: string): Promise<boolean> {
    const env = this.#envelope(EnvelopeKind.Control, to, 0, this.#enc.encode(word));
    return (await this.bus.publish(to.node, env)) > 0;
  }

  #envelope(kind: EnvelopeKind, to: Target, session: number, payload: Uint8Array): Uint8Array {
    const env: Envelope = { kind, conn: to.conn, session, id: to.id, payload };
    const bytes = encodeEnvelope(env);
    this.observer.crossed('out', KIND_NAME[kind], bytes.length);
    return bytes;
  }

  #receive(bytes: Uint8Array): void {
    const env = decodeEnvelope(bytes);
    const sink = env ? this.#sinkFor(env.id) : undefined;
    if (!env || !sink) return this.observer.badEnvelope();
    this.observer.crossed('in', KIND_NAME[env.kind], bytes.length);
    if (env.kind === EnvelopeKind.Relay) return sink.deliverRelay(env.conn, env.id, env.payload);
    const held = env.kind === EnvelopeKind.HeldText;
    const text = this.#dec.decode(held ? env.payload.subarray(4) : env.payload);
    if (env.kind === EnvelopeKind.Control) return sink.control(env.conn, env.id, text);
    if (sink.deliverText(env.conn, env.id, text, env.session) || !held) return;
    // The client left this node after the sender looked it up: hold the message for its return, as
    // long as the sender asked (a channel's MessageTtlSeconds travels with it).
    const p = env.payload;
    const ttlMs = ((p[0] ?? 0) << 24) + ((p[1] ?? 0) << 16) + ((p[2] ?? 0) << 8) + (p[3] ?? 0);
    this.store
      .mailboxPut(env.id, text, this.now(), ttlMs > 0 ? ttlMs : undefined)
      .catch(() => this.observer.badEnvelope());
  }

  #sinkFor(id: string): LocalSink | undefined {
    const slash = id.indexOf('/');
    return slash < 0 ? undefined : this.#sinks.get(id.slice(0, slash + 1));
  }
}
