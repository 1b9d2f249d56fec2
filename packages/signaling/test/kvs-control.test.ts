// The KVS control plane and GetIceServerConfig as pure handlers over in-memory DurableRecords:
// request validation as AWS documents it, channel lifecycle with versions, listing with a name
// condition and pagination, tags, endpoints per protocol, ICE servers, and a store that fails.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  channelByArn,
  formatChannelArn,
  getIceServerConfig,
  handleKvsControl,
  MemoryRecords,
  parseChannelArn,
  sigV4Error,
  StoreError,
  type DurableRecords,
  type KvsControlPath,
  type KvsResult,
} from '../src/index.js';

const ENDPOINTS = { wss: 'wss://kvs.example:8443/kvs', https: 'https://kvs.example:8443' };

/** A control plane over fresh records, a settable clock and numbered versions. */
function plane(records: DurableRecords = new MemoryRecords()) {
  let n = 0;
  const ctx = {
    records,
    now: 1_700_000_000_000,
    region: 'eu-west-1',
    account: '123456789012',
    newVersion: () => `v${++n}`,
    endpoints: ENDPOINTS,
  };
  const call = (path: KvsControlPath, body: unknown): Promise<KvsResult<Record<string, unknown>>> =>
    handleKvsControl(
      path,
      typeof body === 'string' ? Buffer.from(body) : Buffer.from(JSON.stringify(body)),
      ctx,
    ) as Promise<KvsResult<Record<string, unknown>>>;
  const ok = async (path: KvsControlPath, body: unknown): Promise<Record<string, unknown>> => {
    const r = await call(path, body);
    if (!r.ok) assert.fail(`${path}: ${r.error.type}: ${r.error.message}`);
    return r.value;
  };
  const fails = async (
    path: KvsControlPath,
    body: unknown,
    type: string,
    status: number,
  ): Promise<string> => {
    const r = await call(path, body);
    assert.equal(r.ok, false, `${path} should fail with ${type}`);
    if (r.ok) return '';
    assert.equal(r.error.type, type, r.error.message);
    assert.equal(r.error.status, status);
    return r.error.message;
  };
  const create = async (name: string, extra: object = {}): Promise<string> =>
    (await ok('/createSignalingChannel', { ChannelName: name, ...extra })).ChannelARN as string;
  return { ctx, call, ok, fails, create, records };
}

