/**
 * Chromium inside a lab host's namespace: playwright-core launches a two-line wrapper that runs
 * `ip netns exec NS /usr/bin/chromium`, so the browser's sockets are the host's and the DevTools
 * pipe stays with us. The page is the server's KVS sample (`/kvs/sample/`, AWS's KVS WebRTC JS
 * SDK), started from query parameters; its progress is on `window.kvsSample`.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@peerlink/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ResolvedChannel } from '@peerlink/webrtc';

export interface LabBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * Without `mdns`, host candidates show their addresses (`WebRtcHideLocalIpsWithMdns` off, as with
 * camera permission); with it, Chromium's default: `.local` names only.
 */
export async function launchChromiumIn(ns: string, mdns: boolean): Promise<LabBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'peerlink-lab-chromium-'));
  const wrapper = join(dir, 'chromium');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM_PATH} "$@"\n`);
  chmodSync(wrapper, 0o755);
  try {
    const browser = await chromium.launch({
      executablePath: wrapper,
      headless: true,
      timeout: 60_000,
      args: [
        ...CHROMIUM_ARGS,
        '--autoplay-policy=no-user-gesture-required',
        ...(mdns ? [] : ['--disable-features=WebRtcHideLocalIpsWithMdns']),
      ],
    });
    return {
      browser,
      close: async () => {
        await browser.close().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export interface SampleOptions {
  readonly httpsUrl: string;
  readonly role: 'master' | 'viewer';
  readonly channel: ResolvedChannel;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly clientId: string;
}

/** Opens the KVS sample page and starts it as master or viewer. */
export async function openSample(b: LabBrowser, o: SampleOptions): Promise<Page> {
  const page = await b.browser.newPage();
  const q = new URLSearchParams({
    role: o.role,
    channelARN: o.channel.arn,
    endpoint: o.channel.wss,
    iceServers: JSON.stringify(o.channel.iceServers),
    accessKeyId: o.credentials.accessKeyId,
    secretAccessKey: o.credentials.secretAccessKey,
    region: 'us-west-2',
    clientId: o.clientId,
    iceTransportPolicy: 'all',
    autostart: '1',
  });
  await page.goto(`${o.httpsUrl}/kvs/sample/?${q}`, { timeout: 60_000 });
  return page;
}

export interface SampleState {
  readonly state: string;
  readonly error: string | null;
  /** getStats's id of the selected candidate pair, and its `local/remote` candidate types. */
  readonly selectedPairId: string | null;
  readonly selectedPairType: string | null;
  readonly localCandidateType: string | null;
  readonly remoteCandidateType: string | null;
  readonly framesDecoded: number;
  /** getStats polls so far (the page polls every 500 ms), and page time of the last one in ms. */
  readonly polls: number;
  readonly polledAt: number;
  readonly log: string[];
}

export const sampleState = (page: Page): Promise<SampleState> =>
  page.evaluate(() => (globalThis as unknown as { kvsSample: SampleState }).kvsSample);

/** The little of the DOM the checks below read (the lab compiles without the DOM library). */
interface PageDocument {
  getElementById(id: string): { readyState: number; videoWidth: number } | null;
}

/** Resolves once the remote video has a decoded frame (the element has data, or getStats says so). */
export async function firstFrame(page: Page, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    () => {
      const g = globalThis as unknown as { kvsSample: SampleState; document: PageDocument };
      const v = g.document.getElementById('remote');
      const s = g.kvsSample;
      return (v !== null && v.readyState >= 2 && v.videoWidth > 0) || s.framesDecoded > 0;
    },
    undefined,
    { polling: 20, timeout: timeoutMs },
  );
}

/** What one of the page's getStats polls saw. */
export interface StatsSample {
  /** Page time of the poll, ms. */
  readonly atMs: number;
  readonly pairId: string | null;
  readonly pairType: string | null;
  readonly framesDecoded: number;
}

/** The page's next getStats poll after poll number `after`, and that poll's number. */
async function nextPoll(page: Page, after: number, timeoutMs: number): Promise<[number, StatsSample]> {
  const handle = await page.waitForFunction(
    (n) => {
      const s = (globalThis as unknown as { kvsSample: SampleState }).kvsSample;
      if (s.polls <= n) return false;
      const sample = {
        atMs: s.polledAt,
        pairId: s.selectedPairId,
        pairType: s.selectedPairType,
        framesDecoded: s.framesDecoded,
      };
      return [s.polls, sample] as const;
    },
    after,
    { polling: 50, timeout: timeoutMs },
  );
  return (await handle.jsonValue()) as [number, StatsSample];
}

/**
 * Every getStats poll of the page from now until `durationMs` of page time have passed since the
 * first: the selected pair and frames decoded as the session runs. While the last polls saw no new
 * frame the watch goes on, up to `graceMs` more, so a stall at the window's end shows its length.
 */
export async function sampleStats(
  page: Page,
  durationMs: number,
  graceMs: number,
  timeoutMs: number,
): Promise<StatsSample[]> {
  const samples: StatsSample[] = [];
  let [n, s] = await nextPoll(page, (await sampleState(page)).polls, timeoutMs);
  samples.push(s);
  const end = s.atMs + durationMs;
  let grewAt = s.atMs;
  let frames = s.framesDecoded;
  while (s.atMs < end || (grewAt < s.atMs && s.atMs < end + graceMs)) {
    [n, s] = await nextPoll(page, n, timeoutMs);
    samples.push(s);
    if (s.framesDecoded > frames) grewAt = s.atMs;
    frames = Math.max(frames, s.framesDecoded);
  }
  return samples;
}
