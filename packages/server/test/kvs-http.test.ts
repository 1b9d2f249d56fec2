// The KVS control plane and GetIceServerConfig over real sockets, called by the AWS SDK for
// JavaScript v3 (@aws-sdk/client-kinesis-video and -signaling) exactly as applications call them:
// requests signed with static keys and checked by recomputing SigV4 (a test verifier until the real
// one is wired), AWS's exception classes on the client side, the endpoints pointing back at this
// server, TURN REST credentials this server's TURN accepts.
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { after, before, describe, it } from 'node:test';
import {
  CreateSignalingChannelCommand,
  DeleteSignalingChannelCommand,
  DescribeSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
  ListTagsForResourceCommand,
  paginateListSignalingChannels,
  ResourceInUseException,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSignalingChannelCommand,
  VersionMismatchException,
  type ChannelInfo,
} from '@aws-sdk/client-kinesis-video';
import {
  GetIceServerConfigCommand,
  KinesisVideoSignalingClient,
} from '@aws-sdk/client-kinesis-video-signaling';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { MemoryRecords, parseChannelArn } from '@peerlink/signaling';
import { turnRestPassword } from '@peerlink/wire';
import type { RunningServer } from '../src/index.js';
import { recomputingVerifier } from './helpers/sigv4-recomputing-verifier.js';
import { start } from './helpers/start-server.js';

const KEYS = { AKIDPEERLINKTEST01: 'secret-one', AKIDPEERLINKTEST02: 'secret-two' };
const credentials = { accessKeyId: 'AKIDPEERLINKTEST01', secretAccessKey: 'secret-one' };
const TURN_SECRET = 'kvs-turn-secret';

let server: RunningServer;
let tlsAgent: Agent;
const verifier = recomputingVerifier(KEYS);
const records = new MemoryRecords();

/** A control-plane client on a server's HTTP (or HTTPS) port. */
function control(
  o: { secure?: boolean; creds?: typeof credentials; on?: RunningServer; region?: string } = {},
): KinesisVideoClient {
  const on = o.on ?? server;
  return new KinesisVideoClient({
    region: o.region ?? 'us-west-2',
    endpoint: o.secure ? on.httpsUrl : on.httpUrl,
    credentials: o.creds ?? credentials,
    maxAttempts: 1,
    ...(o.secure ? { requestHandler: new NodeHttpHandler({ httpsAgent: tlsAgent }) } : {}),
  });
}

