// A Chromium page as a KVS viewer or master, running AWS's KVS WebRTC JS SDK (the bundle peerlink
// serves at /kvs/sample/) with a plain RTCPeerConnection: the viewer receives video and audio and
// opens a data channel; the master sends the fake camera and microphone. Progress on window.peer.
import type { Page } from 'playwright-core';
import type { IceServer } from '../../src/index.js';

export interface BrowserPeerState {
  state: string;
  error: string | null;
  echoes: string[];
  framesDecoded: number;
  audioPackets: number;
  videoPackets: number;
  pairTypes: string | null;
}

export interface BrowserPeerOptions {
  readonly role: 'viewer' | 'master';
  readonly arn: string;
  readonly wss: string;
  readonly iceServers: readonly IceServer[];
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly clientId?: string;
}

/** Starts the KVS peer in `page`, which must already show /kvs/sample/ (for the SDK bundle). */
export async function startBrowserPeer(page: Page, o: BrowserPeerOptions): Promise<void> {
  await page.evaluate(async (o) => {
    type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const g = globalThis as Any;
    const st: Any = {
      state: 'starting',
      error: null,
      echoes: [],
      framesDecoded: 0,
      audioPackets: 0,
      videoPackets: 0,
      pairTypes: null,
    };
    g.peer = st;
    const { SignalingClient, Role } = g.KVSWebRTC;
    const sc = new SignalingClient({
      channelARN: o.arn,
      channelEndpoint: o.wss,
      role: o.role === 'viewer' ? Role.VIEWER : Role.MASTER,
      region: 'us-west-2',
      credentials: o.credentials,
      systemClockOffset: 0,
      ...(o.role === 'viewer' ? { clientId: o.clientId } : {}),
    });
    const pcs: Any[] = [];
    const newPc = (remote?: string): Any => {
      const pc = new g.RTCPeerConnection({ iceServers: o.iceServers });
      pc.onicecandidate = (e: Any) => e.candidate && sc.sendIceCandidate(e.candidate, remote);
      pc.onconnectionstatechange = () => (st.state = pc.connectionState);
      pcs.push(pc);
      return pc;
    };
    setInterval(async () => {
      for (const pc of pcs) {
        const stats = await pc.getStats();
        let frames = 0,
          audio = 0,
          video = 0;
        stats.forEach((s: Any) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') {
            frames += s.framesDecoded ?? 0;
            video += s.packetsReceived ?? 0;
          }
          if (s.type === 'inbound-rtp' && s.kind === 'audio') audio += s.packetsReceived ?? 0;
          if (s.type === 'transport' && s.selectedCandidatePairId) {
            const p = stats.get(s.selectedCandidatePairId);
            st.pairTypes = `${stats.get(p.localCandidateId)?.candidateType}/${stats.get(p.remoteCandidateId)?.candidateType}`;
          }
        });
        Object.assign(st, { framesDecoded: frames, audioPackets: audio, videoPackets: video });
      }
    }, 250);
    if (o.role === 'viewer') {
      const pc = newPc();
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
      const dc = pc.createDataChannel('kvsDataChannel');
      dc.onmessage = (e: Any) => st.echoes.push(String(e.data));
      dc.onopen = () => dc.send('hello from chromium');
      sc.on('sdpAnswer', (a: Any) => pc.setRemoteDescription(a).catch((e: Any) => (st.error = String(e))));
      sc.on('iceCandidate', (c: Any) => pc.addIceCandidate(c).catch((e: Any) => (st.error = String(e))));
      sc.on('open', async () => {
        await pc.setLocalDescription(await pc.createOffer());
        sc.sendSdpOffer(pc.localDescription);
        st.state = 'offered';
      });
    } else {
      const media = await g.navigator.mediaDevices.getUserMedia({
        video: { width: 320, height: 240 },
        audio: true,
      });
      const byViewer = new Map<string, Any>();
      sc.on('sdpOffer', async (offer: Any, remote: string) => {
        try {
          const pc = newPc(remote);
          byViewer.set(remote, pc);
          pc.ondatachannel = (e: Any) => (e.channel.onmessage = (m: Any) => e.channel.send(m.data));
          for (const t of media.getTracks()) pc.addTrack(t, media);
          await pc.setRemoteDescription(offer);
          await pc.setLocalDescription(await pc.createAnswer());
          sc.sendSdpAnswer(pc.localDescription, remote);
        } catch (e) {
          st.error = String(e);
        }
      });
      sc.on('iceCandidate', (c: Any, remote: string) =>
        byViewer
          .get(remote)
          ?.addIceCandidate(c)
          .catch((e: Any) => (st.error = String(e))),
      );
      sc.on('open', () => (st.state = 'waiting'));
    }
    sc.on('error', (e: Any) => (st.error = String(e?.message ?? e)));
    sc.open();
  }, o);
}

export const browserPeer = (page: Page): Promise<BrowserPeerState> =>
  page.evaluate(() => (globalThis as unknown as { peer: BrowserPeerState }).peer);
