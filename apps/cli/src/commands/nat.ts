/** `peerlink nat --server URL [--json]`: classify the NAT in front of this machine (RFC 5780). */
import { nodeUdpSocketFactory, probeNat, resolveStunServer } from '@peerlink/p2p';
import { parseCommandArgs } from '../args.js';
import { UsageError, type Io } from '../io.js';

export const NAT_HELP = [
  'Usage: peerlink nat --server URL [--json]',
  '',
  'Classifies the local NAT with RFC 5780 tests against a STUN server with two addresses.',
  'URL: stun:HOST[:PORT], HOST[:PORT], or a peerlink server http(s)://HOST[:PORT] (its /status names the STUN port).',
  '',
  '  --server URL   the STUN server',
  '  --json         print exactly the report JSON on stdout (reasons for nulls go to stderr)',
].join('\n');

export async function nat(argv: string[], io: Io): Promise<number> {
  const values = parseCommandArgs('nat', argv, {
    server: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(NAT_HELP);
    return 0;
  }
  if (!values.server) throw new UsageError('nat: --server URL is required');
  const server = await resolveStunServer(values.server);
  const { report, reasons } = await probeNat({
    server: server.primary,
    serverIpv6: server.ipv6,
    sockets: nodeUdpSocketFactory,
  });
  for (const r of reasons) io.err(`peerlink nat: ${r}`);
  if (values.json) {
    io.out(JSON.stringify(report));
  } else {
    io.out(`UDP:             ${report.udp ? 'yes' : 'blocked'}`);
    io.out(`public address:  ${report.publicAddress ?? 'unknown'}`);
    io.out(`mapping:         ${report.mapping ?? 'unknown'}`);
    io.out(`filtering:       ${report.filtering ?? 'unknown'}`);
    io.out(`port allocation: ${report.portAllocation ?? 'unknown'}`);
    io.out(`hairpinning:     ${report.hairpinning === null ? 'unknown' : report.hairpinning ? 'yes' : 'no'}`);
    io.out(`IPv6:            ${report.ipv6 ? 'yes' : 'no'}`);
  }
  return 0;
}
