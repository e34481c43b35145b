// Health Watch live dashboard. Plain ES2020, no build step, no external requests.
// Uses only the public API (docs: API.md): HTTP GETs for the initial state and the
// WebSocket /api/v1/live for events.
'use strict';

(() => {
  const TOKEN_KEY = 'healthwatch.token';
  const SPARK_POINTS = 50;
  const CLOSED_OUTAGES_SHOWN = 20;
  const CLOSED_OUTAGES_KEPT = 200;
  const WATCH_HISTORY_SHOWN = 20;
  const WATCH_REFRESH_MS = 5000;
  const STORAGE_REFRESH_MS = 5000;
  const STORAGE_AFTER_SAMPLE_MS = 1000;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 30000;
  const FETCH_CONCURRENCY = 4;
  const STATE_ORDER = { offline: 0, unknown: 1, online: 2 };
  // policy violation, and the 4000-range codes a server may use for 401/403
  const AUTH_CLOSE_CODES = [1008, 4401, 4403];

  const $ = (id) => document.getElementById(id);

  const model = {
    channels: new Map(),  // channelId -> channel state
    samples: new Map(),   // channelId -> samples ascending by timestamp, at most SPARK_POINTS
    outages: new Map(),   // outage id -> outage
    watch: null,
    watchHistory: [],
  };

  const view = {
    sortKey: 'name',
    sortDir: 1,
    filterName: '',
    filterState: '',
    rows: new Map(),      // channelId -> <tr>
  };

  const live = {
    socket: null,
    attempt: 0,
    retryTimer: null,
    retryAt: 0,
    stopped: false,       // true while waiting for a token
    generation: 0,
  };

  class AuthRequired extends Error {
    constructor(message) {
      super(message || 'a token is required');
      this.name = 'AuthRequired';
    }
  }

  // ---------- small helpers ----------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'text') node.textContent = v;
        else if (k === 'className') node.className = v;
        else node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function pad(n) {
    return String(n).padStart(2, '0');
  }

  function formatTime(ms) {
    if (ms === null || ms === undefined) return '—';
    const d = new Date(ms);
    const today = new Date();
    const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (d.toDateString() === today.toDateString()) return hms;
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hms}`;
  }

  function formatDuration(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '—';
    let s = Math.max(0, Math.floor(ms / 1000));
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    if (d > 0) return `${d}d ${h}h ${pad(m)}m`;
    if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
    if (m > 0) return `${m}m ${pad(s)}s`;
    return `${s}s`;
  }

  function formatAgo(ms) {
    if (ms === null || ms === undefined) return '';
    const diff = Date.now() - ms;
    if (diff < -1000) return `in ${formatDuration(-diff)}`;
    return `${formatDuration(diff)} ago`;
  }

  function formatLatency(ms) {
    return ms === null || ms === undefined ? '—' : `${ms} ms`;
  }

  function formatPercent(x) {
    return x === null || x === undefined ? '—' : `${(x * 100).toFixed(2)} %`;
  }

  function timeEl(ms, className) {
    const t = el('time', { className, datetime: ms ? new Date(ms).toISOString() : null, 'data-ms': ms ?? null });
    t.textContent = formatTime(ms);
    return t;
  }

  function stateOf(channel) {
    return String(channel.state || 'unknown').toLowerCase();
  }

  // ---------- token ----------

  function getToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch (e) {
      return null;
    }
  }

  function setToken(token) {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      // storage disabled: the token then lives only in memory for this page
    }
    memoryToken = token || null;
    $('forget-token').hidden = !token;
  }

  let memoryToken = getToken();

  function currentToken() {
    return getToken() || memoryToken;
  }

  function showTokenPrompt(message) {
    live.stopped = true;
    reloadQueued = false;
    closeSocket();
    setToken(null);
    setStatus('auth', 'Token required');
    $('token-message').textContent = message;
    $('token-panel').hidden = false;
    $('token-input').value = '';
    $('token-input').focus();
  }

  function hideTokenPrompt() {
    $('token-panel').hidden = true;
  }

  // ---------- HTTP ----------

  async function api(path) {
    const headers = { Accept: 'application/json' };
    const token = currentToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(path, { headers, cache: 'no-store' });
    if (res.status === 401) throw new AuthRequired(token ? 'The token was refused. Enter a valid token.' : null);
    if (res.status === 403) throw new AuthRequired('This token lacks the read role. Enter a token with read access.');
    if (res.status === 404) return null;
    if (!res.ok) {
      let message = `${res.status} ${res.statusText}`;
      try {
        const body = await res.json();
        if (body && body.error && body.error.message) message = body.error.message;
      } catch (e) {
        // not JSON: keep the status line
      }
      throw new Error(`GET ${path}: ${message}`);
    }
    return res.json();
  }

  async function inBatches(items, fn) {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++];
        await fn(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, items.length) }, worker));
  }

  let loading = null;
  let reloadQueued = false;
  const liveDuringLoad = new Set();  // channels live events touched since the current load began

  // One load at a time; a load asked for while one runs starts again once it ends, so a
  // load requested after (re)subscribing always reads state newer than the subscription.
  function loadAll() {
    if (loading) {
      reloadQueued = true;
      return loading;
    }
    loading = doLoadAll().finally(() => {
      loading = null;
      if (reloadQueued && !live.stopped) {
        reloadQueued = false;
        loadAll();
      }
    });
    return loading;
  }

  async function doLoadAll() {
    liveDuringLoad.clear();
    const known = new Set(model.channels.keys());
    const knownOutages = new Set(model.outages.keys());
    try {
      const [channels, outages] = await Promise.all([
        api('api/v1/channels'),
        api('api/v1/outages?limit=100'),
      ]);
      const fetched = (channels && channels.channels) || [];
      const present = new Set(fetched.map((c) => c.channelId));
      // a channel known before this load and absent from the answer was deleted
      for (const id of known) {
        if (!present.has(id)) {
          model.channels.delete(id);
          model.samples.delete(id);
        }
      }
      for (const c of fetched) mergeChannel(c);
      const openOnes = await api('api/v1/outages?open=true&limit=1000');
      const fetchedOutages = [...((outages && outages.outages) || []), ...((openOnes && openOnes.outages) || [])];
      const outageIds = new Set(fetchedOutages.map((o) => o.id));
      // outages known before this load that the server no longer lists (deleted channel,
      // empty store after a restart) go; those told by live events during the load stay
      for (const id of knownOutages) {
        if (!outageIds.has(id)) model.outages.delete(id);
      }
      for (const o of fetchedOutages) mergeOutage(o);
      scheduleRender();
      await Promise.all([
        loadWatch(),
        inBatches([...model.channels.keys()], loadSamples),
      ]);
      hideError();
      $('last-update').textContent = `Loaded at ${formatTime(Date.now())}.`;
    } catch (e) {
      handleError(e);
    }
  }

  async function loadSamples(channelId) {
    const body = await api(`api/v1/channels/${encodeURIComponent(channelId)}/samples?limit=${SPARK_POINTS}`);
    const fetched = (body && body.samples) || [];
    const newest = fetched.reduce((m, s) => Math.max(m, s.timestamp), -Infinity);
    // the server's history replaces ours, except samples that arrived live after it was read
    const liveOnes = (model.samples.get(channelId) || []).filter((s) => s.timestamp > newest);
    model.samples.set(channelId, []);
    for (const s of [...fetched, ...liveOnes]) addSample(s);
    scheduleRender();
  }

  async function loadWatch() {
    const [current, history] = await Promise.all([
      api('api/v1/watches/current'),
      api(`api/v1/watches?limit=${WATCH_HISTORY_SHOWN}`),
    ]);
    model.watch = current && !current.endedAt ? current : null;
    model.watchHistory = (history && history.watches) || [];
    renderWatch();
  }

  function refreshWatch() {
    loadWatch().catch(handleError);
  }

  function handleError(e) {
    if (e instanceof AuthRequired) {
      showTokenPrompt(e.message && e.message !== 'a token is required'
        ? e.message
        : 'This server requires an access token with the read role.');
      return;
    }
    if (e instanceof TypeError) {
      showError('Cannot reach the server; the page keeps what it has and catches up when it is back.');
      return;
    }
    showError(e && e.message ? e.message : String(e));
  }

  function showError(message) {
    const banner = $('load-error');
    banner.textContent = message;
    banner.hidden = false;
  }

  function hideError() {
    $('load-error').hidden = true;
  }

  // ---------- model updates ----------

  function mergeChannel(c) {
    if (!c || !c.channelId) return;
    const old = model.channels.get(c.channelId);
    // a fetched state may be older than what live events told us while it was being read
    if (old && liveDuringLoad.has(c.channelId) && (old.lastSampleAt || 0) > (c.lastSampleAt || 0)) return;
    model.channels.set(c.channelId, c);
  }

  function addSample(s) {
    let list = model.samples.get(s.channelId);
    if (!list) {
      list = [];
      model.samples.set(s.channelId, list);
    }
    const probe = s.probeId || 'default';
    if (list.some((x) => x.timestamp === s.timestamp && (x.probeId || 'default') === probe)) return;
    list.push(s);
    list.sort((a, b) => a.timestamp - b.timestamp);
    if (list.length > SPARK_POINTS) list.splice(0, list.length - SPARK_POINTS);
  }

  function onSampleEvent(s) {
    liveDuringLoad.add(s.channelId);
    storageSoon();
    addSample(s);
    const c = model.channels.get(s.channelId);
    if (!c) {
      model.channels.set(s.channelId, {
        channelId: s.channelId, state: 'unknown', lastSampleAt: s.timestamp,
        lastSampleSuccess: s.success, lastLatencyMs: s.latencyMs ?? null, sampleCount: 1,
      });
    } else if ((c.lastSampleAt || 0) <= s.timestamp) {
      model.channels.set(s.channelId, {
        ...c, lastSampleAt: s.timestamp, lastSampleSuccess: s.success,
        lastLatencyMs: s.latencyMs ?? null, sampleCount: (c.sampleCount || 0) + 1,
      });
    }
    scheduleRender();
  }

  function onStateEvent(c) {
    liveDuringLoad.add(c.channelId);
    const old = model.channels.get(c.channelId);
    if (old && (old.lastSampleAt || 0) > (c.lastSampleAt || 0)) {
      model.channels.set(c.channelId, { ...old, state: c.state, openOutageId: c.openOutageId,
        lastStateChangeAt: c.lastStateChangeAt });
    } else {
      model.channels.set(c.channelId, c);
    }
    scheduleRender();
  }

  function mergeOutage(o) {
    if (!o || !o.id) return;
    const old = model.outages.get(o.id);
    if (old) {
      if (old.recoveredAt && !o.recoveredAt) return;
      if (!o.recoveredAt && !old.recoveredAt && (old.failureCount || 0) > (o.failureCount || 0)) return;
    }
    model.outages.set(o.id, o);
  }

  function onOutageEvent(o) {
    const known = model.outages.get(o.id);
    if (!known && !o.recoveredAt) announce(`Outage opened on ${o.channelId}`);
    else if (o.recoveredAt && (!known || !known.recoveredAt)) announce(`Outage on ${o.channelId} closed after ${formatDuration(o.actualDuration)}`);
    mergeOutage(o);
    scheduleRender();
  }

  function announce(text) {
    $('outage-announcer').textContent = text;
  }

  function onWatchEvent(w) {
    if (w && !w.endedAt) {
      model.watch = w;
    } else if (w && model.watch && model.watch.id === w.id) {
      model.watch = null;
    }
    renderWatch();
    refreshWatch();
  }

  // ---------- rendering ----------

  let renderPending = false;

  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    requestAnimationFrame(() => {
      renderPending = false;
      renderChannels();
      renderOutages();
    });
  }

  function compareChannels(a, b) {
    let r = 0;
    if (view.sortKey === 'state') {
      r = (STATE_ORDER[stateOf(a)] ?? 9) - (STATE_ORDER[stateOf(b)] ?? 9);
    } else if (view.sortKey === 'last') {
      r = (a.lastSampleAt || 0) - (b.lastSampleAt || 0);
    }
    if (r === 0) r = a.channelId < b.channelId ? -1 : a.channelId > b.channelId ? 1 : 0;
    return r * view.sortDir;
  }

  function visible(c) {
    if (view.filterState && stateOf(c) !== view.filterState) return false;
    if (view.filterName && !c.channelId.toLowerCase().includes(view.filterName)) return false;
    return true;
  }

  function renderChannels() {
    const tbody = $('channels');
    const all = [...model.channels.values()];
    const shown = all.filter(visible).sort(compareChannels);
    const keep = new Set(shown.map((c) => c.channelId));
    for (const [id, row] of view.rows) {
      if (!keep.has(id)) {
        row.remove();
        if (!model.channels.has(id)) view.rows.delete(id);
      }
    }
    shown.forEach((c, i) => {
      let row = view.rows.get(c.channelId);
      if (!row) {
        row = createRow(c.channelId);
        view.rows.set(c.channelId, row);
      }
      updateRow(row, c);
      if (tbody.children[i] !== row) tbody.insertBefore(row, tbody.children[i] || null);
    });
    $('channel-count').textContent = String(all.length);
    $('no-channels').hidden = all.length > 0;
    const filtered = view.filterName || view.filterState;
    $('filter-summary').textContent = filtered ? `${shown.length} of ${all.length} shown` : '';
  }

  function createRow(id) {
    const row = el('tr', { 'data-channel': id, className: 'channel' });
    row.append(
      el('th', { scope: 'row', className: 'name', 'data-label': 'Channel' }, el('span', { className: 'channel-name', text: id })),
      el('td', { className: 'state', 'data-label': 'State' },
        el('span', { className: 'badge' }, el('span', { className: 'icon', 'aria-hidden': 'true' }), el('span', { className: 'state-text' }))),
      el('td', { className: 'last', 'data-label': 'Last sample' }, el('time', { className: 'last-time' }), el('span', { className: 'ago' })),
      el('td', { className: 'latency', 'data-label': 'Latency' }),
      el('td', { className: 'spark', 'data-label': 'Recent latency' }),
    );
    return row;
  }

  const STATE_ICONS = { online: '●', offline: '▲', unknown: '?' };

  function updateRow(row, c) {
    const state = stateOf(c);
    row.dataset.state = state;
    const badge = row.querySelector('.badge');
    badge.dataset.state = state;
    badge.querySelector('.icon').textContent = STATE_ICONS[state] || '?';
    const label = c.consecutiveFailures > 0 && state !== 'offline'
      ? `${state} (${c.consecutiveFailures} failing)` : state;
    badge.querySelector('.state-text').textContent = label;
    const t = row.querySelector('.last-time');
    t.textContent = formatTime(c.lastSampleAt);
    if (c.lastSampleAt) {
      t.setAttribute('datetime', new Date(c.lastSampleAt).toISOString());
      t.dataset.ms = String(c.lastSampleAt);
    }
    const ago = row.querySelector('.ago');
    ago.dataset.ms = c.lastSampleAt ? String(c.lastSampleAt) : '';
    ago.textContent = c.lastSampleAt ? ` (${formatAgo(c.lastSampleAt)})` : '';
    const lat = row.querySelector('.latency');
    lat.textContent = c.lastSampleSuccess === false ? `${formatLatency(c.lastLatencyMs)} (failed)` : formatLatency(c.lastLatencyMs);
    lat.dataset.latency = c.lastLatencyMs ?? '';
    const spark = row.querySelector('.spark');
    const samples = model.samples.get(c.channelId) || [];
    const sig = samples.length ? `${samples.length}:${samples[samples.length - 1].timestamp}:${samples[0].timestamp}` : '0';
    if (spark.dataset.sig !== sig) {
      spark.dataset.sig = sig;
      spark.replaceChildren(sparkline(c.channelId, samples));
    }
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function sparkline(channelId, samples) {
    const W = 120;
    const H = 28;
    const P = 2;
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'sparkline', role: 'img',
      'data-points': samples.length });
    const lat = samples.filter((s) => s.latencyMs !== null && s.latencyMs !== undefined).map((s) => s.latencyMs);
    const failures = samples.filter((s) => s.success === false).length;
    const title = svg('title');
    if (samples.length === 0) {
      title.textContent = `${channelId}: no recent sample`;
      root.append(title);
      root.setAttribute('aria-label', title.textContent);
      return root;
    }
    const max = lat.length ? Math.max(...lat) : 0;
    const min = lat.length ? Math.min(...lat) : 0;
    title.textContent = lat.length
      ? `${channelId}: latency of the last ${samples.length} samples, ${min} to ${max} ms, ${failures} failed`
      : `${channelId}: ${samples.length} recent samples without latency, ${failures} failed`;
    root.append(title);
    root.setAttribute('aria-label', title.textContent);
    const step = samples.length > 1 ? (W - 2 * P) / (samples.length - 1) : 0;
    const x = (i) => (samples.length > 1 ? P + i * step : W / 2);
    const y = (v) => (max > min ? H - P - ((v - min) / (max - min)) * (H - 2 * P) : H / 2);
    const points = [];
    samples.forEach((s, i) => {
      if (s.latencyMs !== null && s.latencyMs !== undefined) points.push(`${x(i).toFixed(1)},${y(s.latencyMs).toFixed(1)}`);
    });
    if (points.length > 1) {
      root.append(svg('polyline', { points: points.join(' '), fill: 'none', class: 'line' }));
    } else if (points.length === 1) {
      const [px, py] = points[0].split(',');
      root.append(svg('circle', { cx: px, cy: py, r: 2, class: 'point' }));
    }
    samples.forEach((s, i) => {
      if (s.success === false) root.append(svg('rect', { x: (x(i) - 1.5).toFixed(1), y: H - 5, width: 3, height: 5, class: 'fail' }));
    });
    return root;
  }

  function renderOutages() {
    const all = [...model.outages.values()];
    const open = all.filter((o) => !o.recoveredAt).sort((a, b) => a.firstFailureAt - b.firstFailureAt);
    const allClosed = all.filter((o) => o.recoveredAt).sort((a, b) => b.recoveredAt - a.recoveredAt);
    for (const o of allClosed.slice(CLOSED_OUTAGES_KEPT)) model.outages.delete(o.id);
    const closed = allClosed.slice(0, CLOSED_OUTAGES_SHOWN);
    const openList = $('open-outages');
    const openIds = new Set(open.map((o) => o.id));
    for (const li of [...openList.children]) {
      if (!openIds.has(li.dataset.outageId)) li.remove();
    }
    open.forEach((o, i) => {
      let li = openList.querySelector(`li[data-outage-id="${CSS.escape(o.id)}"]`);
      if (!li) {
        li = el('li', { className: 'outage open', 'data-outage-id': o.id, 'data-channel': o.channelId, 'data-open': 'true' });
      }
      li.replaceChildren(
        el('span', { className: 'badge', 'data-state': 'offline' }, el('span', { className: 'icon', 'aria-hidden': 'true', text: '▲' }), el('span', { text: 'open' })),
        ' ',
        el('strong', { className: 'outage-channel', text: o.channelId }),
        ' down for ',
        el('span', { className: 'duration', 'data-since': o.firstFailureAt, text: formatDuration(Date.now() - o.firstFailureAt) }),
        el('span', { className: 'meta' },
          ` since ${formatTime(o.firstFailureAt)}, ${o.failureCount} failure${o.failureCount === 1 ? '' : 's'}`,
          o.reason ? `, reason ${o.reason}` : ''),
      );
      if (openList.children[i] !== li) openList.insertBefore(li, openList.children[i] || null);
    });
    $('open-outage-count').textContent = String(open.length);
    $('no-open-outages').hidden = open.length > 0;
    $('outages-panel').dataset.open = String(open.length);

    const closedList = $('closed-outages');
    closedList.replaceChildren(...closed.map((o) => el('li', { className: 'outage closed', 'data-outage-id': o.id, 'data-channel': o.channelId, 'data-open': 'false' },
      el('span', { className: 'badge', 'data-state': 'online' }, el('span', { className: 'icon', 'aria-hidden': 'true', text: '✓' }), el('span', { text: 'closed' })),
      ' ',
      el('strong', { className: 'outage-channel', text: o.channelId }),
      ' down ',
      el('span', { className: 'duration', text: formatDuration(o.actualDuration ?? (o.recoveredAt - o.firstFailureAt)) }),
      el('span', { className: 'meta' },
        ` from ${formatTime(o.firstFailureAt)} to ${formatTime(o.recoveredAt)}, ${o.failureCount} failure${o.failureCount === 1 ? '' : 's'}`,
        o.reason ? `, reason ${o.reason}` : ''),
    )));
    $('no-closed-outages').hidden = closed.length > 0;
  }

  function statsTable(stats) {
    const ids = Object.keys(stats || {}).sort();
    if (ids.length === 0) return el('p', { className: 'empty', text: 'No sample during this watch yet.' });
    const tbody = el('tbody');
    for (const id of ids) {
      const s = stats[id];
      tbody.append(el('tr', { 'data-channel': id },
        el('th', { scope: 'row', 'data-label': 'Channel', text: id }),
        el('td', { 'data-label': 'Samples', text: s.samples }),
        el('td', { 'data-label': 'Failures', text: s.failures }),
        el('td', { 'data-label': 'Availability', className: 'availability', text: formatPercent(s.availability) }),
        el('td', { 'data-label': 'p50', text: formatLatency(s.latencyP50) }),
        el('td', { 'data-label': 'p95', text: formatLatency(s.latencyP95) }),
        el('td', { 'data-label': 'Outages', text: s.outages }),
      ));
    }
    return el('div', { className: 'table-wrap' }, el('table', { className: 'stats' },
      el('thead', null, el('tr', null, ...['Channel', 'Samples', 'Failures', 'Availability', 'p50', 'p95', 'Outages']
        .map((h) => el('th', { scope: 'col', text: h })))),
      tbody));
  }

  function overallAvailability(stats) {
    let samples = 0;
    let successes = 0;
    let outages = 0;
    for (const s of Object.values(stats || {})) {
      samples += s.samples || 0;
      successes += s.successes || 0;
      outages += s.outages || 0;
    }
    return { availability: samples ? successes / samples : null, outages };
  }

  function renderWatch() {
    const box = $('watch-current');
    const w = model.watch;
    box.dataset.active = String(!!w);
    if (!w) {
      box.removeAttribute('data-watch-id');
      box.replaceChildren(el('p', { className: 'empty', text: 'No active watch.' }));
    } else {
      box.dataset.watchId = w.id;
      const channels = w.channels && w.channels.length ? w.channels.join(', ') : 'every channel';
      box.replaceChildren(
        el('p', { className: 'watch-summary' },
          el('span', { className: 'badge', 'data-state': 'watching' }, el('span', { className: 'icon', 'aria-hidden': 'true', text: '◉' }), el('span', { text: 'active' })),
          ` started ${formatTime(w.startedAt)}, ends ${formatTime(w.endsAt)} (`,
          el('span', { className: 'remaining', 'data-until': w.endsAt, text: formatDuration(w.endsAt - Date.now()) }),
          ' left); channels: ', channels),
        statsTable(w.stats),
      );
    }
    const tbody = $('watch-history');
    tbody.replaceChildren(...model.watchHistory.slice(0, WATCH_HISTORY_SHOWN).map((h) => {
      const total = overallAvailability(h.stats);
      return el('tr', { 'data-watch-id': h.id },
        el('td', { 'data-label': 'Started' }, timeEl(h.startedAt)),
        el('td', { 'data-label': 'Ended' }, timeEl(h.endedAt ?? h.endsAt)),
        el('td', { 'data-label': 'Channels', text: h.channels && h.channels.length ? h.channels.join(', ') : 'all' }),
        el('td', { 'data-label': 'Availability', text: formatPercent(total.availability) }),
        el('td', { 'data-label': 'Outages', text: total.outages }),
      );
    }));
    $('no-watch-history').hidden = model.watchHistory.length > 0;
  }

  // ---------- storage health ----------

  // /health/ready needs no token and answers 503 with the same body when storage is DOWN.
  async function loadStorage() {
    try {
      const res = await fetch('health/ready', { headers: { Accept: 'application/json' }, cache: 'no-store' });
      renderStorage(await res.json());
    } catch (e) {
      // the connection indicator already says the server is away; keep the last figures
    }
  }

  let storageTimer = null;

  // New samples change the figures: look again soon, at most once a second.
  function storageSoon() {
    if (storageTimer) return;
    storageTimer = setTimeout(() => {
      storageTimer = null;
      loadStorage();
    }, STORAGE_AFTER_SAMPLE_MS);
  }

  function formatBytes(n) {
    if (n === null || n === undefined) return null;
    const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = n;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
  }

  function setFigure(name, value, text) {
    const box = document.querySelector(`#storage-figures [data-figure="${name}"]`);
    if (value === null || value === undefined) box.removeAttribute('data-value');
    else box.dataset.value = String(value);
    box.querySelector('dd').textContent = text ?? '— (not known for this backend)';
  }

  function renderStorage(r) {
    const status = r.status || 'DOWN';
    const badge = $('storage-status');
    badge.dataset.status = status;
    badge.querySelector('.icon').textContent = status === 'UP' ? '●' : status === 'DOWN' ? '▲' : '◆';
    badge.querySelector('.status-text').textContent =
      status === 'UP' ? 'ready' : status === 'DOWN' ? 'down: not taking writes' : 'needs attention';
    const down = new Set((r.reason || '').split('; ').filter((x) => x));
    $('storage-problems').replaceChildren(...(r.problems || []).map((p) =>
      el('li', { 'data-kind': down.has(p) ? 'down' : 'warning', text: p })));
    const st = r.storage || {};
    const w = st.writes || {};
    setFigure('writes', w.succeeded === undefined ? null : w.succeeded + (w.failed || 0),
      w.succeeded === undefined ? null
        : `${w.succeeded} succeeded, ${w.failed} failed` + (w.successRate === null ? '' : ` (${formatPercent(w.successRate)})`));
    setFigure('dataBytes', st.dataBytes, st.dataBytes === null || st.dataBytes === undefined ? null
      : formatBytes(st.dataBytes) + (st.dataSizeWarningBytes ? ` (warning at ${formatBytes(st.dataSizeWarningBytes)})` : ''));
    setFigure('freeBytes', st.freeBytes, st.freeBytes === null || st.freeBytes === undefined ? null
      : `${formatBytes(st.freeBytes)} (floor ${formatBytes(st.minFreeBytes)})`);
    setFigure('segments', st.segments, st.segments === null || st.segments === undefined ? null : String(st.segments));
    setFigure('oldestSampleAt', st.oldestSampleAt, st.oldestSampleAt === null || st.oldestSampleAt === undefined
      ? (st.cachedChannels === 0 ? 'no sample yet' : null)
      : `${formatTime(st.oldestSampleAt)} (${formatAgo(st.oldestSampleAt)})`);
    setFigure('cache', st.cachedSamples ?? st.cachedChannels, st.cachedChannels === null || st.cachedChannels === undefined
      ? null
      : `${st.cachedChannels} channel${st.cachedChannels === 1 ? '' : 's'}`
        + (st.cachedSamples ? `, ${st.cachedSamples} samples` : ''));
  }

  // A once-a-second tick keeps the running durations honest without re-rendering everything.
  function tick() {
    const now = Date.now();
    for (const d of document.querySelectorAll('#open-outages .duration[data-since]')) {
      d.textContent = formatDuration(now - Number(d.dataset.since));
    }
    for (const a of document.querySelectorAll('#channels .ago')) {
      if (a.dataset.ms) a.textContent = ` (${formatAgo(Number(a.dataset.ms))})`;
    }
    const rem = document.querySelector('#watch-current .remaining');
    if (rem) rem.textContent = formatDuration(Number(rem.dataset.until) - now);
    if (model.watch && model.watch.endsAt < now - 2000 && live.socket && live.socket.readyState === WebSocket.OPEN) {
      refreshWatch();
    }
    if (live.retryTimer) showCountdown();
  }

  // ---------- live feed ----------

  // The countdown sits outside the live region so screen readers are not told every second.
  function showCountdown() {
    const box = $('retry-countdown');
    box.textContent = `retry in ${Math.max(0, Math.ceil((live.retryAt - Date.now()) / 1000))} s`;
    box.hidden = false;
  }

  function setStatus(status, text) {
    const box = $('connection-status');
    if (box.dataset.status !== status) box.dataset.status = status;
    const t = box.querySelector('.conn-text');
    if (t.textContent !== text) t.textContent = text;
    $('reconnect-now').hidden = status !== 'offline';
    if (status !== 'offline') $('retry-countdown').hidden = true;
  }

  function closeSocket() {
    if (live.retryTimer) {
      clearTimeout(live.retryTimer);
      live.retryTimer = null;
    }
    if (live.socket) {
      const s = live.socket;
      live.socket = null;
      live.generation++;
      try {
        s.close();
      } catch (e) {
        // already closed
      }
    }
  }

  function connect() {
    closeSocket();
    live.stopped = false;
    const gen = ++live.generation;
    const url = new URL('api/v1/live', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    setStatus('connecting', live.attempt > 0 ? 'Reconnecting…' : 'Connecting…');
    let socket;
    try {
      socket = new WebSocket(url.href);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    live.socket = socket;
    socket.addEventListener('open', () => {
      if (gen !== live.generation) return;
      const token = currentToken();
      if (token) socket.send(JSON.stringify({ type: 'auth', token }));
      socket.send(JSON.stringify({ type: 'subscribe', id: 'sub', channels: '*' }));
    });
    socket.addEventListener('message', (ev) => {
      if (gen !== live.generation) return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      onMessage(msg);
    });
    socket.addEventListener('close', (ev) => {
      if (gen !== live.generation) return;
      live.socket = null;
      if (AUTH_CLOSE_CODES.includes(ev.code)) {
        liveAuthFailed();
      } else if (!live.stopped) {
        scheduleReconnect();
      }
    });
  }

  function liveAuthFailed() {
    handleError(new AuthRequired(currentToken()
      ? 'The live feed refused the token. Enter a valid token.'
      : 'This server requires an access token with the read role.'));
  }

  function scheduleReconnect() {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** live.attempt);
    const delay = Math.round(base / 2 + Math.random() * base / 2);
    live.attempt++;
    live.retryAt = Date.now() + delay;
    setStatus('offline', 'Disconnected — reconnecting');
    showCountdown();
    live.retryTimer = setTimeout(() => {
      live.retryTimer = null;
      connect();
    }, delay);
  }

  function onMessage(msg) {
    switch (msg.type) {
      case 'subscribed':
        live.attempt = 0;
        setStatus('live', 'Live');
        // state may have changed while we were away: fetch it again now that events flow
        loadAll();
        break;
      case 'sample':
        if (msg.sample) onSampleEvent(msg.sample);
        break;
      case 'state':
        if (msg.channel) onStateEvent(msg.channel);
        break;
      case 'outage':
        if (msg.outage) onOutageEvent(msg.outage);
        break;
      case 'watch':
        onWatchEvent(msg.watch);
        break;
      case 'dropped':
        // events were lost while we were slow: the fetched state is the truth again
        loadAll();
        break;
      case 'error': {
        const code = msg.error && msg.error.code;
        if (code === 'unauthorized' || code === 'forbidden') {
          liveAuthFailed();
        }
        break;
      }
      default:
        break;
    }
  }

  // ---------- wiring ----------

  function updateSortHeaders() {
    for (const th of document.querySelectorAll('#channels-table th[data-sort-key]')) {
      const active = th.dataset.sortKey === view.sortKey;
      th.setAttribute('aria-sort', active ? (view.sortDir > 0 ? 'ascending' : 'descending') : 'none');
      th.querySelector('.arrow').textContent = active ? (view.sortDir > 0 ? ' ▲' : ' ▼') : '';
    }
  }

  function wire() {
    for (const b of document.querySelectorAll('button.sort')) {
      b.addEventListener('click', () => {
        const key = b.dataset.sort;
        if (view.sortKey === key) view.sortDir = -view.sortDir;
        else {
          view.sortKey = key;
          view.sortDir = key === 'last' ? -1 : 1;
        }
        updateSortHeaders();
        renderChannels();
      });
    }
    $('filter-name').addEventListener('input', (e) => {
      view.filterName = e.target.value.trim().toLowerCase();
      renderChannels();
    });
    $('filter-state').addEventListener('change', (e) => {
      view.filterState = e.target.value;
      renderChannels();
    });
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const token = $('token-input').value.trim();
      if (!token) return;
      setToken(token);
      $('token-input').value = '';
      hideTokenPrompt();
      live.attempt = 0;
      connect();
      loadAll();
    });
    $('forget-token').addEventListener('click', () => {
      setToken(null);
      closeSocket();
      live.attempt = 0;
      connect();
      loadAll();
    });
    $('reconnect-now').addEventListener('click', () => {
      live.attempt = 0;
      connect();
    });
    window.addEventListener('online', () => {
      if (!live.socket && !live.stopped) {
        live.attempt = 0;
        connect();
      }
    });
    updateSortHeaders();
  }

  function start() {
    wire();
    $('forget-token').hidden = !currentToken();
    renderChannels();
    renderOutages();
    renderWatch();
    loadStorage();
    setInterval(loadStorage, STORAGE_REFRESH_MS);
    setInterval(tick, 1000);
    setInterval(() => {
      if (!live.stopped && live.socket && live.socket.readyState === WebSocket.OPEN) refreshWatch();
    }, WATCH_REFRESH_MS);
    // The HTTP load tells us at once whether a token is needed; the socket then follows.
    loadAll().then(() => {
      if (!live.stopped) connect();
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
