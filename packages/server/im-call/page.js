// The IM call page: signs in (dev login, or ?token=), then calls or answers with @peerlink/im-client.
// `globalThis.imPage` mirrors what the page shows, for tests and for anyone debugging in the console.
import { ImPhone, ImSocket } from './im-client.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const statsIntervalMs = Number(params.get('stats_ms') ?? 3000);

const state = {
  user: null,
  socket: 'signed out',
  call: null,
  incoming: null,
  framesDecoded: 0,
  selectedPairType: null,
  networkStats: null,
  error: null,
  log: [],
};
globalThis.imPage = state;

let token = params.get('token');
let phone;
let current;

function show(call) {
  current = call;
  state.call = call && {
    id: call.id,
    peer: String(call.peer),
    direction: call.direction,
    type: call.callType,
    state: call.state,
    endReason: call.endReason ?? null,
    duration: call.duration ?? null,
  };
  $('state').textContent = call ? `${call.state} (${call.direction}, ${String(call.peer)})` : 'idle';
  $('hangup').hidden = !call || call.state === 'ended';
}

function watch(call) {
  state.framesDecoded = 0;
  state.selectedPairType = null;
  $('ended').textContent = '';
  show(call);
  call.on('state', () => show(call));
  call.on('remoteStream', (s) => ($('remote').srcObject = s));
  call.on('stats', (s) => {
    state.networkStats = s;
    $('stats').textContent = `network_stats ${JSON.stringify(s)}`;
  });
  call.on('error', (code, message, reason) => {
    state.error = `${code}: ${message}${reason ? ` (${reason})` : ''}`;
    $('error').textContent = state.error;
  });
  call.on('ended', (reason, duration) => {
    state.log.push({ ended: reason, duration });
    $('ended').textContent = `ended: ${reason}, ${duration ?? 0} s`;
    $('incoming').hidden = true;
    state.incoming = null;
    show(call);
  });
  if (call.localStream) $('local').srcObject = call.localStream;
}

async function iceServers() {
  const res = await fetch('/im/ice-servers', { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`ice-servers: ${res.status}`);
  return (await res.json()).ice_servers;
}

/** Frames decoded from the other side and the selected candidate pair, read from getStats. */
async function pollStats() {
  const pc = current?.state === 'ended' ? undefined : current?.pc;
  if (!pc) return;
  const report = await pc.getStats();
  let frames = 0;
  let pair;
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
  });
  state.framesDecoded = frames;
  if (pair) state.selectedPairType = report.get(pair.localCandidateId)?.candidateType ?? null;
}

function start(user) {
  state.user = user;
  $('me').textContent = user;
  $('login').hidden = true;
  $('phone').hidden = false;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new ImSocket({ url: `${scheme}://${location.host}/im`, token: () => token });
  socket.on('state', (s) => ($('socket').textContent = state.socket = s));
  socket.on('error', (e) => ($('error').textContent = state.error = e.message));
  phone = new ImPhone({ socket, iceServers, statsIntervalMs });
  phone.on('incoming', (call) => {
    if (current && current.state !== 'ended') return; // busy here: the server already rings us elsewhere
    state.incoming = { id: call.id, from: String(call.peer), type: call.callType };
    $('caller').textContent = String(call.peer);
    $('incoming-type').textContent = call.callType;
    $('incoming').hidden = false;
    watch(call);
  });
  setInterval(() => void pollStats().catch(() => undefined), 1000);
}

async function signIn() {
  state.error = null;
  const res = await fetch('/im/dev-login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: $('user').value.trim() }),
  });
  const body = await res.json();
  if (!res.ok) {
    $('error').textContent = state.error = `${body.error_code}: ${body.error_message}`;
    return;
  }
  token = body.token;
  start(body.user_id);
}

$('sign-in').onclick = () => void signIn();
$('call').onclick = async () => {
  state.error = null;
  $('error').textContent = '';
  try {
    const call = await phone.call($('callee').value.trim(), $('call-type').value);
    watch(call);
  } catch (e) {
    $('error').textContent = state.error = `MEDIA_ERROR: ${e.message}`;
  }
};
$('answer').onclick = async () => {
  $('incoming').hidden = true;
  state.incoming = null;
  await current.answer();
  $('local').srcObject = current.localStream;
};
$('reject').onclick = () => current?.reject();
$('hangup').onclick = () => current?.hangup();

if (token) {
  // An app's own JWT: the user is its `sub`.
  const sub = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub;
  start(sub);
}
