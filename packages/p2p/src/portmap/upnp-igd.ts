/**
 * UPnP Internet Gateway Device (IGD:1) port mapping: SSDP discovery (UPnP Device Architecture 1.1
 * §1.3.2, M-SEARCH), the device description (§2.3), and SOAP actions of the WANIPConnection or
 * WANPPPConnection service (`GetExternalIPAddress`, `AddPortMapping`, `DeletePortMapping`).
 *
 * The codecs here are pure and serve both ends (the lab's fake gateway uses them too). The HTTP
 * calls bound every body, follow no redirect, time out, and only talk to the gateway that answered
 * the search: a LOCATION or control URL naming another host is refused.
 */
import { checkXml, decodeText, elements, escapeText, textOf } from './xml.js';
import { PortMapError, failResult, okResult, type PortMapResult } from './errors.js';

export const SSDP_PORT = 1900;
export const SSDP_MULTICAST = '239.255.255.250';
export const IGD_DEVICE = 'urn:schemas-upnp-org:device:InternetGatewayDevice:1';
/** Services that map ports, best first. */
export const WAN_SERVICES = [
  'urn:schemas-upnp-org:service:WANIPConnection:2',
  'urn:schemas-upnp-org:service:WANIPConnection:1',
  'urn:schemas-upnp-org:service:WANPPPConnection:1',
] as const;
/** Bodies larger than this are refused (a description is a few KiB). */
export const MAX_BODY_BYTES = 64 * 1024;
const MAX_SSDP_BYTES = 4096;

const ascii = new TextEncoder();
const text = new TextDecoder('utf-8', { fatal: false });

export function encodeMSearch(searchTarget: string = IGD_DEVICE, mxSec = 1): Uint8Array {
  return ascii.encode(
    'M-SEARCH * HTTP/1.1\r\n' +
      `HOST: ${SSDP_MULTICAST}:${SSDP_PORT}\r\n` +
      'MAN: "ssdp:discover"\r\n' +
      `MX: ${mxSec}\r\n` +
      `ST: ${searchTarget}\r\n\r\n`,
  );
}

/** Headers of an SSDP message (lower-case names); `start` is its first line. */
export function parseSsdp(bytes: Uint8Array): PortMapResult<{ start: string; headers: Map<string, string> }> {
  if (bytes.length > MAX_SSDP_BYTES)
    return failResult('PORTMAP_MALFORMED', `SSDP message of ${bytes.length} bytes`);
  const lines = text.decode(bytes).split(/\r?\n/);
  const start = (lines[0] ?? '').trim();
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  if (!/^(HTTP\/1\.[01] \d{3}|M-SEARCH \* HTTP\/1\.[01]|NOTIFY \* HTTP\/1\.[01])/.test(start)) {
    return failResult('PORTMAP_MALFORMED', 'not an SSDP message');
  }
  return okResult({ start, headers });
}

/** A search response naming an IGD: its description URL, which must be http on `gateway`. */
export function parseSearchResponse(bytes: Uint8Array, gateway: string): PortMapResult<URL> {
  const m = parseSsdp(bytes);
  if (!m.ok) return m;
  if (!/^HTTP\/1\.[01] 200/.test(m.value.start)) return failResult('PORTMAP_MALFORMED', m.value.start);
  const st = m.value.headers.get('st') ?? '';
  if (st !== IGD_DEVICE && !st.startsWith('urn:schemas-upnp-org:service:WAN')) {
    return failResult('PORTMAP_MALFORMED', `search target ${st}`);
  }
  return sameHost(m.value.headers.get('location') ?? '', undefined, gateway);
}

