import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { buildHttpApp, createMetrics } from '../src/index.js';

function app(now = 10_000) {
  const metrics = createMetrics();
  return {
    metrics,
    app: buildHttpApp({
      metrics,
      logger: pino({ level: 'silent' }),
      status: {
        version: '9.9.9',
        startedAt: 1_000,
        now: () => now,
        stun: () => ({ primary: '127.0.0.1:3478', alternate: '127.0.0.2:3479' }),
        counts: () => ({ stunRequests: 4 }),
        paths: () => ({
          sides: { relay: 1, direct: 1, turn: 0 },
          switches: { relay: 0, direct: 1, turn: 0 },
        }),
      },
    }),
  };
}

describe('HTTP API (injected, no sockets)', () => {
  it('GET / is an HTML landing page naming the endpoints', async () => {
    const { app: a } = app();
    const res = await a.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/html/);
    for (const s of ['/status', '/metrics', '127.0.0.1:3478', '9.9.9']) assert.ok(res.body.includes(s), s);
  });

  it('GET /status is JSON with version, uptime, STUN addresses and counts', async () => {
    const { app: a } = app(61_000);
    const res = await a.inject({ method: 'GET', url: '/status' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.version, '9.9.9');
    assert.equal(body.uptimeSeconds, 60);
    assert.deepEqual(body.stun, { primary: '127.0.0.1:3478', alternate: '127.0.0.2:3479' });
    assert.equal(body.counts.stunRequests, 4);
    assert.deepEqual(body.paths.sides, { relay: 1, direct: 1, turn: 0 });
  });

  it('GET /metrics is Prometheus text that counts HTTP requests', async () => {
    const { app: a, metrics } = app();
    metrics.stunRequests.inc({ transport: 'udp' }, 3);
    await a.inject({ method: 'GET', url: '/status' });
    const res = await a.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/plain/);
    assert.match(res.body, /peerlink_stun_requests_total\{transport="udp"\} 3/);
    assert.match(res.body, /peerlink_http_requests_total\{route="\/status",status="200"\} 1/);
  });

  it('unknown paths are 404 and counted as unmatched', async () => {
    const { app: a } = app();
    const res = await a.inject({ method: 'GET', url: '/nope' });
    assert.equal(res.statusCode, 404);
  });
});