async function rejectsWith<T>(
  p: Promise<unknown>,
  cls: new (...a: never[]) => T,
  status: number,
): Promise<T> {
  const err = await p.then(
    () => assert.fail(`expected ${cls.name}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
  assert.equal((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode, status);
  return err;
}

before(async () => {
  server = await start({ kvs: { records, verifier } }, { 'turn-secret': TURN_SECRET });
  tlsAgent = new Agent({ ca: (await server.dataDir.tls({})).cert });
});
after(async () => {
  tlsAgent.destroy();
  await server.close();
});

describe('KVS control plane with the AWS SDK v3', () => {
  it('creates a channel and describes it by name and by ARN', async () => {
    const kv = control();
    const { ChannelARN } = await kv.send(
      new CreateSignalingChannelCommand({
        ChannelName: 'front-door',
        SingleMasterConfiguration: { MessageTtlSeconds: 30 },
        Tags: [{ Key: 'site', Value: 'home' }],
      }),
    );
    const arn = parseChannelArn(ChannelARN ?? '');
    assert.equal(arn?.region, 'us-west-2', 'the signing region');
    assert.equal(arn?.account, '123456789012');
    assert.equal(arn?.name, 'front-door');
    const byName = (await kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'front-door' })))
      .ChannelInfo;
    const byArn = (await kv.send(new DescribeSignalingChannelCommand({ ChannelARN }))).ChannelInfo;
    assert.deepEqual(byName, byArn);
    assert.equal(byName?.ChannelARN, ChannelARN);
    assert.equal(byName?.ChannelType, 'SINGLE_MASTER');
    assert.equal(byName?.ChannelStatus, 'ACTIVE');
    assert.equal(byName?.SingleMasterConfiguration?.MessageTtlSeconds, 30);
    assert.match(byName?.Version ?? '', /^[a-zA-Z0-9]{1,64}$/);
    assert.ok(byName?.CreationTime instanceof Date);
    assert.ok(
      Math.abs((byName?.CreationTime?.getTime() ?? 0) - Date.now()) < 60_000,
      'a timestamp in seconds',
    );
  });

  it('throws ResourceNotFoundException (404) for a missing channel and ResourceInUseException for a taken name', async () => {
    const kv = control();
    const missing = await rejectsWith(
      kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'no-such-channel' })),
      ResourceNotFoundException,
      404,
    );
    assert.match(missing.message, /no-such-channel/);
    assert.match(missing.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
    await rejectsWith(
      kv.send(new CreateSignalingChannelCommand({ ChannelName: 'front-door' })),
      ResourceInUseException,
      400,
    );
  });

  it('lists with a name condition, page by page (the SDK paginator follows NextToken)', async () => {
    const kv = control();
    for (const n of ['lobby-3', 'lobby-1', 'garage', 'lobby-2'])
      await kv.send(new CreateSignalingChannelCommand({ ChannelName: n }));
    const pages: ChannelInfo[][] = [];
    for await (const page of paginateListSignalingChannels(
      { client: kv, pageSize: 2 },
      { ChannelNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'lobby-' } },
    ))
      pages.push(page.ChannelInfoList ?? []);
    assert.deepEqual(
      pages.map((p) => p.map((c) => c.ChannelName)),
      [['lobby-1', 'lobby-2'], ['lobby-3']],
    );
    const all = [];
    for await (const page of paginateListSignalingChannels({ client: kv }, {}))
      all.push(...(page.ChannelInfoList ?? []));
    assert.deepEqual(
      all.map((c) => c.ChannelName),
      ['front-door', 'garage', 'lobby-1', 'lobby-2', 'lobby-3'],
    );
  });

  it('updates only with the current version (VersionMismatchException otherwise)', async () => {
    const kv = control();
    const info = (await kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'garage' }))).ChannelInfo;
    await rejectsWith(
      kv.send(new UpdateSignalingChannelCommand({ ChannelARN: info?.ChannelARN, CurrentVersion: 'stale0' })),
      VersionMismatchException,
      400,
    );
    await kv.send(
      new UpdateSignalingChannelCommand({
        ChannelARN: info?.ChannelARN,
        CurrentVersion: info?.Version,
        SingleMasterConfiguration: { MessageTtlSeconds: 120 },
      }),
    );
    const now = (await kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'garage' }))).ChannelInfo;
    assert.equal(now?.SingleMasterConfiguration?.MessageTtlSeconds, 120);
    assert.notEqual(now?.Version, info?.Version);
    await rejectsWith(
      kv.send(
        new UpdateSignalingChannelCommand({ ChannelARN: info?.ChannelARN, CurrentVersion: info?.Version }),
      ),
      VersionMismatchException,
      400,
    );
  });

  it('tags, lists tags and untags', async () => {
    const kv = control();
    const arn = (await kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'front-door' })))
      .ChannelInfo?.ChannelARN;
    await kv.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'floor', Value: '1' }] }));
    assert.deepEqual((await kv.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags, {
      site: 'home',
      floor: '1',
    });
    await kv.send(new UntagResourceCommand({ ResourceARN: arn, TagKeyList: ['site'] }));
    assert.deepEqual((await kv.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags, {
      floor: '1',
    });
  });

  it('serves the same API on the HTTPS port', async () => {
    const info = (
      await control({ secure: true }).send(new DescribeSignalingChannelCommand({ ChannelName: 'garage' }))
    ).ChannelInfo;
    assert.equal(info?.ChannelName, 'garage');
  });
});

describe('KVS endpoints and GetIceServerConfig with the AWS SDK v3', () => {
  it('points MASTER and VIEWER at this HTTPS listener: wss://host:port/kvs and https://host:port', async () => {
    const kv = control();
    const arn = (await kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'front-door' })))
      .ChannelInfo?.ChannelARN;
    const httpsPort = new URL(server.httpsUrl).port;
    for (const Role of ['MASTER', 'VIEWER'] as const) {
      const { ResourceEndpointList } = await kv.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN: arn,
          SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role },
        }),
      );
      assert.deepEqual(ResourceEndpointList, [
        { Protocol: 'WSS', ResourceEndpoint: `wss://127.0.0.1:${httpsPort}/kvs` },
        { Protocol: 'HTTPS', ResourceEndpoint: `https://127.0.0.1:${httpsPort}` },
      ]);
    }
  });

  it("answers the HTTPS endpoint's GetIceServerConfig with this server's TURN and credentials it accepts", async () => {
    const kv = control();
    const arn = (await kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'front-door' })))
      .ChannelInfo?.ChannelARN;
    const endpoint = (
      await kv.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN: arn,
          SingleMasterChannelEndpointConfiguration: { Protocols: ['HTTPS'], Role: 'VIEWER' },
        }),
      )
    ).ResourceEndpointList?.[0]?.ResourceEndpoint;
    if (endpoint === undefined) return assert.fail('no HTTPS endpoint');
    const signaling = new KinesisVideoSignalingClient({
      region: 'us-west-2',
      endpoint,
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpsAgent: tlsAgent }),
    });
    const before = Math.floor(Date.now() / 1000);
    const { IceServerList } = await signaling.send(
      new GetIceServerConfigCommand({ ChannelARN: arn, ClientId: 'viewer-1', Service: 'TURN' }),
    );
    assert.equal(IceServerList?.length, 1);
    const s = IceServerList?.[0];
    assert.equal(s?.Ttl, 300);
    const port = server.stun.primary.port;
    const tls = server.stun.tls?.port;
    assert.deepEqual(s?.Uris, [
      `turn:127.0.0.1:${port}?transport=udp`,
      `turn:127.0.0.1:${port}?transport=tcp`,
      ...(tls !== undefined ? [`turns:127.0.0.1:${tls}?transport=tcp`] : []),
    ]);
    const [expiry, user] = (s?.Username ?? '').split(':');
    assert.equal(user, 'front-door/viewer-1');
    assert.ok(Number(expiry) >= before + 300, 'valid beyond the Ttl');
    assert.equal(
      s?.Password,
      turnRestPassword(TURN_SECRET, s?.Username ?? ''),
      'signed with the TURN secret',
    );
    await rejectsWith(
      signaling.send(new GetIceServerConfigCommand({ ChannelARN: arn?.replace(/\d+$/, '1'), ClientId: 'v' })),
      (await import('@aws-sdk/client-kinesis-video-signaling')).ResourceNotFoundException,
      404,
    );
  });

  it('deletes a channel; describing it again is a ResourceNotFoundException', async () => {
    const kv = control();
    const info = (await kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'lobby-1' }))).ChannelInfo;
    await kv.send(
      new DeleteSignalingChannelCommand({ ChannelARN: info?.ChannelARN, CurrentVersion: info?.Version }),
    );
    await rejectsWith(
      kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'lobby-1' })),
      ResourceNotFoundException,
      404,
    );
    await rejectsWith(
      kv.send(new DeleteSignalingChannelCommand({ ChannelARN: info?.ChannelARN })),
      ResourceNotFoundException,
      404,
    );
  });
});