/** Resolves `ref` (against `base`), refusing anything but http on the gateway itself. */
export function sameHost(ref: string, base: URL | undefined, gateway: string): PortMapResult<URL> {
  let url: URL;
  try {
    url = new URL(ref, base);
  } catch {
    return failResult('PORTMAP_HTTP', `unreadable URL ${JSON.stringify(ref.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' || url.hostname !== gateway || url.username || url.password) {
    return failResult('PORTMAP_HTTP', `URL ${url.href.slice(0, 200)} is not http on ${gateway}`);
  }
  return okResult(url);
}

export interface IgdControl {
  readonly controlUrl: URL;
  readonly serviceType: (typeof WAN_SERVICES)[number];
}

/** The best WAN connection service of a device description and its control URL. */
export function parseDescription(xml: string, location: URL, gateway: string): PortMapResult<IgdControl> {
  const checked = checkXml(xml);
  if (!checked.ok) return checked;
  const base = textOf(xml, 'URLBase');
  const baseUrl = base ? sameHost(base, location, gateway) : okResult(location);
  if (!baseUrl.ok) return baseUrl;
  const services = elements(xml, 'service').map((s) => ({
    type: textOf(s, 'serviceType'),
    control: textOf(s, 'controlURL'),
  }));
  for (const wanted of WAN_SERVICES) {
    const s = services.find((x) => x.type === wanted && x.control);
    if (!s?.control) continue;
    const url = sameHost(s.control, baseUrl.value, gateway);
    return url.ok ? okResult({ controlUrl: url.value, serviceType: wanted }) : url;
  }
  return failResult('PORTMAP_BAD_XML', 'no WANIPConnection or WANPPPConnection service with a control URL');
}

/** A SOAP 1.1 envelope for `action` (a request) or `actionResponse` (an answer). */
export function soapEnvelope(
  action: string,
  serviceType: string,
  args: Readonly<Record<string, string>>,
): string {
  const body = Object.entries(args)
    .map(([k, v]) => `<${k}>${escapeText(v)}</${k}>`)
    .join('');
  return (
    '<?xml version="1.0"?>\r\n' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" ' +
    's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>' +
    `<u:${action} xmlns:u="${escapeText(serviceType)}">${body}</u:${action}>` +
    '</s:Body></s:Envelope>\r\n'
  );
}

/** A UPnP error answer (UPnP Device Architecture 1.1 §3.2.2): HTTP 500 with a SOAP fault. */
export function soapFault(code: number, description: string): string {
  return (
    '<?xml version="1.0"?>\r\n' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" ' +
    's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><s:Fault>' +
    '<faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>' +
    '<UPnPError xmlns="urn:schemas-upnp-org:control-1-0">' +
    `<errorCode>${code}</errorCode><errorDescription>${escapeText(description)}</errorDescription>` +
    '</UPnPError></detail></s:Fault></s:Body></s:Envelope>\r\n'
  );
}

/**
 * The action element of a SOAP body and its arguments (child elements, text only). A fault becomes
 * PORTMAP_REFUSED carrying the UPnP error code.
 */
export function readSoap(xml: string): PortMapResult<{ action: string; args: Map<string, string> }> {
  const checked = checkXml(xml);
  if (!checked.ok) return checked;
  const body = elements(xml, 'Body')[0];
  if (body === undefined) return failResult('PORTMAP_BAD_XML', 'no SOAP Body');
  const fault = elements(body, 'Fault')[0];
  if (fault !== undefined) {
    const code = Number(textOf(fault, 'errorCode') ?? NaN);
    const why = textOf(fault, 'errorDescription') ?? textOf(fault, 'faultstring') ?? 'fault';
    return failResult(
      'PORTMAP_REFUSED',
      `UPnP error ${code}: ${why.slice(0, 200)}`,
      Number.isInteger(code) ? code : undefined,
    );
  }
  const m = /<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>]/.exec(body);
  if (!m) return failResult('PORTMAP_BAD_XML', 'no action in the SOAP Body');
  const action = m[1] as string;
  const inner = elements(body, action)[0] ?? '';
  const args = new Map<string, string>();
  for (const a of inner.matchAll(
    /<([A-Za-z_][\w.-]*)(?:\s[^<>]*)?>([^<]*)<\/\1\s*>|<([A-Za-z_][\w.-]*)\s*\/>/g,
  )) {
    if (a[1] !== undefined) args.set(a[1], decodeText(a[2] ?? ''));
    else if (a[3] !== undefined) args.set(a[3], '');
  }
  return okResult({ action, args });
}

/** Reads a body of at most `limit` bytes; larger ones are cancelled and refused. */
async function boundedText(res: Response, limit: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new PortMapError('PORTMAP_HTTP', `body over ${limit} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return text.decode(all);
}

/** An HTTP exchange with the gateway: status and bounded body; failures become PortMapErrors. */
export async function httpText(
  url: URL,
  init: RequestInit,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url, { ...init, signal, redirect: 'error' });
    return { status: res.status, body: await boundedText(res, MAX_BODY_BYTES) };
  } catch (e) {
    if (e instanceof PortMapError) throw e;
    if (signal.aborted)
      throw new PortMapError('PORTMAP_TIMEOUT', `HTTP ${url.pathname.slice(0, 100)} timed out`);
    throw new PortMapError('PORTMAP_HTTP', `HTTP ${url.pathname.slice(0, 100)}: ${(e as Error).message}`);
  }
}

export async function fetchControl(location: URL, gateway: string, signal: AbortSignal): Promise<IgdControl> {
  const { status, body } = await httpText(location, { method: 'GET' }, signal);
  if (status !== 200) throw new PortMapError('PORTMAP_HTTP', `description: HTTP ${status}`);
  const r = parseDescription(body, location, gateway);
  if (!r.ok) throw r.error;
  return r.value;
}

/** Calls one action; resolves with its output arguments or rejects with a PortMapError. */
export async function soapCall(
  control: IgdControl,
  action: string,
  args: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<Map<string, string>> {
  const { status, body } = await httpText(
    control.controlUrl,
    {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset="utf-8"',
        soapaction: `"${control.serviceType}#${action}"`,
      },
      body: soapEnvelope(action, control.serviceType, args),
    },
    signal,
  );
  // UPnP errors come as HTTP 500 with a SOAP fault; any other failure status is plain HTTP.
  if (status !== 200 && status !== 500) throw new PortMapError('PORTMAP_HTTP', `${action}: HTTP ${status}`);
  const r = readSoap(body);
  if (!r.ok) throw r.error;
  if (status !== 200) throw new PortMapError('PORTMAP_HTTP', `${action}: HTTP ${status} without a fault`);
  if (r.value.action !== `${action}Response`) {
    throw new PortMapError('PORTMAP_BAD_XML', `${action} answered with ${r.value.action.slice(0, 100)}`);
  }
  return r.value.args;
}
