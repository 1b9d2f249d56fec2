/**
 * A mapping's two nftables rules in the router's own table, in the chains nft-rules.ts makes for a
 * port-mapping router (`portmap_in` before the dnat chain, `portmap_out` before masquerade):
 *
 *   portmap_in   iifname "wan" udp dport EXT dnat to INTERNAL:PORT
 *   portmap_out  oifname "wan" ip saddr INTERNAL udp sport PORT snat to WAN:EXT
 *
 * Together they make the mapping endpoint-independent both ways, even on a `masquerade random`
 * router: anyone may send to WAN:EXT, and everything the internal endpoint sends leaves from WAN:EXT.
 */
import { run } from '../exec.js';
import type { GatewayMapping } from './mapping-table.js';

export const PORTMAP_IN = 'portmap_in';
export const PORTMAP_OUT = 'portmap_out';

export function mappingRules(m: GatewayMapping, wanIp: string): { in: string; out: string } {
  return {
    in: `iifname "wan" udp dport ${m.externalPort} dnat to ${m.internalAddress}:${m.internalPort}`,
    out: `oifname "wan" ip saddr ${m.internalAddress} udp sport ${m.internalPort} snat to ${wanIp}:${m.externalPort}`,
  };
}

/** Applies mapping changes in order, one `nft` call at a time, remembering each rule's handle. */
export class NftMappings {
  readonly #table: string;
  readonly #wanIp: string;
  readonly #handles = new Map<GatewayMapping, { in: number; out: number }>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(table: string, wanIp: string) {
    this.#table = table;
    this.#wanIp = wanIp;
  }

  /** Removals first (a replaced mapping may share the port), then additions. */
  apply(removed: readonly GatewayMapping[], added: readonly GatewayMapping[]): Promise<void> {
    const next = this.#queue.then(async () => {
      for (const m of removed) await this.#remove(m);
      for (const m of added) await this.#add(m);
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  async #add(m: GatewayMapping): Promise<void> {
    const r = mappingRules(m, this.#wanIp);
    const handle = async (chain: string, rule: string): Promise<number> => {
      const { stdout } = await run('nft', [
        '-a',
        '-e',
        'add',
        'rule',
        'ip',
        this.#table,
        chain,
        ...rule.split(' '),
      ]);
      const h = /# handle (\d+)/.exec(stdout);
      if (!h) throw new Error(`nft printed no handle for ${rule}`);
      return Number(h[1]);
    };
    this.#handles.set(m, { in: await handle(PORTMAP_IN, r.in), out: await handle(PORTMAP_OUT, r.out) });
  }

  async #remove(m: GatewayMapping): Promise<void> {
    const h = this.#handles.get(m);
    if (!h) return;
    this.#handles.delete(m);
    await run('nft', ['delete', 'rule', 'ip', this.#table, PORTMAP_IN, 'handle', String(h.in)]);
    await run('nft', ['delete', 'rule', 'ip', this.#table, PORTMAP_OUT, 'handle', String(h.out)]);
  }
}
