// A raw WebSocket standing in for the KVS C SDK's libwebsockets connection: it dials a URL presigned
// the C SDK's way (cSdkPresign) with the Host header the SDK sends, writes frames
// as the SDK's template does, and records every frame it gets (text or binary) and how it closed.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { cSdkDial } from '@peerlink/testing';
import { openedOrRefused, type Refusal } from './ws-open.js';

export interface Got {
  readonly data: string;
  readonly binary: boolean;
}

export class CSdkSocket {
  readonly got: Got[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly #ws: WebSocket;
  #changed: () => void = () => {};

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (d: Buffer, binary) => {
      this.got.push({ data: d.toString(), binary });
      this.#changed();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#changed();
    });
  }

  /**
   * Opens `presigned` on the server at `address:port` as the SDK would (its host, no port, as the
   * Host header). Resolves with the socket, or with the HTTP refusal's status and body.
   */
  static open(
    presigned: string,
    address: string,
    port: number,
    ca: string,
    hostHeader?: string,
  ): Promise<CSdkSocket | Refusal> {
    const { url, host } = cSdkDial(presigned, address, port);
    // TLS verifies the server's address (the dev certificate names it); the Host header is the SDK's.
    const ws = new WebSocket(url, { ca, headers: { Host: hostHeader ?? host } });
    const s = new CSdkSocket(ws);
    return openedOrRefused(ws).then((r) => (r instanceof WebSocket ? s : r));
  }

  send(data: string | Buffer, binary = false): void {
    this.#ws.send(data, { binary });
  }

  /** Waits (for a frame or the close, not a time) until `done()` holds; fails after `ms`. */
  async until(done: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (this.closed) assert.fail(`closed ${JSON.stringify(this.closed)} before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`no ${what}; got ${JSON.stringify(this.got).slice(0, 2000)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#changed = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  /** The `n`th frame received (0-based), parsed, once it is there. */
  async frame(n: number): Promise<Record<string, unknown>> {
    await this.until(() => this.got.length > n, `frame ${n}`);
    return JSON.parse(this.got[n]?.data ?? 'null') as Record<string, unknown>;
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closed !== undefined, 'close');
    return this.closed as { code: number; reason: string };
  }

  close(): void {
    this.#ws.close();
  }
}