describe('KVS control: create and describe', () => {
  it('creates a SINGLE_MASTER channel whose ARN carries the signing region, account, name and time', async () => {
    const p = plane();
    const arn = await p.create('cam-1.front_door');
    assert.equal(arn, 'arn:aws:kinesisvideo:eu-west-1:123456789012:channel/cam-1.front_door/1700000000000');
    assert.deepEqual(parseChannelArn(arn)?.name, 'cam-1.front_door');
    const info = (await p.ok('/describeSignalingChannel', { ChannelName: 'cam-1.front_door' })).ChannelInfo;
    assert.deepEqual(info, {
      ChannelName: 'cam-1.front_door',
      ChannelARN: arn,
      ChannelType: 'SINGLE_MASTER',
      ChannelStatus: 'ACTIVE',
      CreationTime: 1_700_000_000,
      SingleMasterConfiguration: { MessageTtlSeconds: 60 },
      Version: 'v1',
    });
    assert.deepEqual((await p.ok('/describeSignalingChannel', { ChannelARN: arn })).ChannelInfo, info);
    const rec = await p.records.get<{ key?: string; tags: object; v: number }>(
      'kvs/channel/cam-1.front_door',
    );
    assert.equal(rec?.v, 1);
  });

  it('keeps MessageTtlSeconds and tags given at creation', async () => {
    const p = plane();
    const arn = await p.create('c', {
      ChannelType: 'SINGLE_MASTER',
      SingleMasterConfiguration: { MessageTtlSeconds: 5 },
      Tags: [{ Key: 'site', Value: 'lab' }],
    });
    const info = (await p.ok('/describeSignalingChannel', { ChannelARN: arn })).ChannelInfo as {
      SingleMasterConfiguration: unknown;
    };
    assert.deepEqual(info.SingleMasterConfiguration, { MessageTtlSeconds: 5 });
    assert.deepEqual((await p.ok('/ListTagsForResource', { ResourceARN: arn })).Tags, { site: 'lab' });
  });

  it('refuses a second channel of the same name (ResourceInUseException, 400) and keeps the first', async () => {
    const p = plane();
    const arn = await p.create('dup');
    p.ctx.now += 1000;
    await p.fails('/createSignalingChannel', { ChannelName: 'dup' }, 'ResourceInUseException', 400);
    const info = (await p.ok('/describeSignalingChannel', { ChannelName: 'dup' })).ChannelInfo as {
      ChannelARN: string;
    };
    assert.equal(info.ChannelARN, arn);
  });

  it('answers ResourceNotFoundException (404) for a channel that does not exist, by name or ARN', async () => {
    const p = plane();
    await p.fails('/describeSignalingChannel', { ChannelName: 'nope' }, 'ResourceNotFoundException', 404);
    const arn = formatChannelArn({ region: 'eu-west-1', account: '123456789012', name: 'nope', created: 1 });
    await p.fails('/describeSignalingChannel', { ChannelARN: arn }, 'ResourceNotFoundException', 404);
    // An ARN of AWS's shape that is not a channel's here.
    const stream = 'arn:aws:kinesisvideo:eu-west-1:123456789012:stream/nope/1';
    await p.fails('/describeSignalingChannel', { ChannelARN: stream }, 'ResourceNotFoundException', 404);
  });

  it('refuses what AWS refuses: bad names, TTLs, types, tags and bodies', async () => {
    const p = plane();
    const bad: [unknown, string][] = [
      [{}, 'InvalidArgumentException'],
      [{ ChannelName: '' }, 'InvalidArgumentException'],
      [{ ChannelName: 'a b' }, 'InvalidArgumentException'],
      [{ ChannelName: 'x'.repeat(257) }, 'InvalidArgumentException'],
      [{ ChannelName: 7 }, 'InvalidArgumentException'],
      [{ ChannelName: 'c', SingleMasterConfiguration: { MessageTtlSeconds: 4 } }, 'InvalidArgumentException'],
      [
        { ChannelName: 'c', SingleMasterConfiguration: { MessageTtlSeconds: 121 } },
        'InvalidArgumentException',
      ],
      [
        { ChannelName: 'c', SingleMasterConfiguration: { MessageTtlSeconds: 6.5 } },
        'InvalidArgumentException',
      ],
      [{ ChannelName: 'c', ChannelType: 'FULL_MESH' }, 'InvalidArgumentException'],
      [{ ChannelName: 'c', ChannelType: 'MESH' }, 'InvalidArgumentException'],
      [{ ChannelName: 'c', Tags: [{ Key: '', Value: 'v' }] }, 'InvalidArgumentException'],
      [{ ChannelName: 'c', Tags: [{ Key: 'k<', Value: 'v' }] }, 'InvalidArgumentException'],
      [{ ChannelName: 'c', Tags: [{ Key: 'peerlink:max-viewers', Value: '0' }] }, 'InvalidArgumentException'],
      [
        { ChannelName: 'c', Tags: [{ Key: 'peerlink:max-viewers', Value: 'ten' }] },
        'InvalidArgumentException',
      ],
      [
        { ChannelName: 'c', Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: '' })) },
        'InvalidArgumentException',
      ],
      ['{not json', 'SerializationException'],
      ['[1]', 'SerializationException'],
      ['null', 'SerializationException'],
    ];
    for (const [body, type] of bad) {
      const msg = await p.fails('/createSignalingChannel', body, type, 400);
      assert.ok(msg.length > 0);
    }
    assert.deepEqual(await p.records.list('kvs/'), [], 'nothing was created');
    await p.fails('/describeSignalingChannel', {}, 'InvalidArgumentException', 400);
    await p.fails('/describeSignalingChannel', { ChannelARN: 'arn:nope' }, 'InvalidArgumentException', 400);
  });

  it('says which member failed validation', async () => {
    const p = plane();
    const msg = await p.fails(
      '/createSignalingChannel',
      { ChannelName: 'c', SingleMasterConfiguration: { MessageTtlSeconds: 500 } },
      'InvalidArgumentException',
      400,
    );
    assert.match(msg, /SingleMasterConfiguration\.MessageTtlSeconds/);
  });

  it('refuses a name and an ARN that name different channels', async () => {
    const p = plane();
    const a = await p.create('a');
    await p.create('b');
    await p.fails(
      '/describeSignalingChannel',
      { ChannelARN: a, ChannelName: 'b' },
      'InvalidArgumentException',
      400,
    );
  });
});

