// The KVS protocol on the signaling core, sans-IO: admission at the door (signature, channel, viewer
// limit), frames as the C SDK and the JS SDK write them, routing master <-> viewers on one node and
// across nodes, the mailbox for an absent master, replacement, limits and hostile input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  KvsEngine,
  MemoryHub,
  Router,
  SignalingCore,
  formatChannelArn,
  type Action,
  type ConnId,
  type ConnMeta,
  type KvsOptions,
} from '../src/index.js';
import { cSdkFrame } from '@peerlink/testing';
import { memoryBackend } from './helpers.js';

const ARN = formatChannelArn({
  region: 'us-west-2',
  account: '123456789012',
  name: 'cam1',
  created: 1700000000000,
});
const OTHER = formatChannelArn({
  region: 'us-west-2',
  account: '123456789012',
  name: 'cam2',
  created: 1700000000001,
});
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');

/** One node: a core with the KVS engine on a backend; a fake clock; what each connection got. */
class Node {
  now = 1_000_000;
  readonly core: SignalingCore;
  readonly engine: KvsEngine;
  readonly sent = new Map<ConnId, string[]>();
  readonly closed = new Map<ConnId, number>();
  readonly forwarded: string[] = [];
  readonly refused: string[] = [];
  readonly #ready: Promise<void>;

