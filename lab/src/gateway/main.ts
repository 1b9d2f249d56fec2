/**
 * The fake gateway as a process, run inside a router namespace (node cannot enter one itself):
 *
 *   node gateway/main.js --lan-ip 198.51.100.1 --wan-ip 203.0.113.20 [--table lab] [--http-port 5000]
 *
 * Prints "ready" once every socket is bound, one line per mapping change, and removes its rules on
 * SIGTERM or when stdin closes (the lab holds stdin open, so a crashed lab leaves no gateway behind).
 */
import { parseArgs } from 'node:util';
import { startGateway } from './gateway.js';

const { values } = parseArgs({
  options: {
    'lan-ip': { type: 'string' },
    'wan-ip': { type: 'string' },
    table: { type: 'string', default: 'lab' },
    'http-port': { type: 'string', default: '5000' },
  },
});
const lanIp = values['lan-ip'];
const wanIp = values['wan-ip'];
if (!lanIp || !wanIp) {
  process.stderr.write('usage: main.js --lan-ip IP --wan-ip IP [--table T] [--http-port N]\n');
  process.exit(2);
}
const gw = await startGateway({
  lanIp,
  wanIp,
  table: values.table ?? 'lab',
  httpPort: Number(values['http-port']),
  log: (l) => process.stdout.write(`${l}\n`),
});
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void gw.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.stdout.write('ready\n');
