/**
 * Builds the simulated counterpart of a lab site (a preset's NAT stack with its host or hosts) and
 * an RFC 5780 STUN server on the simulated internet, answering with the real sans-IO engine from
 * @peerlink/turn-server.
 */
import { BindingServer, type SocketRole } from '@peerlink/turn-server';
import type { TransportAddress } from '@peerlink/wire';
import { PRESETS, type Preset, type PresetName } from './presets.js';
import type { SimHost, SimNetwork } from './sim-network.js';
import type { SimNat } from './sim-nat.js';

export interface SimSite {
  readonly preset: Preset;
  /** One host, or two for a shared (`same-nat`) preset. */
  readonly hosts: readonly SimHost[];
  /** The NATs from the host outwards. */
  readonly nats: readonly SimNat[];
}

export interface SimSiteOptions {
  /** Site number, 0..15: picks the site's addresses so sites never collide. */
  readonly index: number;
  /** Mapping lifetime of every NAT of the site, ms. */
  readonly timeoutMs?: number;
  readonly delayMs?: number;
  readonly loss?: number;
}

/**
 * Addresses as in the kernel lab: a NAT's outermost public address 203.0.113.(20+i), a carrier's
 * inside 198.51.100.(128+i), hosts 198.51.100.(16i+2) and (16i+3), a public host 203.0.113.(100+i).
 */
export function addSimSite(net: SimNetwork, name: PresetName, opts: SimSiteOptions): SimSite {
  const preset = PRESETS[name];
  const i = opts.index;
  const link = {
    ...(opts.delayMs !== undefined ? { delayMs: opts.delayMs } : {}),
    ...(opts.loss !== undefined ? { loss: opts.loss } : {}),
  };
  if (preset.layers.length === 0) {
    return { preset, nats: [], hosts: [net.addHost({ address: `203.0.113.${100 + i}`, ...link })] };
  }
  // Build from the outside in: the outermost layer is the last in `preset.layers`.
  const outward = [...preset.layers];
  const nats: SimNat[] = [];
  let behind: SimNat | undefined;
  for (let depth = outward.length - 1; depth >= 0; depth--) {
    const outermost = depth === outward.length - 1;
    behind = net.addNat({
      publicAddress: outermost ? `203.0.113.${20 + i}` : `198.51.100.${128 + i}`,
      layer: outward[depth]!,
      udpBlocked: preset.udpBlocked,
      ...(behind ? { behind } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
    nats.unshift(behind);
  }
  const inner = nats[0]!;
  const hosts = [net.addHost({ address: `198.51.100.${16 * i + 2}`, behind: inner, ...link })];
  if (preset.shared) hosts.push(net.addHost({ address: `198.51.100.${16 * i + 3}`, behind: inner, ...link }));
  return { preset, hosts, nats };
}

export interface SimStunServer {
  readonly primary: TransportAddress;
  readonly alternate: TransportAddress;
  close(): void;
}

/** A STUN server on two internet addresses and two ports (RFC 5780), default 203.0.113.10/.11. */
export function addSimStunServer(
  net: SimNetwork,
  addresses: readonly [string, string] = ['203.0.113.10', '203.0.113.11'],
  ports: readonly [number, number] = [3478, 3479],
): SimStunServer {
  const hosts = addresses.map((address) => net.addHost({ address, delayMs: 1 }));
  const engine = new BindingServer({
    primary: { address: addresses[0], port: ports[0] },
    alternate: { address: addresses[1], port: ports[1] },
  });
  const key = (r: SocketRole): string => `${r.ip}/${r.port}`;
  const sockets = new Map<string, ReturnType<SimHost['bind']>>();
  for (const ip of ['primary', 'alternate'] as const) {
    for (const port of ['primary', 'alternate'] as const) {
      const role: SocketRole = { ip, port };
      const s = hosts[ip === 'primary' ? 0 : 1]!.bind(ports[port === 'primary' ? 0 : 1]);
      sockets.set(key(role), s);
      s.onMessage((bytes, from) => {
        const out = engine.handle(bytes, { from, via: role, transport: 'udp' });
        if (out.kind === 'reply') sockets.get(key(out.via))?.send(out.bytes, out.to);
      });
    }
  }
  return {
    primary: engine.endpoint({ ip: 'primary', port: 'primary' }),
    alternate: engine.endpoint({ ip: 'alternate', port: 'alternate' }),
    close: () => sockets.forEach((s) => s.close()),
  };
}