  constructor(hub: MemoryHub, id: string, options: Partial<KvsOptions> = {}) {
    const b = memoryBackend(id, hub, () => this.now);
    const router = new Router(b.store, b.bus, undefined, () => this.now);
    this.#ready = router.start();
    this.core = new SignalingCore({ wake: () => queueMicrotask(() => this.#apply()) });
    this.engine = new KvsEngine({
      router,
      options,
      verify: async (meta) =>
        meta.query['X-Amz-Signature'] === 'good'
          ? { ok: true, accessKeyId: 'AKIDEXAMPLE', region: 'us-west-2', service: 'kinesisvideo' }
          : {
              ok: false,
              code: 'InvalidSignatureException',
              message: 'The request signature we calculated does not match',
            },
      channelByArn: async (arn) =>
        arn === ARN ? { arn, name: 'cam1', maxViewers: 2, messageTtlSeconds: 5 } : undefined,
      observer: { forwarded: (a) => this.forwarded.push(a), refused: (e) => this.refused.push(e) },
    });
    this.core.mount(this.engine);
  }

  meta(query: Record<string, string>): ConnMeta {
    return { remote: '198.51.100.7:5000', path: '/kvs', query, headers: {}, secure: true };
  }

  /** Admits and opens like the carrier: returns the refusal, or the connection. */
  async connect(
    clientId?: string,
    query: Record<string, string> = {},
  ): Promise<ConnId | { status: number; body: string }> {
    await this.#ready;
    const meta = this.meta({
      'X-Amz-ChannelARN': ARN,
      'X-Amz-Signature': 'good',
      ...(clientId ? { 'X-Amz-ClientId': clientId } : {}),
      ...query,
    });
    const a = await this.core.admit(meta, this.now);
    if (!a.ok) return { status: a.status, body: a.body };
    const id = this.core.open({ ...meta, identity: a.identity }, this.now) as ConnId;
    this.sent.set(id, []);
    await this.settle();
    return id;
  }

  async conn(clientId?: string): Promise<ConnId> {
    const c = await this.connect(clientId);
    if (typeof c !== 'number') throw new Error(`refused: ${c.body}`);
    return c;
  }

  async text(conn: ConnId, t: string): Promise<void> {
    this.core.receiveText(conn, t, this.now);
    await this.settle();
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      this.#apply();
      await this.core.idle();
      await new Promise((r) => setImmediate(r));
      if (!this.core.hasActions) return;
    }
  }

  frames(conn: ConnId): Record<string, unknown>[] {
    return (this.sent.get(conn) ?? []).map((t) => JSON.parse(t) as Record<string, unknown>);
  }

  #apply(): void {
    for (const a of this.core.takeActions() as Action[]) {
      if (a.type === 'send') {
        this.sent.get(a.conn)?.push(String(a.data));
        this.core.flushed(a.conn, a.data.length);
      } else if (a.type === 'close') {
        this.closed.set(a.conn, a.code);
        this.core.closed(a.conn, this.now);
      }
    }
  }
}

/** A frame exactly as the C SDK's template writes it (LwsApiCalls.h). */
const cFrame = (action: string, recipient: string, payload: string, correlationId?: string): string =>
  cSdkFrame(action, recipient, payload, correlationId === undefined ? {} : { correlationId });

describe('KVS signaling: admission', () => {
  it('refuses with a status and a body that say why', async () => {
    const n = new Node(new MemoryHub(), 'n1');
    const noArn = await n.core.admit(n.meta({ 'X-Amz-Signature': 'good' }), n.now);
    assert.equal(noArn.ok === false && noArn.status, 400);
    const badSig = (await n.connect(undefined, { 'X-Amz-Signature': 'bad' })) as {
      status: number;
      body: string;
    };
    assert.equal(badSig.status, 403);
    assert.equal(JSON.parse(badSig.body).__type, 'InvalidSignatureException');
    const unknown = await n.core.admit(
      n.meta({ 'X-Amz-ChannelARN': OTHER, 'X-Amz-Signature': 'good' }),
      n.now,
    );
    assert.equal(unknown.ok === false && JSON.parse(unknown.body).__type, 'ResourceNotFoundException');
    assert.equal(unknown.ok === false && unknown.status, 404);
    const badId = await n.core.admit(
      n.meta({ 'X-Amz-ChannelARN': ARN, 'X-Amz-Signature': 'good', 'X-Amz-ClientId': 'a b' }),
      n.now,
    );
    assert.equal(badId.ok === false && badId.status, 400);
  });

  it("enforces the channel's viewer limit, and a viewer reusing its id is not counted twice", async () => {
    const n = new Node(new MemoryHub(), 'n1');
    await n.conn('v1');
    await n.conn('v2');
    const third = (await n.connect('v3')) as { status: number; body: string };
    assert.equal(third.status, 403);
    assert.match(JSON.parse(third.body).message, /maximum of 2 viewers/);
    assert.equal(typeof (await n.connect('v1')), 'number', 'v1 again replaces its earlier connection');
  });
});

describe('KVS signaling: routing', () => {
  it('carries a C SDK offer (with IceServerList) to the master and the JS SDK answer back', async () => {
    const n = new Node(new MemoryHub(), 'n1');
    const master = await n.conn();
    const viewer = await n.conn('viewer-1');
    const offer = b64({ type: 'offer', sdp: 'v=0\r\n' });
    const iceServers = [{ password: 'p', ttl: 300, uris: ['turn:203.0.113.1:3478'], username: 'u' }];
    await n.text(viewer, cSdkFrame('SDP_OFFER', '', offer, { correlationId: 'c-1', iceServers }));
    assert.deepEqual(n.frames(master), [
      { senderClientId: 'viewer-1', messageType: 'SDP_OFFER', messagePayload: offer },
    ]);
    const answer = b64({ type: 'answer', sdp: 'v=0\r\n' });
    await n.text(
      master,
      JSON.stringify({ action: 'SDP_ANSWER', recipientClientId: 'viewer-1', messagePayload: answer }),
    );
    assert.deepEqual(n.frames(viewer), [{ messageType: 'SDP_ANSWER', messagePayload: answer }]);
    assert.deepEqual(n.forwarded, ['SDP_OFFER', 'SDP_ANSWER']);
  });

  it('refuses a viewer naming a recipient: never viewer to viewer, and not silently to the master', async () => {
    const n = new Node(new MemoryHub(), 'n1');
    const master = await n.conn();
    const v1 = await n.conn('v1');
    const v2 = await n.conn('v2');
    await n.text(v1, cFrame('ICE_CANDIDATE', 'v2', b64({ candidate: 'c' }), 'k-v2'));
    assert.equal(n.frames(v2).length, 0);
    assert.equal(n.frames(master).length, 0);
    const status = n.frames(v1)[0]?.['statusResponse'] as { correlationId: string; errorType: string };
    assert.deepEqual([status.correlationId, status.errorType], ['k-v2', 'InvalidArgumentException']);
    assert.deepEqual(n.refused, ['InvalidArgumentException']);
  });

  it("holds a viewer's offer for an absent master and delivers it when the master connects", async () => {
    const n = new Node(new MemoryHub(), 'n1');
    const viewer = await n.conn('early');
    const offer = b64({ type: 'offer' });
    await n.text(viewer, cFrame('SDP_OFFER', '', offer));
    const master = await n.conn();
    assert.deepEqual(n.frames(master), [
      { senderClientId: 'early', messageType: 'SDP_OFFER', messagePayload: offer },
    ]);
  });

  it("drops a held message after the channel's MessageTtlSeconds", async () => {
    const n = new Node(new MemoryHub(), 'n1');
    const viewer = await n.conn('late');
    await n.text(viewer, cFrame('SDP_OFFER', '', b64({ type: 'offer' })));
    n.now += 5_000; // the channel's MessageTtlSeconds
    const master = await n.conn();
    assert.deepEqual(n.frames(master), [], 'the offer expired before a master came');
  });

  it('answers a master naming an absent viewer with STATUS_RESPONSE, only when it gave a CorrelationId', async () => {
    const n = new Node(new MemoryHub(), 'n1');
    const master = await n.conn();
    await n.text(master, cFrame('SDP_OFFER', 'ghost', b64({}), 'corr-9'));
    await n.text(master, cFrame('SDP_OFFER', 'ghost', b64({})));
    assert.deepEqual(n.frames(master), [
      {
        senderClientId: '',
        messageType: 'STATUS_RESPONSE',
        statusResponse: {
          correlationId: 'corr-9',
          errorType: 'ResourceNotFoundException',
          statusCode: '404',
          description: 'no viewer ghost is connected to cam1',
        },
      },
    ]);
    assert.deepEqual(n.refused, ['ResourceNotFoundException', 'ResourceNotFoundException']);
  });

  it('routes between a master and a viewer on different nodes', async () => {
    const hub = new MemoryHub();
    const n1 = new Node(hub, 'n1');
    const n2 = new Node(hub, 'n2');
    const master = await n1.conn();
    const viewer = await n2.conn('far');
    await n2.text(viewer, cFrame('SDP_OFFER', '', b64({ o: 1 })));
    await n1.settle();
    assert.equal(n1.frames(master)[0]?.['senderClientId'], 'far');
    await n1.text(master, cFrame('SDP_ANSWER', 'far', b64({ a: 1 })));
    await n2.settle();
    assert.equal(n2.frames(viewer)[0]?.['messageType'], 'SDP_ANSWER');
  });

  it('a new master replaces the old one, on this node or another', async () => {
    const hub = new MemoryHub();
    const n1 = new Node(hub, 'n1');
    const n2 = new Node(hub, 'n2');
    const first = await n1.conn();
    const second = await n1.conn();
    assert.equal(n1.closed.get(first), 4001);
    await n2.conn();
    await n1.settle();
    assert.equal(n1.closed.get(second), 4001);
  });
});

describe('KVS signaling: limits and hostile input', () => {
  it('rate-limits offers per connection (AWS: 5 per second) with ClientLimitExceededException', async () => {
    const n = new Node(new MemoryHub(), 'n1');
    await n.conn();
    const viewer = await n.conn('v');
    for (let i = 0; i < 6; i++) await n.text(viewer, cFrame('SDP_OFFER', '', b64({ i }), `o${i}`));
    const refusals = n.frames(viewer).filter((f) => f['messageType'] === 'STATUS_RESPONSE');
    assert.equal(refusals.length, 1);
    assert.equal(
      (refusals[0]?.['statusResponse'] as { errorType: string }).errorType,
      'ClientLimitExceededException',
    );
    n.now += 1000;
    await n.text(viewer, cFrame('SDP_OFFER', '', b64({ again: 1 })));
    assert.equal(n.frames(viewer).length, 1, 'a second later the offer goes through');
  });

  it('gives malformed frames a STATUS_RESPONSE (with a CorrelationId) or a counted drop, and keeps the socket', async () => {
    const n = new Node(new MemoryHub(), 'n1', { strikesBeforeClose: 1000 });
    const master = await n.conn();
    const cases = [
      ['not base64', cFrame('SDP_OFFER', 'v', 'not base64!', 'k1')],
      ['not JSON', '{"action": "SDP_OFFER", "CorrelationId": "k2"'],
      ['unknown action', cFrame('HELLO', 'v', b64({}), 'k3')],
      ['too large', cFrame('SDP_OFFER', 'v', 'A'.repeat(10 * 1024 + 4), 'k4')],
      ['an array', '[1,2,3]'],
    ];
    for (const [, frame] of cases) await n.text(master, frame as string);
    const answered = n
      .frames(master)
      .map((f) => (f['statusResponse'] as { correlationId: string }).correlationId);
    assert.deepEqual(answered, ['k1', 'k3', 'k4'], 'what carried a readable CorrelationId is answered');
    assert.equal(n.refused.length, cases.length, 'every one is counted');
    assert.equal(n.closed.has(master), false);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.json(), fc.constant(cFrame('SDP_OFFER', '', '==='))),
        async (t) => {
          await n.text(master, t);
        },
      ),
      { numRuns: 100 },
    );
    assert.equal(n.closed.has(master), false, '100 random frames later the socket is still open');
  });

  it('says GO_AWAY when the server drains', async () => {
    const n = new Node(new MemoryHub(), 'n1');
    const master = await n.conn();
    n.core.drain(n.now, 1000);
    await n.settle();
    assert.deepEqual(n.frames(master), [{ messageType: 'GO_AWAY' }]);
  });
});
