// The KVS sample page's script: a master (fake or real camera, one RTCPeerConnection per viewer) or a
// viewer (recvonly offer, trickle ICE) on a KVS signaling channel through the SDK's SignalingClient.
// Its progress is on window.kvsSample for tests: state, selected candidate pair (id and types), frames
// decoded, and how many getStats polls have run (`polls`, the last at `polledAt`, page time in ms).
(() => {
  const sample = {
    state: 'idle',
    error: null,
    selectedPairId: null,
    selectedPairType: null,
    localCandidateType: null,
    remoteCandidateType: null,
    framesDecoded: 0,
    peers: 0,
    polls: 0,
    polledAt: 0,
    log: [],
  };
  window.kvsSample = sample;
  const form = document.getElementById('form');
  const $ = (id) => document.getElementById(id);
  let running = null;

  function log(line) {
    sample.log.push(line);
    $('log').textContent += `${new Date().toISOString().slice(11, 23)} ${line}\n`;
  }
  function setState(s) {
    sample.state = s;
    $('state').textContent = s;
    log(`state: ${s}`);
  }
  function fail(e) {
    sample.error = String((e && e.message) || e);
    setState('error');
    log(`error: ${sample.error}`);
  }

  // Query parameters fill the form; `autostart=1` starts at once.
  const query = new URLSearchParams(location.search);
  for (const el of form.elements) if (el.name && query.has(el.name)) el.value = query.get(el.name);

  /** Polls getStats: the selected pair's candidate types, and frames decoded of inbound video. */
  async function pollStats(pc) {
    const stats = await pc.getStats();
    let pairId = null;
    let frames = 0;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
      if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0;
    });
    if (pairId === null)
      stats.forEach((s) => {
        if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) pairId = s.id;
      });
    const pair = pairId && stats.get(pairId);
    if (pair) {
      sample.selectedPairId = pairId;
      const local = stats.get(pair.localCandidateId);
      const remote = stats.get(pair.remoteCandidateId);
      sample.localCandidateType = local ? local.candidateType : null;
      sample.remoteCandidateType = remote ? remote.candidateType : null;
      sample.selectedPairType = `${sample.localCandidateType}/${sample.remoteCandidateType}`;
      $('pair').textContent =
        `${sample.selectedPairType}` + (local && local.relayProtocol ? ` (TURN ${local.relayProtocol})` : '');
    }
    return frames;
  }

  function start(f) {
    const { SignalingClient, Role } = KVSWebRTC;
    const role = f.role === 'viewer' ? Role.VIEWER : Role.MASTER;
    const rtcConfig = {
      iceServers: JSON.parse(f.iceServers || '[]'),
      iceTransportPolicy: f.iceTransportPolicy === 'relay' ? 'relay' : 'all',
    };
    const signaling = new SignalingClient({
      channelARN: f.channelARN,
      channelEndpoint: f.endpoint,
      role,
      region: f.region,
      credentials: { accessKeyId: f.accessKeyId, secretAccessKey: f.secretAccessKey },
      systemClockOffset: 0,
      ...(role === Role.VIEWER
        ? { clientId: f.clientId || `viewer-${Math.random().toString(36).slice(2)}` }
        : {}),
    });
    const pcs = new Map(); // remote client id (master) or 'master' (viewer) -> RTCPeerConnection
    const timer = setInterval(async () => {
      let frames = 0;
      for (const pc of pcs.values()) frames += await pollStats(pc).catch(() => 0);
      sample.framesDecoded = frames;
      sample.polledAt = performance.now();
      sample.polls++;
      $('frames').textContent = String(frames);
    }, 500);
    running = {
      stop() {
        clearInterval(timer);
        for (const pc of pcs.values()) pc.close();
        pcs.clear();
        signaling.close();
        setState('stopped');
      },
    };
    signaling.on('error', (e) => log(`signaling error: ${(e && e.message) || e}`));
    signaling.on('close', () => log('signaling closed'));

    function peer(key, remoteClientId) {
      const pc = new RTCPeerConnection(rtcConfig);
      pcs.set(key, pc);
      sample.peers = pcs.size;
      pc.onicecandidate = ({ candidate }) => {
        if (candidate) signaling.sendIceCandidate(candidate, remoteClientId);
      };
      pc.onconnectionstatechange = () => {
        log(`${key}: ${pc.connectionState}`);
        if (pc.connectionState === 'connected') setState('connected');
      };
      return pc;
    }

    if (role === Role.MASTER) {
      const media = navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
      media.then((stream) => ($('local').srcObject = stream)).catch(fail);
      signaling.on('open', () => setState('waiting for viewers'));
      signaling.on('sdpOffer', async (offer, remoteClientId) => {
        try {
          log(`offer from ${remoteClientId}`);
          pcs.get(remoteClientId)?.close();
          const pc = peer(remoteClientId, remoteClientId);
          const stream = await media;
          for (const t of stream.getTracks()) pc.addTrack(t, stream);
          await pc.setRemoteDescription(offer);
          await pc.setLocalDescription(await pc.createAnswer());
          signaling.sendSdpAnswer(pc.localDescription, remoteClientId);
        } catch (e) {
          fail(e);
        }
      });
      signaling.on('iceCandidate', (candidate, remoteClientId) => {
        pcs
          .get(remoteClientId)
          ?.addIceCandidate(candidate)
          .catch((e) => log(`addIceCandidate: ${e}`));
      });
    } else {
      const pc = peer('master');
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.ontrack = (e) => {
        $('remote').srcObject = e.streams[0] || new MediaStream([e.track]);
        $('remote')
          .play()
          .catch(() => {});
      };
      signaling.on('open', async () => {
        try {
          setState('offering');
          await pc.setLocalDescription(await pc.createOffer());
          signaling.sendSdpOffer(pc.localDescription);
        } catch (e) {
          fail(e);
        }
      });
      signaling.on('sdpAnswer', (answer) => pc.setRemoteDescription(answer).catch(fail));
      signaling.on('iceCandidate', (candidate) =>
        pc.addIceCandidate(candidate).catch((e) => log(`addIceCandidate: ${e}`)),
      );
    }
    setState('connecting');
    signaling.open();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    running?.stop();
    try {
      start(Object.fromEntries(new FormData(form)));
    } catch (err) {
      fail(err);
    }
  });
  $('stop').addEventListener('click', () => running?.stop());
  if (query.get('autostart') === '1') form.requestSubmit();
})();
