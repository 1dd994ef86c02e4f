/**
 * The local stand-in for Slack and the console: releases with their live split, their timeline (an
 * inline SVG) and their history in words (groups named blue or green, never an ARN or an event's
 * own name), pending approvals with Approve / Reject, and the messages that would have gone to Slack.
 * Plain HTML and a little script; the API token is in the page, which only a same-origin
 * loopback request can read.
 */
export function pageHtml(apiToken: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="sluice-token" content="${apiToken}">
<title>Sluice — local</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d1c1d; background: #fafafa; }
  h1 { font-size: 1.3rem; } h2 { font-size: 1.05rem; margin-top: 1.5rem; }
  .card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .75rem 1rem; margin: .5rem 0; }
  .split { display: flex; height: 14px; width: 320px; border-radius: 3px; overflow: hidden; background: #eee; }
  .split span { display: block; height: 100%; } .blue { background: #2b6cb0; } .green { background: #2f855a; }
  button { font: inherit; padding: .35rem .9rem; border-radius: 4px; border: 1px solid #888; cursor: pointer; margin-right: .4rem; }
  button.approve { background: #2f855a; color: #fff; border-color: #2f855a; } button.reject { background: #c53030; color: #fff; border-color: #c53030; }
  .muted { color: #666; } .msg { border-left: 3px solid #ccc; padding-left: .6rem; margin: .3rem 0; white-space: pre-wrap; }
  .msg.thread { margin-left: 1.5rem; } .msg.ephemeral { border-color: #d69e2e; }
  code { background: #f0f0f0; padding: 0 .2rem; border-radius: 3px; }
  .timeline svg { display: block; max-width: 100%; height: auto; margin: .6rem 0; border: 1px solid #eee; }
</style>
</head>
<body>
<h1>Sluice — local</h1>
<p class="muted">Approve and Reject post Slack-format interactions, signed by this server, to <code>POST /slack/interactions</code>.</p>
<h2>Pending approvals</h2><div id="approvals"><p class="muted">none</p></div><p class="muted" id="last"></p>
<h2>Releases</h2><div id="releases"><p class="muted">none yet</p></div>
<h2>Delivery metrics <span class="muted">(last 30 days, from the release records)</span></h2><div id="metrics"><p class="muted">none yet</p></div>
<h2>Slack (what would have been posted)</h2><div id="messages"><p class="muted">nothing yet</p></div>
<script>
const token = document.querySelector('meta[name="sluice-token"]').content;
const api = (path, init = {}) => fetch(path, { ...init, headers: { 'x-sluice-token': token, 'content-type': 'application/json', ...(init.headers || {}) } });
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const short = (v) => /^[0-9a-f]{40}$/.test(v) ? v.slice(0, 7) : v;
async function decide(id, action, button) {
  button.disabled = true;
  const response = await api('/api/approvals/' + encodeURIComponent(id) + '/' + action, { method: 'POST', body: '{}' });
  const result = await response.json();
  document.getElementById('last').textContent = action + ': HTTP ' + result.status + (result.said && result.said.length ? ' — ' + result.said.join(' ') : '');
  refresh();
}
// Each environment's timeline (inline SVG, built by the server from the record and the local ALB's
// metrics): fetched again when its record changes, and every few seconds while it runs.
const timelines = new Map();
async function loadTimeline(id, environment, updatedAt, running) {
  const key = id + '/' + environment;
  const cached = timelines.get(key);
  if (cached && (cached.pending || (cached.updatedAt === updatedAt && (!running || Date.now() - cached.fetchedAt < 3000)))) return;
  timelines.set(key, { ...cached, pending: true });
  try {
    const response = await api('/api/releases/' + encodeURIComponent(id) + '/timeline?environment=' + encodeURIComponent(environment));
    const view = await response.json();
    timelines.set(key, { updatedAt, fetchedAt: Date.now(), svg: view.svg ?? '' });
    for (const el of document.querySelectorAll('.timeline')) if (el.dataset.key === key) el.innerHTML = view.svg ?? '';
  } catch {
    timelines.set(key, { ...cached, pending: false });
  }
}
// A section is rebuilt only when what it shows changed: the page polls every second, and a node
// replaced each time loses the reader's selection (and a browser test's element) for nothing.
const shown = new WeakMap();
function show(el, html) {
  if (shown.get(el) === html) return false;
  el.innerHTML = html;
  shown.set(el, html);
  return true;
}
function render(state) {
  const a = document.getElementById('approvals');
  const approvalsChanged = show(a, state.approvals.length ? state.approvals.map((p) => '<div class="card approval" data-approval="' + esc(p.id) + '">'
    + '<b>' + esc(p.service) + '</b> <code>' + esc(short(p.version)) + '</code> → <b>' + esc(p.environment) + '</b>'
    + ' <span class="muted">approval ' + esc(p.id) + ', expires ' + esc(p.expiresAt) + ', approvers ' + esc(p.approvers.join(', ')) + '</span><br><br>'
    + '<button class="approve" data-id="' + esc(p.id) + '" data-action="approve">Approve</button>'
    + '<button class="reject" data-id="' + esc(p.id) + '" data-action="reject">Reject</button></div>').join('') : '<p class="muted">none</p>');
  if (approvalsChanged) for (const b of a.querySelectorAll('button')) b.onclick = () => decide(b.dataset.id, b.dataset.action, b);
  const r = document.getElementById('releases');
  show(r, state.releases.length ? state.releases.map((rel) => rel.environments.map((e) => {
    const w = state.environments[e.environment] || {};
    const blue = w.blue ?? 0, green = w.green ?? 0;
    return '<div class="card release" data-release="' + esc(rel.id) + '" data-environment="' + esc(e.environment) + '">'
      + '<b>' + esc(rel.service) + '</b> <code>' + esc(short(rel.version)) + '</code> → <b>' + esc(e.environment) + '</b>: <span class="status">' + esc(e.statusText ?? e.status) + '</span>'
      + '<div class="split" title="blue ' + blue + ' / green ' + green + '"><span class="blue" style="width:' + blue + '%"></span><span class="green" style="width:' + green + '%"></span></div>'
      + '<span class="muted">listener now: blue ' + blue + '% / green ' + green + '%</span>'
      + '<div class="timeline" data-key="' + esc(rel.id + '/' + e.environment) + '">' + (timelines.get(rel.id + '/' + e.environment)?.svg ?? '') + '</div>'
      + '<ol class="history">' + (e.words || []).map((h) => '<li>' + esc(h.at.slice(11, 19)) + ' ' + esc(h.text) + '</li>').join('') + '</ol></div>';
  }).join('')).join('') : '<p class="muted">none yet</p>');
  for (const rel of state.releases) for (const e of rel.environments) loadTimeline(rel.id, e.environment, e.updatedAt, !e.endedAt);
  const m = document.getElementById('messages');
  show(m, state.messages.length ? state.messages.map((msg) => '<div class="msg' + (msg.threadTs ? ' thread' : '') + (msg.ephemeral ? ' ephemeral' : '') + '">'
    + '<span class="muted">' + esc(msg.ephemeral ? 'only visible to the clicking user' : msg.channel) + '</span> ' + esc(msg.text) + '</div>').join('') : '<p class="muted">nothing yet</p>');
}
async function refresh() {
  const [approvals, releases, messages, environments] = await Promise.all(['/api/approvals', '/api/releases', '/api/messages', '/api/environments'].map((p) => api(p).then((x) => x.json())));
  render({ approvals: approvals.approvals, releases: releases.releases, messages: messages.messages, environments: environments.environments });
}
// DORA's four metrics per environment, with the counts behind each (GET /api/metrics).
const inMs = (v) => v === undefined ? '-' : v < 60000 ? v.toLocaleString('en-US') + ' ms' : Math.round(v / 60000) + ' min';
const spread = (d) => d.n ? 'median ' + inMs(d.medianMs) + ', p90 ' + inMs(d.p90Ms) + ' (n=' + d.n + ')' : 'none (n=0)';
async function refreshMetrics() {
  const m = await api('/api/metrics').then((x) => x.json());
  const rows = m.deploymentFrequency.map((df, i) => {
    const lead = m.leadTime[i], cfr = m.changeFailureRate[i], ttr = m.timeToRestore[i];
    return '<tr data-environment="' + esc(df.environment) + '"><td><b>' + esc(df.environment) + '</b>' + (df.environment === m.production ? ' (production)' : '') + '</td>'
      + '<td>' + df.deployments + ' (' + df.perWeek + '/week)</td><td>' + esc(spread(lead)) + '</td>'
      + '<td>' + cfr.failed + '/' + cfr.deployments + (cfr.rate === null ? '' : ' = ' + Math.round(cfr.rate * 1000) / 10 + '%') + '</td><td>' + esc(spread(ttr)) + '</td></tr>';
  }).join('');
  document.getElementById('metrics').innerHTML = '<table class="card"><tr><th>environment</th><th>deployments</th><th>lead time for changes</th><th>change failure rate</th><th>time to restore</th></tr>' + rows + '</table>';
}
refresh();
setInterval(refresh, 1000);
refreshMetrics();
setInterval(refreshMetrics, 5000);
</script>
</body>
</html>`;
}
