/**
 * The lab's address plan, from documentation ranges only (RFC 5737):
 *
 *  - the internet: bridge `br0` in the `core` namespace, 203.0.113.0/25; the core routes at .1, the
 *    STUN/peerlink server on .10 and .11 (two addresses for RFC 5780);
 *  - site i (0..15): its outermost router's WAN 203.0.113.(20+i);
 *  - the site's LAN behind a NAT: 198.51.100.(8i)/29, router .8i+1, hosts .8i+2 and .8i+3;
 *  - the LAN of a `public` site: 203.0.113.(128+8i)/29, routed by the core to the router's WAN;
 *  - between a home NAT and its carrier NAT: 198.51.100.(128+8i)/29, carrier .+1, home router .+2.
 */
export const MAX_SITES = 16;
export const INTERNET_PREFIX = 25;
export const CORE_GATEWAY = '203.0.113.1';
export const SERVER_IP = '203.0.113.10';
export const SERVER_ALT_IP = '203.0.113.11';
export const STUN_PORT = 3478;
export const STUN_ALT_PORT = 3479;
export const HTTP_PORT = 8080;

export interface Subnet {
  /** Network address. */
  readonly base: string;
  readonly prefix: number;
  /** The n-th address of the subnet (1 = first usable). */
  at(n: number): string;
}

function subnet(a: number, b: number, c: number, d: number, prefix: number): Subnet {
  return { base: `${a}.${b}.${c}.${d}`, prefix, at: (n) => `${a}.${b}.${c}.${d + n}` };
}

export const wanAddress = (site: number): string => `203.0.113.${20 + site}`;
export const natLan = (site: number): Subnet => subnet(198, 51, 100, 8 * site, 29);
export const publicLan = (site: number): Subnet => subnet(203, 0, 113, 128 + 8 * site, 29);
export const carrierLink = (site: number): Subnet => subnet(198, 51, 100, 128 + 8 * site, 29);

/**
 * IPv6 (optional, from 2001:db8::/32, RFC 3849): global addresses and no NAT66, a stateful firewall
 * on the home router instead. The internet is 2001:db8::/64 (core ::1, server ::10); site i's WAN is
 * 2001:db8::(20+i) (hex digits), its LAN 2001:db8:(i+1)::/64, a carrier link 2001:db8:(100+i)::/64.
 */
export const CORE_GATEWAY6 = '2001:db8::1';
export const SERVER_IP6 = '2001:db8::10';
export const wanAddress6 = (site: number): string => `2001:db8::${20 + site}`;
export const lan6 = (site: number): string => `2001:db8:${site + 1}::`;
export const carrierLink6 = (site: number): string => `2001:db8:${100 + site}::`;
/** The name lab hosts resolve to the server's addresses (both families when IPv6 is on). */
export const SERVER_NAME = 'stun.lab';

/**
 * ISP routers (a preset layer's `hopsOutside`): plain routers that take a unit of TTL, as on the
 * internet. The one outside a site's outermost NAT has 203.0.113.(40+i) on the internet bridge and
 * answers ARP there for the NAT's WAN address (proxy ARP), so every address above stays as it is;
 * its link to the NAT is point-to-point from 192.0.2.0/24 (RFC 5737): 192.0.2.(16i+4k+1) for the
 * hop after layer k. IPv6: 2001:db8::(40+i) on the internet, link 2001:db8:(200+10k+i)::/64.
 */
export const ispWan = (site: number): string => `203.0.113.${40 + site}`;
export const ispWan6 = (site: number): string => `2001:db8::${40 + site}`;
export const hopLink = (site: number, layer: number): string => `192.0.2.${16 * site + 4 * layer + 1}`;
export const hopLink6 = (site: number, layer: number): string => `2001:db8:${200 + 10 * layer + site}::`;
