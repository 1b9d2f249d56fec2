/** The HTML answer to `GET /`: what this server is and which endpoints it offers. */
export interface LandingInfo {
  version: string;
  stun: string[];
  endpoints: { path: string; what: string }[];
}

const escape = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

export function renderLandingPage(info: LandingInfo): string {
  const rows = info.endpoints
    .map(
      (e) =>
        `<tr><td><a href="${escape(e.path)}"><code>${escape(e.path)}</code></a></td><td>${escape(e.what)}</td></tr>`,
    )
    .join('\n');
  const stun = info.stun.map((s) => `<li><code>${escape(s)}</code></li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>peerlink ${escape(info.version)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}td{padding:.2rem 1rem .2rem 0}</style>
</head>
<body>
<h1>peerlink ${escape(info.version)}</h1>
<p>Self-hosted peer-to-peer connectivity: signaling, STUN/TURN and relay in one server.</p>
<h2>HTTP endpoints</h2>
<table>
${rows}
</table>
<h2>STUN</h2>
<ul>
${stun}
</ul>
<p>Classify your NAT: <code>npx peerlink nat --server stun:HOST:PORT --json</code></p>
</body>
</html>
`;
}
