// Opens `n` registered, idle peers against a server and keeps them open until stdin closes, printing
// "ready" once all are up. run.mjs reads the server's RSS before and after.
import { parseArgs } from 'node:util';
import { protocols } from './protocols.mjs';

const { values } = parseArgs({
  options: {
    kind: { type: 'string' },
    url: { type: 'string' },
    n: { type: 'string' },
    secret: { type: 'string', default: '' },
  },
});
const proto = protocols[values.kind];
const n = Number(values.n);
const socks = [];
for (let i = 0; i < n; i += 200) {
  socks.push(
    ...(await Promise.all(
      Array.from({ length: Math.min(200, n - i) }, (_, k) =>
        proto.connect(values.url, `idle${i + k}`, values.secret),
      ),
    )),
  );
}
process.stdout.write(`ready ${socks.length}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