describe('KVS control: update and delete with versions', () => {
  it('updates with the current version, gives a new one, refuses the old (VersionMismatchException)', async () => {
    const p = plane();
    const arn = await p.create('u');
    await p.fails(
      '/updateSignalingChannel',
      { ChannelARN: arn, CurrentVersion: 'stale', SingleMasterConfiguration: { MessageTtlSeconds: 30 } },
      'VersionMismatchException',
      400,
    );
    await p.ok('/updateSignalingChannel', {
      ChannelARN: arn,
      CurrentVersion: 'v1',
      SingleMasterConfiguration: { MessageTtlSeconds: 30 },
    });
    const info = (await p.ok('/describeSignalingChannel', { ChannelARN: arn })).ChannelInfo as {
      Version: string;
      SingleMasterConfiguration: { MessageTtlSeconds: number };
    };
    assert.equal(info.Version, 'v2');
    assert.equal(info.SingleMasterConfiguration.MessageTtlSeconds, 30);
    await p.fails(
      '/updateSignalingChannel',
      { ChannelARN: arn, CurrentVersion: 'v1' },
      'VersionMismatchException',
      400,
    );
    await p.fails('/updateSignalingChannel', { ChannelARN: arn }, 'InvalidArgumentException', 400);
  });

  it('loses a race to a concurrent update as VersionMismatchException', async () => {
    const records = new MemoryRecords();
    const p = plane(records);
    const arn = await p.create('race');
    // Between the handler's read and its write, another node updates the channel.
    const put = records.put.bind(records);
    let raced = false;
    records.put = async (key, rec, opts) => {
      if (!raced && opts?.ifMatch) {
        raced = true;
        const now = await records.get<{ v: number }>(key);
        await put(key, { ...now, version: 'other' } as { v: number });
      }
      return put(key, rec, opts);
    };
    await p.fails(
      '/updateSignalingChannel',
      { ChannelARN: arn, CurrentVersion: 'v1' },
      'VersionMismatchException',
      400,
    );
  });

  it('deletes (with or without CurrentVersion); the name can be created again with a new ARN', async () => {
    const p = plane();
    const arn = await p.create('d');
    await p.fails(
      '/deleteSignalingChannel',
      { ChannelARN: arn, CurrentVersion: 'v9' },
      'VersionMismatchException',
      400,
    );
    await p.ok('/deleteSignalingChannel', { ChannelARN: arn, CurrentVersion: 'v1' });
    await p.fails('/deleteSignalingChannel', { ChannelARN: arn }, 'ResourceNotFoundException', 404);
    await p.fails('/describeSignalingChannel', { ChannelARN: arn }, 'ResourceNotFoundException', 404);
    p.ctx.now += 5;
    const again = await p.create('d');
    assert.notEqual(again, arn);
    // The old ARN does not reach the new channel.
    await p.fails('/describeSignalingChannel', { ChannelARN: arn }, 'ResourceNotFoundException', 404);
    await p.fails('/deleteSignalingChannel', { ChannelARN: arn }, 'ResourceNotFoundException', 404);
    await p.ok('/deleteSignalingChannel', { ChannelARN: again });
  });

  it('gives the WebSocket protocol the channel an ARN names (with its MessageTtlSeconds), and nothing for a stale ARN', async () => {
    const p = plane();
    const arn = await p.create('ws');
    const lookup = channelByArn(p.records);
    assert.deepEqual(await lookup(arn), { arn, name: 'ws', messageTtlSeconds: 60 });
    assert.equal(await lookup(arn.replace(/\d+$/, '1')), undefined);
    assert.equal(await lookup('garbage'), undefined);
  });

  it('gives a channel tagged peerlink:max-viewers its own viewer limit, at creation or later', async () => {
    const p = plane();
    const arn = await p.create('big', { Tags: [{ Key: 'peerlink:max-viewers', Value: '500' }] });
    const lookup = channelByArn(p.records);
    assert.equal((await lookup(arn))?.maxViewers, 500);
    await p.ok('/TagResource', { ResourceARN: arn, Tags: [{ Key: 'peerlink:max-viewers', Value: '2' }] });
    assert.equal((await lookup(arn))?.maxViewers, 2);
    await p.ok('/UntagResource', { ResourceARN: arn, TagKeyList: ['peerlink:max-viewers'] });
    assert.equal((await lookup(arn))?.maxViewers, undefined);
  });
});

