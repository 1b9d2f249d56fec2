/** Starts the fake gateway (main.ts) in a router namespace and waits for it to be ready. */
import { start, type LabProcess } from '../exec.js';

export const GATEWAY_MAIN = new URL('./main.js', import.meta.url).pathname;
/** The HTTP port of the description and control URL on the router's LAN address. */
export const GATEWAY_HTTP_PORT = 5000;

export async function startGatewayIn(
  ns: string,
  lanIp: string,
  wanIp: string,
  table = 'lab',
): Promise<LabProcess> {
  const p = start(
    ns,
    process.execPath,
    [
      GATEWAY_MAIN,
      '--lan-ip',
      lanIp,
      '--wan-ip',
      wanIp,
      '--table',
      table,
      '--http-port',
      String(GATEWAY_HTTP_PORT),
    ],
    `gateway in ${ns}`,
  );
  try {
    await p.waitForLine(/^ready$/, 10_000);
  } catch (e) {
    await p.stop();
    throw e;
  }
  return p;
}
