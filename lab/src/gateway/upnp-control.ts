/**
 * The fake gateway's UPnP IGD side, sans-IO: the device description it serves, its answer to an
 * SSDP search, and its SOAP control (GetExternalIPAddress, AddPortMapping, DeletePortMapping of
 * WANIPConnection:1). AddPortMapping maps only the caller's own address (error 606 otherwise).
 */
import { IGD_DEVICE, parseSsdp, readSoap, soapEnvelope, soapFault } from '@peerlink/p2p';
import type { Changes, ControlContext } from './port-control.js';

export const SERVICE = 'urn:schemas-upnp-org:service:WANIPConnection:1';
export const DESCRIPTION_PATH = '/rootDesc.xml';
export const CONTROL_PATH = '/ctl/IPConn';
const UUID = 'uuid:3c2f1e0a-peer-link-0000-000000000001';

/** UPnP error codes used (IGD:1 WANIPConnection service, UDA §3.2.2). */
const INVALID_ACTION = 401;
const INVALID_ARGS = 402;
const NOT_AUTHORIZED = 606;
const NO_SUCH_ENTRY = 714;
const CONFLICT = 718;

export function description(): string {
  const service = (type: string, id: string, control: string): string =>
    `<service><serviceType>${type}</serviceType><serviceId>${id}</serviceId>` +
    `<controlURL>${control}</controlURL><eventSubURL>/evt</eventSubURL><SCPDURL>/scpd.xml</SCPDURL></service>`;
  const device = (type: string, name: string, inner: string): string =>
    `<device><deviceType>${type}</deviceType><friendlyName>${name}</friendlyName>` +
    `<manufacturer>peerlink lab</manufacturer><modelName>fake gateway</modelName><UDN>${UUID}</UDN>${inner}</device>`;
  return (
    '<?xml version="1.0"?>\r\n<root xmlns="urn:schemas-upnp-org:device-1-0">' +
    '<specVersion><major>1</major><minor>0</minor></specVersion>' +
    device(
      IGD_DEVICE,
      'peerlink lab gateway',
      '<deviceList>' +
        device(
          'urn:schemas-upnp-org:device:WANDevice:1',
          'WAN device',
          '<deviceList>' +
            device(
              'urn:schemas-upnp-org:device:WANConnectionDevice:1',
              'WAN connection',
              `<serviceList>${service(SERVICE, 'urn:upnp-org:serviceId:WANIPConn1', CONTROL_PATH)}</serviceList>`,
            ) +
            '</deviceList>',
        ) +
        '</deviceList>',
    ) +
    '</root>\r\n'
  );
}

/** The unicast answer to an M-SEARCH for the IGD (or everything), or undefined to stay silent. */
export function searchAnswer(bytes: Uint8Array, location: string): Uint8Array | undefined {
  const m = parseSsdp(bytes);
  if (!m.ok || !m.value.start.startsWith('M-SEARCH')) return undefined;
  const st = m.value.headers.get('st') ?? '';
  if (![IGD_DEVICE, SERVICE, 'ssdp:all', 'upnp:rootdevice'].includes(st)) return undefined;
  const target = st === 'ssdp:all' ? IGD_DEVICE : st;
  return new TextEncoder().encode(
    'HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nEXT:\r\n' +
      `LOCATION: ${location}\r\nSERVER: Linux UPnP/1.1 peerlink-lab/0.1\r\n` +
      `ST: ${target}\r\nUSN: ${UUID}::${target}\r\n\r\n`,
  );
}

export interface SoapAnswer extends Changes {
  readonly status: number;
  readonly body: string;
}

const fault = (code: number, why: string): SoapAnswer => ({
  status: 500,
  body: soapFault(code, why),
  added: [],
  removed: [],
});
const answer = (action: string, args: Record<string, string> = {}, changes?: Changes): SoapAnswer => ({
  status: 200,
  body: soapEnvelope(`${action}Response`, SERVICE, args),
  added: changes?.added ?? [],
  removed: changes?.removed ?? [],
});

const port = (s: string | undefined): number | undefined => {
  const n = Number(s);
  return s && /^\d{1,5}$/.test(s) && n >= 1 && n <= 65535 ? n : undefined;
};

export function handleSoap(ctx: ControlContext, xml: string, fromIp: string, now: number): SoapAnswer {
  const r = readSoap(xml);
  if (!r.ok) return fault(INVALID_ACTION, r.error.message);
  const { action, args } = r.value;
  if (action === 'GetExternalIPAddress') return answer(action, { NewExternalIPAddress: ctx.wanIp });
  const ext = port(args.get('NewExternalPort'));
  const proto = (args.get('NewProtocol') ?? '').toUpperCase();
  if (action === 'AddPortMapping') {
    const internal = port(args.get('NewInternalPort'));
    const client = args.get('NewInternalClient') ?? '';
    const lease = Number(args.get('NewLeaseDuration') ?? '0');
    if (
      ext === undefined ||
      internal === undefined ||
      proto !== 'UDP' ||
      !Number.isInteger(lease) ||
      lease < 0
    ) {
      return fault(INVALID_ARGS, 'Invalid Args');
    }
    if (args.get('NewRemoteHost')) return fault(INVALID_ARGS, 'only wildcard remote hosts');
    if (client !== fromIp) return fault(NOT_AUTHORIZED, 'Action not authorized: not your own address');
    const out = ctx.table.map(
      {
        internalAddress: client,
        internalPort: internal,
        externalPort: ext,
        lifetimeSec: lease,
        exactPort: true,
      },
      now,
    );
    if (!out.ok) return fault(CONFLICT, 'ConflictInMappingEntry');
    return answer(action, {}, { added: [out.mapping], removed: out.replaced ? [out.replaced] : [] });
  }
  if (action === 'DeletePortMapping') {
    if (ext === undefined || proto !== 'UDP') return fault(INVALID_ARGS, 'Invalid Args');
    const m = ctx.table.byExternal(ext);
    if (!m) return fault(NO_SUCH_ENTRY, 'NoSuchEntryInArray');
    if (m.internalAddress !== fromIp) return fault(NOT_AUTHORIZED, 'Action not authorized: not your mapping');
    ctx.table.remove(m.internalAddress, m.internalPort);
    return answer(action, {}, { added: [], removed: [m] });
  }
  return fault(INVALID_ACTION, 'Invalid Action');
}