describe('KVS control: list', () => {
  it('lists in name order, BEGINS_WITH a value, MaxResults a page, NextToken to the end', async () => {
    const p = plane();
    for (const n of ['cam-3', 'door', 'cam-1', 'cam-2', 'cam-10', 'camera']) await p.create(n);
    const all = (await p.ok('/listSignalingChannels', {})).ChannelInfoList as { ChannelName: string }[];
    assert.deepEqual(
      all.map((c) => c.ChannelName),
      ['cam-1', 'cam-10', 'cam-2', 'cam-3', 'camera', 'door'],
    );
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await p.ok('/listSignalingChannels', {
        ChannelNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'cam-' },
        MaxResults: 2,
        ...(token ? { NextToken: token } : {}),
      });
      pages++;
      names.push(...(page.ChannelInfoList as { ChannelName: string }[]).map((c) => c.ChannelName));
      token = page.NextToken as string | undefined;
      if (token !== undefined) assert.match(token, /^[a-zA-Z0-9+/=]{1,512}$/);
    } while (token !== undefined);
    assert.deepEqual(names, ['cam-1', 'cam-10', 'cam-2', 'cam-3']);
    assert.equal(pages, 2, 'an exact last page has no NextToken');
  });

  it('goes on after the token even when that channel was deleted meanwhile', async () => {
    const p = plane();
    for (const n of ['a', 'b', 'c']) await p.create(n);
    const first = await p.ok('/listSignalingChannels', { MaxResults: 1 });
    const b = (await p.ok('/describeSignalingChannel', { ChannelName: 'b' })).ChannelInfo as {
      ChannelARN: string;
    };
    await p.ok('/deleteSignalingChannel', { ChannelARN: b.ChannelARN });
    const rest = await p.ok('/listSignalingChannels', { MaxResults: 5, NextToken: first.NextToken });
    assert.deepEqual(
      (rest.ChannelInfoList as { ChannelName: string }[]).map((c) => c.ChannelName),
      ['c'],
    );
    assert.equal(rest.NextToken, undefined);
  });

  it('pages past the store page size', async () => {
    const p = plane();
    for (let i = 0; i < 620; i++) await p.create(`n${String(i).padStart(4, '0')}`);
    const r = await p.ok('/listSignalingChannels', { MaxResults: 600 });
    assert.equal((r.ChannelInfoList as unknown[]).length, 600);
    const rest = await p.ok('/listSignalingChannels', { NextToken: r.NextToken });
    assert.equal((rest.ChannelInfoList as { ChannelName: string }[])[0]?.ChannelName, 'n0600');
    assert.equal((rest.ChannelInfoList as unknown[]).length, 20);
  });

  it('refuses a bad MaxResults, operator or NextToken', async () => {
    const p = plane();
    await p.create('x');
    for (const body of [
      { MaxResults: 0 },
      { MaxResults: 10_001 },
      { ChannelNameCondition: { ComparisonOperator: 'ENDS_WITH', ComparisonValue: 'x' } },
      { NextToken: '!!' },
      { NextToken: Buffer.from('y').toString('base64'), ChannelNameCondition: { ComparisonValue: 'x' } },
    ])
      await p.fails('/listSignalingChannels', body, 'InvalidArgumentException', 400);
  });
});

