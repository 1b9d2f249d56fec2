// Starts `peerlink serve` as a real child process on ephemeral ports and reads its banner.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const BIN = new URL('../../../bin/peerlink.js', import.meta.url).pathname;

export interface SpawnedServer {
  child: ChildProcess;
  httpUrl: string;
  httpsUrl: string;
  stun: { address: string; port: number };
  alternate: { address: string; port: number } | undefined;
  /** TURN over TLS, from the banner's TURN line. */
  tls: { address: string; port: number } | undefined;
  /** The data dir (its secrets.json holds the generated TURN REST secret). */
  dataDir: string;
  lines: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnServer(extra: string[] = [], env: Record<string, string> = {}): Promise<SpawnedServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-test-'));
  const args = [
    BIN,
    'serve',
    '--data-dir',
    dataDir,
    '--host',
    '127.0.0.1',
    '--http-port',
    '0',
    '--https-port',
    '0',
    '--admin-listen',
    '127.0.0.1:0',
    '--stun-port',
    '0',
    '--tls-port',
    '0',
    '--log-level',
    'warn',
    ...extra,
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    void exited.then((code) => reject(new Error(`server exited ${code} before ready: ${stderr}`)));
    const rl = createInterface({ input: child.stdout! });
    let httpUrl = '';
    let httpsUrl = '';
    let stun = { address: '', port: 0 };
    let alternate: SpawnedServer['alternate'];
    let tls: SpawnedServer['tls'];
    rl.on('line', (line) => {
      lines.push(line);
      const http = /^peerlink: HTTP\s+(http:\/\/\S+?)\//.exec(line);
      if (http) httpUrl = http[1] as string;
      const https = /^peerlink: HTTPS\s+(https:\/\/\S+?)\//.exec(line);
      if (https) httpsUrl = https[1] as string;
      const s = /^peerlink: STUN\s+([\d.]+):(\d+)(?: \+ RFC 5780 alternate ([\d.]+):(\d+))?/.exec(line);
      if (s) {
        stun = { address: s[1] as string, port: Number(s[2]) };
        if (s[3]) alternate = { address: s[3], port: Number(s[4]) };
      }
      const t = /^peerlink: TURN .*, TLS ([\d.]+):(\d+);/.exec(line);
      if (t) tls = { address: t[1] as string, port: Number(t[2]) };
      if (line === 'peerlink: ready') {
        resolve({
          child,
          httpUrl,
          httpsUrl,
          stun,
          alternate,
          tls,
          dataDir,
          lines,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}
