/** How the chromium suite launches Debian's Chromium through playwright-core: path and flags. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Only for the self-signed development certificate of the data dir (HTTPS, wss:, turns:).
  '--ignore-certificate-errors',
];

/** playwright-core's `chromium.launch()` options for the chromium suite: headless, with the flags above. */
export function chromiumLaunchOptions(): { executablePath: string; headless: boolean; args: string[] } {
  return { executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] };
}