describe('KVS control: tags', () => {
  it('tags, replaces a value, untags, and keeps the version', async () => {
    const p = plane();
    const arn = await p.create('t', { Tags: [{ Key: 'a', Value: '1' }] });
    await p.ok('/TagResource', {
      ResourceARN: arn,
      Tags: [
        { Key: 'a', Value: '2' },
        { Key: 'b', Value: '' },
      ],
    });
    assert.deepEqual((await p.ok('/ListTagsForResource', { ResourceARN: arn })).Tags, { a: '2', b: '' });
    await p.ok('/UntagResource', { ResourceARN: arn, TagKeyList: ['a', 'zzz'] });
    assert.deepEqual((await p.ok('/ListTagsForResource', { ResourceARN: arn })).Tags, { b: '' });
    const info = (await p.ok('/describeSignalingChannel', { ChannelARN: arn })).ChannelInfo as {
      Version: string;
    };
    assert.equal(info.Version, 'v1');
  });

  it('refuses the 51st tag (TagsPerResourceExceededLimitException) and unknown channels', async () => {
    const p = plane();
    const arn = await p.create('t', {
      Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
    });
    await p.fails(
      '/TagResource',
      { ResourceARN: arn, Tags: [{ Key: 'one-more', Value: 'v' }] },
      'TagsPerResourceExceededLimitException',
      400,
    );
    await p.ok('/TagResource', { ResourceARN: arn, Tags: [{ Key: 'k0', Value: 'replaced' }] });
    const gone = arn.replace(/\d+$/, '2');
    await p.fails(
      '/TagResource',
      { ResourceARN: gone, Tags: [{ Key: 'k', Value: 'v' }] },
      'ResourceNotFoundException',
      404,
    );
    await p.fails('/ListTagsForResource', { ResourceARN: gone }, 'ResourceNotFoundException', 404);
    await p.fails('/TagResource', { ResourceARN: arn, Tags: [] }, 'InvalidArgumentException', 400);
  });
});

describe('KVS control: GetSignalingChannelEndpoint', () => {
  it('gives this server as WSS (with the /kvs path) and HTTPS, in the order asked, for either role', async () => {
    const p = plane();
    const arn = await p.create('e');
    for (const Role of ['MASTER', 'VIEWER']) {
      const r = await p.ok('/getSignalingChannelEndpoint', {
        ChannelARN: arn,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['HTTPS', 'WSS'], Role },
      });
      assert.deepEqual(r.ResourceEndpointList, [
        { Protocol: 'HTTPS', ResourceEndpoint: 'https://kvs.example:8443' },
        { Protocol: 'WSS', ResourceEndpoint: 'wss://kvs.example:8443/kvs' },
      ]);
    }
    const dflt = await p.ok('/getSignalingChannelEndpoint', { ChannelARN: arn });
    assert.equal((dflt.ResourceEndpointList as unknown[]).length, 2);
  });

  it('refuses WEBRTC, an unknown role, and a missing channel', async () => {
    const p = plane();
    const arn = await p.create('e');
    const conf = (c: object) => ({ ChannelARN: arn, SingleMasterChannelEndpointConfiguration: c });
    await p.fails(
      '/getSignalingChannelEndpoint',
      conf({ Protocols: ['WSS', 'WEBRTC'] }),
      'InvalidArgumentException',
      400,
    );
    await p.fails('/getSignalingChannelEndpoint', conf({ Role: 'ADMIN' }), 'InvalidArgumentException', 400);
    await p.fails('/getSignalingChannelEndpoint', conf({ Protocols: [] }), 'InvalidArgumentException', 400);
    await p.fails(
      '/getSignalingChannelEndpoint',
      { ChannelARN: arn.replace(/\d+$/, '3') },
      'ResourceNotFoundException',
      404,
    );
  });
});

describe('KVS GetIceServerConfig', () => {
  const grants = (n: number, uris: number) => (who: { channel: string; user: string }) =>
    Array.from({ length: n }, (_, i) => ({
      uris: Array.from({ length: uris }, (_, j) => `turn:t${i}.example:${3478 + j}?transport=udp`),
      username: `1700000300:${who.channel}/${who.user}`,
      password: `p${i}`,
    }));

  it('answers servers for the channel and client, Ttl 300, capped at 5 servers of 4 URIs', async () => {
    const p = plane();
    const arn = await p.create('ice');
    const body = Buffer.from(JSON.stringify({ ChannelARN: arn, ClientId: 'viewer-7', Service: 'TURN' }));
    const r = await getIceServerConfig({ records: p.records, iceServers: grants(7, 6) }, body);
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.value.IceServerList.length, 5);
    for (const s of r.value.IceServerList) {
      assert.equal(s.Ttl, 300);
      assert.equal(s.Uris.length, 4);
      assert.equal(s.Username, '1700000300:ice/viewer-7');
    }
    const named = await getIceServerConfig(
      { records: p.records, iceServers: grants(1, 1) },
      Buffer.from(JSON.stringify({ ChannelARN: arn, ClientId: 'c', Username: 'alice' })),
    );
    assert.equal(named.ok && named.value.IceServerList[0]?.Username, '1700000300:ice/alice');
    const master = await getIceServerConfig(
      { records: p.records, iceServers: grants(1, 1) },
      Buffer.from(JSON.stringify({ ChannelARN: arn })),
    );
    assert.equal(master.ok && master.value.IceServerList[0]?.Username, '1700000300:ice/master');
  });

  it('refuses a missing channel (404), another service, and a bad client id', async () => {
    const p = plane();
    const arn = await p.create('ice');
    const ask = (o: object) =>
      getIceServerConfig({ records: p.records, iceServers: grants(1, 1) }, Buffer.from(JSON.stringify(o)));
    const missing = await ask({ ChannelARN: arn.replace(/\d+$/, '4') });
    assert.equal(!missing.ok && missing.error.type, 'ResourceNotFoundException');
    assert.equal(!missing.ok && missing.error.status, 404);
    for (const o of [{ ChannelARN: arn, Service: 'STUN' }, { ChannelARN: arn, ClientId: 'a/b' }, {}]) {
      const r = await ask(o);
      assert.equal(!r.ok && r.error.type, 'InvalidArgumentException');
    }
  });
});

