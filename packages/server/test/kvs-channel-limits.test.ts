// KVS limits on a running server: the server's --kvs-max-viewers, a channel's own limit from its
// peerlink:max-viewers tag, and refusals that say which limit was hit, before the upgrade.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { kvsPresign } from '@peerlink/testing';
import type { RunningServer } from '../src/index.js';
import { KVS_REGION, openOrRefused, putKvsChannel } from './helpers/kvs-channel.js';
import { start } from './helpers/start-server.js';

let server: RunningServer;
let key: { AccessKeyId: string; SecretAccessKey: string };

/** A viewer's socket once open, or the refusal's status and AWS error body. */
function viewer(
  arn: string,
  id: string,
): Promise<WebSocket | { status: number; body: { __type: string; message: string } }> {
  const url = kvsPresign({
    endpoint: `${server.httpsUrl.replace(/^https/, 'wss')}/kvs`,
    accessKeyId: key.AccessKeyId,
    secret: key.SecretAccessKey,
    region: KVS_REGION,
    query: { 'X-Amz-ChannelARN': arn, 'X-Amz-ClientId': id },
  });
  return openOrRefused(url).then((r) =>
    r instanceof WebSocket
      ? r
      : { status: r.status, body: JSON.parse(r.body) as { __type: string; message: string } },
  );
}

describe('KVS viewer limits on a running server', () => {
  const open: WebSocket[] = [];
  before(async () => {
    server = await start({}, { 'kvs-max-viewers': '2', 'kvs-candidate-rate': '40' });
    key = await server.accessKeys.create(Date.now());
  });
  after(async () => {
    for (const ws of open) ws.close();
    await server.close();
  });

  it('takes --kvs-max-viewers (and the rates) from the configuration', () => {
    assert.equal(server.config.kvsLimits.maxViewers, 2);
    assert.equal(server.config.kvsLimits.candidatesPerSecond, 40);
  });

  it('refuses the viewer over the server limit with 403 ClientLimitExceededException naming it', async () => {
    const arn = await putKvsChannel(server, 'hall');
    for (const id of ['a', 'b']) {
      const ws = await viewer(arn, id);
      assert.ok(ws instanceof WebSocket, id);
      open.push(ws);
    }
    const third = await viewer(arn, 'c');
    assert.ok(!(third instanceof WebSocket));
    assert.equal(third.status, 403);
    assert.equal(third.body.__type, 'ClientLimitExceededException');
    assert.match(third.body.message, /maximum of 2 viewers/);
    const again = await viewer(arn, 'a'); // a viewer reusing its id replaces itself: not over the limit
    assert.ok(again instanceof WebSocket);
    open.push(again);
  });

  it("lets a channel's peerlink:max-viewers tag raise or lower its own limit", async () => {
    const wide = await putKvsChannel(server, 'stadium', { 'peerlink:max-viewers': '3' });
    for (const id of ['a', 'b', 'c']) {
      const ws = await viewer(wide, id);
      assert.ok(ws instanceof WebSocket, id);
      open.push(ws);
    }
    const narrow = await putKvsChannel(server, 'booth', { 'peerlink:max-viewers': '1' });
    const first = await viewer(narrow, 'a');
    assert.ok(first instanceof WebSocket);
    open.push(first);
    const second = await viewer(narrow, 'b');
    assert.ok(!(second instanceof WebSocket));
    assert.match(second.body.message, /maximum of 1 viewers/);
  });
});
