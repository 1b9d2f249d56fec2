// The IM call protocol's rules on Redis: the same suite as im-calls.test.ts, its nodes sharing a
// private redis-server (a fresh key prefix per test); the outage is that server stopped.
import { imCallSuite } from './helpers/im-call-suite.js';
import { redisNodes } from './helpers/redis-nodes.js';

const redis = redisNodes();

imCallSuite('redis', {
  backends: (n) => redis.open(n),
  outage: () => redis.outage(),
  recover: () => redis.recover(),
});