describe('KVS control: failures of the store and of signatures', () => {
  it('answers 503 ServiceUnavailable when the store is down, 500 for an unreadable record', async () => {
    const down = new MemoryRecords();
    down.get = () => Promise.reject(new StoreError('STORE_UNAVAILABLE', 'redis is away'));
    const p = plane(down);
    await p.fails('/describeSignalingChannel', { ChannelName: 'x' }, 'ServiceUnavailable', 503);
    const odd = new MemoryRecords();
    odd.get = () => Promise.reject(new StoreError('UNREADABLE_RECORD', 'version 2'));
    await plane(odd).fails('/describeSignalingChannel', { ChannelName: 'x' }, 'InternalFailure', 500);
    const broken = new MemoryRecords();
    broken.get = () => Promise.reject(new Error('bug'));
    await assert.rejects(plane(broken).call('/describeSignalingChannel', { ChannelName: 'x' }), /bug/);
  });

  it("maps the verifier's refusals to AWS's 403 exceptions, keeping the C SDK's clock-skew words", () => {
    assert.deepEqual(sigV4Error('MissingAuthenticationToken', 'm'), {
      type: 'MissingAuthenticationTokenException',
      status: 403,
      message: 'm',
    });
    assert.equal(sigV4Error('IncompleteSignature', 'm').type, 'IncompleteSignatureException');
    assert.equal(sigV4Error('UnrecognizedClientException', 'm').type, 'UnrecognizedClientException');
    assert.equal(sigV4Error('InvalidSignatureException', 'm').type, 'InvalidSignatureException');
    const expired = sigV4Error('SignatureExpired', 'too old');
    assert.equal(expired.type, 'InvalidSignatureException');
    assert.match(expired.message, /^Signature expired/);
    assert.equal(
      sigV4Error('SignatureExpired', 'Signature not yet current: x').message,
      'Signature not yet current: x',
    );
  });
});

describe('MemoryRecords', () => {
  it('keeps key order, ifAbsent, ifMatch by content whatever the key order, and copies', async () => {
    const r = new MemoryRecords();
    assert.equal(await r.put('k/b', { v: 1 }), true);
    assert.equal(await r.put('k/a', { v: 1, x: { p: 1, q: 2 } } as { v: number }), true);
    assert.equal(await r.put('k/a', { v: 1 }, { ifAbsent: true }), false);
    assert.equal(
      await r.put('k/a', { v: 1 }, { ifMatch: { x: { q: 2, p: 1 }, v: 1 } as { v: number } }),
      true,
    );
    assert.equal(await r.put('k/a', { v: 1 }, { ifMatch: { v: 2 } }), false);
    assert.equal(await r.put('k/none', { v: 1 }, { ifMatch: { v: 1 } }), false);
    assert.deepEqual(
      (await r.list('k/')).map((e) => e.key),
      ['k/a', 'k/b'],
    );
    assert.deepEqual(
      (await r.list('k/', { after: 'k/a' })).map((e) => e.key),
      ['k/b'],
    );
    const got = await r.get<{ v: number; mut?: number }>('k/b');
    if (got) got.mut = 1;
    assert.deepEqual(await r.get('k/b'), { v: 1 });
    assert.equal(await r.delete('k/b'), true);
    assert.equal(await r.delete('k/b'), false);
  });
});
