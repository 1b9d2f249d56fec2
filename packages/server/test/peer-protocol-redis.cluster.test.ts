// The peer protocol's server tests (peer-protocol.test.ts) once more, with every server on a private
// Redis instead of the embedded store.
import { after } from 'node:test';
import { startRedisServer } from '@peerlink/testing';
import { clusterStore } from './helpers/start-server.js';

const redis = await startRedisServer();
after(() => redis.stop());
clusterStore(redis.url);
await import('./peer-protocol.test.js');