describe('KVS HTTP API refusals', () => {
  it('refuses an unknown key and a wrong secret with 403 in the exception the SDK names', async () => {
    for (const [creds, name] of [
      [{ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' }, 'UnrecognizedClientException'],
      [{ accessKeyId: 'AKIDPEERLINKTEST02', secretAccessKey: 'not-it' }, 'InvalidSignatureException'],
    ] as const) {
      const err = (await control({ creds })
        .send(new DescribeSignalingChannelCommand({ ChannelName: 'garage' }))
        .then(
          () => assert.fail('signed wrongly, accepted'),
          (e: unknown) => e,
        )) as { name: string; $metadata: { httpStatusCode: number } };
      assert.equal(err.name, name);
      assert.equal(err.$metadata.httpStatusCode, 403);
    }
    // The second key, with its secret, works.
    const ok = await control({
      creds: {
        accessKeyId: 'AKIDPEERLINKTEST02',
        secretAccessKey: 'secret-two',
      },
    }).send(new DescribeSignalingChannelCommand({ ChannelName: 'garage' }));
    assert.equal(ok.ChannelInfo?.ChannelName, 'garage');
  });

  it('refuses an unsigned request in AWS shape, and a body changed after signing', async () => {
    const res = await fetch(`${server.httpUrl}/describeSignalingChannel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ChannelName: 'garage' }),
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.equal(((await res.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
    // A client that changes the body after the signer saw it.
    const kv = control();
    kv.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { body: Uint8Array | string };
        const text = typeof req.body === 'string' ? req.body : new TextDecoder().decode(req.body);
        req.body = text.replace('garage', 'xarage'); // same length
        return next(args);
      },
      { step: 'deserialize', name: 'tamper-after-signing' },
    );
    const err = (await kv
      .send(new DescribeSignalingChannelCommand({ ChannelName: 'garage' }))
      .catch((e: unknown) => e)) as {
      name: string;
    };
    assert.equal(err.name, 'InvalidSignatureException');
  });

  it('counts answers by operation and outcome', async () => {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(
      text,
      /peerlink_kvs_api_requests_total\{operation="createSignalingChannel",outcome="ok"\} [1-9]/,
    );
    assert.match(
      text,
      /peerlink_kvs_api_requests_total\{operation="describeSignalingChannel",outcome="ResourceNotFoundException"\} [1-9]/,
    );
    assert.match(text, /operation="getIceServerConfig",outcome="ok"/);
  });
});

describe('KVS HTTP API options', () => {
  it('names --ice-server TURN servers instead of its own, with credentials signed by their secrets', async () => {
    const other = await start(
      { kvs: { records: new MemoryRecords(), verifier } },
      {
        'ice-server': 'turn:turn.example.org:3478,turns:turn.example.org:5349',
        'ice-server-secret': 's1,s2',
        'kvs-account-id': '000011112222',
        'public-url': 'https://kvs.example.org',
      },
    );
    try {
      const kv = control({ on: other, region: 'eu-central-1' });
      const { ChannelARN } = await kv.send(new CreateSignalingChannelCommand({ ChannelName: 'c' }));
      assert.match(ChannelARN ?? '', /^arn:aws:kinesisvideo:eu-central-1:000011112222:channel\/c\/\d+$/);
      const { ResourceEndpointList } = await kv.send(new GetSignalingChannelEndpointCommand({ ChannelARN }));
      assert.deepEqual(
        ResourceEndpointList?.map((e) => e.ResourceEndpoint),
        ['wss://kvs.example.org/kvs', 'https://kvs.example.org'],
        'behind --public-url (port 443, as the C SDK needs)',
      );
      // The public URL is not reachable from here: ask this node's HTTP port directly.
      const signaling = new KinesisVideoSignalingClient({
        region: 'eu-central-1',
        endpoint: other.httpUrl,
        credentials,
      });
      const { IceServerList } = await signaling.send(new GetIceServerConfigCommand({ ChannelARN }));
      assert.deepEqual(
        IceServerList?.map((s) => s.Uris),
        [
          ['turn:turn.example.org:3478?transport=udp', 'turn:turn.example.org:3478?transport=tcp'],
          ['turns:turn.example.org:5349?transport=tcp'],
        ],
      );
      assert.equal(IceServerList?.[0]?.Password, turnRestPassword('s1', IceServerList?.[0]?.Username ?? ''));
      assert.equal(IceServerList?.[1]?.Password, turnRestPassword('s2', IceServerList?.[1]?.Username ?? ''));
      assert.match(IceServerList?.[0]?.Username ?? '', /^\d+:c\/master$/);
    } finally {
      await other.close();
    }
  });

  it('throttles an access key past its rate (ClientLimitExceededException)', async () => {
    const other = await start({
      kvs: { records: new MemoryRecords(), verifier, rateLimits: { perSecond: 0.001, burst: 2 } },
    });
    try {
      const kv = control({ on: other, region: 'us-east-1' });
      const { ClientLimitExceededException } = await import('@aws-sdk/client-kinesis-video');
      await rejectsWith(
        kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'a' })),
        ResourceNotFoundException,
        404,
      );
      await rejectsWith(
        kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'a' })),
        ResourceNotFoundException,
        404,
      );
      await rejectsWith(
        kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'a' })),
        ClientLimitExceededException,
        400,
      );
    } finally {
      await other.close();
    }
  });

  it('serves the KVS API by default, over the issued access keys: unsigned is refused in AWS shape', async () => {
    const s = await noKvs;
    try {
      const res = await fetch(`${s.httpUrl}/describeSignalingChannel`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    } finally {
      await s.close();
    }
  });
});

const noKvs = start();
