// The KVS tests against a running server (kvs-websocket, kvs-js-sdk, kvs-http, kvs-c-sdk, kvs-hostile) once more, with every
// server's signaling state and durable records (channels, access keys) on a private Redis.
import { after } from 'node:test';
import { startRedisServer } from '@peerlink/testing';
import { clusterStore } from './helpers/start-server.js';

const redis = await startRedisServer();
after(() => redis.stop());
clusterStore(redis.url);
await import('./kvs-websocket.test.js');
await import('./kvs-js-sdk.test.js');
await import('./kvs-http.test.js');
await import('./kvs-c-sdk.test.js');
await import('./kvs-hostile.test.js');
