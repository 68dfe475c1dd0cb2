/* transport.js -- the connection to the server. It tries a WebSocket first
   (3 s to open), then an SSE stream plus POST /event, then pure HTTP polling
   (http.js); after a drop it reconnects with a backoff (0.25 s doubling to
   5 s), starting again from the transport that last worked, and a htag_mode
   cookie can force one. Messages made while disconnected wait in `outbox` and
   go in order once connected; the Promises of events lost with a dead
   connection resolve with undefined. send() is the one way out. */

var state = {
  mode: 'connecting', // 'ws' | 'sse' | 'http' while connected
  connected: false,
  lastMode: null,     // the transport that worked last
  dropped: false,     // lost a working connection at least once
  backoff: BACKOFF_MIN,
  retryTimer: null,
  ws: null,
  es: null,
  attempt: 0          // bumped on each (re)connection: stale callbacks compare it
};
var outbox = []; // messages waiting for a connection, in order

function readCookie(name) {
  var m = new RegExp('(?:^|;\\s*)' + name + '=([^;]*)').exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : null;
}

function connect() {
  clearTimeout(state.retryTimer);
  state.attempt++;
  var forced = readCookie('htag_mode');
  var chain;
  if (forced === 'sse' || forced === 'http') chain = [forced];
  else if (state.lastMode === 'sse') chain = ['sse', 'http'];
  else if (state.lastMode === 'http') chain = ['http'];
  else chain = ['ws', 'sse', 'http'];
  tryChain(chain, 0, state.attempt);
}

function tryChain(chain, i, attempt) {
  if (attempt !== state.attempt) return;
  if (i >= chain.length) { scheduleReconnect(); return; }
  var next = function () { tryChain(chain, i + 1, attempt); };
  ({ ws: tryWs, sse: trySse, http: tryHttp })[chain[i]](next, attempt);
}

function scheduleReconnect() {
  var delay = state.backoff;
  state.backoff = Math.min(state.backoff * 2, BACKOFF_MAX);
  log('reconnecting in', delay, 'ms');
  clearTimeout(state.retryTimer);
  state.retryTimer = setTimeout(connect, delay);
}

function onConnected(mode) {
  var wasDropped = state.dropped;
  state.connected = true;
  state.mode = mode;
  state.lastMode = mode;
  state.backoff = BACKOFF_MIN;
  log('connected by', mode);
  if (wasDropped && CFG.reload) { location.reload(); return; }
  // The server sends the whole body first (WS/SSE) unless the page is current:
  // it is morphed in, no reload.
  var queued = outbox;
  outbox = [];
  queued.forEach(send);
}

// A working connection was lost: reconnect, and give up on replies that
// will never come (the new connection does not know their callback ids).
function onDrop(why) {
  if (!state.connected) return;
  log('connection lost:', why);
  state.connected = false;
  state.dropped = true;
  state.mode = 'connecting';
  stopHeartbeat();
  stopPolling();
  abandonPending();
  scheduleReconnect();
}

// Replies the server will never send (their connection is gone) resolve with undefined.
function abandonPending() {
  // uploads end with their connection (the server deletes their files): their messages go too
  outbox = outbox.filter(function (m) { return !isUploadMessage(m); });
  uploads.clear();
  var queued = new Set(outbox.map(function (m) { return m.data && m.data.callback_id; }));
  pending.forEach(function (p, cid) { if (!queued.has(cid)) settle(cid, undefined, true); });
}

/* htag 2's window.fallback() (and fallback_pure_http()): user JS leaves the
   WebSocket for SSE + POST (or pure HTTP), as if it had failed; reconnections
   then start from that transport. Not a drop: no dev reload. */
function fallback(to) {
  to = to === 'http' ? 'http' : 'sse';
  if (state.connected && (state.mode === to || (to === 'sse' && state.mode === 'http'))) return;
  log('fallback to', to);
  var ws = state.ws, es = state.es;
  state.ws = null; // their close handlers see they are no longer the live connection
  if (ws) { try { ws.close(); } catch (e) { /* ignore */ } }
  if (es && to === 'http') { state.es = null; es.close(); }
  state.connected = false;
  state.mode = 'connecting';
  stopHeartbeat();
  stopPolling();
  abandonPending();
  state.lastMode = to;
  state.backoff = BACKOFF_MIN;
  connect();
}

// --- WebSocket
var heartbeatTimer = null;
var lastReceived = 0;

function tryWs(fail, attempt) {
  var url = endpoint('ws' + connectQuery()).replace(/^http/, 'ws');
  var ws, opened = false, failed = false;
  var giveUp = function () { if (!failed && !opened) { failed = true; try { ws.close(); } catch (e) { /* ignore */ } fail(); } };
  try { ws = new WebSocket(url); } catch (e) { fail(); return; }
  var timer = setTimeout(giveUp, WS_CONNECT_TIMEOUT);
  ws.onopen = function () {
    clearTimeout(timer);
    if (failed || attempt !== state.attempt) { ws.close(); return; }
    opened = true;
    state.ws = ws;
    lastReceived = Date.now();
    startHeartbeat(ws);
    onConnected('ws');
  };
  ws.onmessage = function (e) {
    lastReceived = Date.now();
    receive(e.data);
  };
  ws.onclose = function (e) {
    clearTimeout(timer);
    if (!opened) { giveUp(); return; }
    if (state.ws === ws) { state.ws = null; onDrop('websocket closed (' + e.code + ')'); }
  };
}

// Also detects dead sockets that never report a close (network loss).
function startHeartbeat(ws) {
  stopHeartbeat();
  heartbeatTimer = setInterval(function () {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastReceived > 2 * HEARTBEAT + 5000) { ws.close(); return; }
    ws.send(encode({ action: 'ping' }));
  }, HEARTBEAT);
}
function stopHeartbeat() { clearInterval(heartbeatTimer); heartbeatTimer = null; }

// --- Server-Sent Events (+ POST /event)
function trySse(fail, attempt) {
  if (typeof EventSource === 'undefined') { fail(); return; }
  var es, opened = false, failed = false;
  var giveUp = function () { if (!failed && !opened) { failed = true; es.close(); fail(); } };
  try { es = new EventSource(endpoint('stream' + connectQuery())); } catch (e) { fail(); return; }
  var timer = setTimeout(giveUp, WS_CONNECT_TIMEOUT);
  es.onopen = function () {
    clearTimeout(timer);
    if (failed || attempt !== state.attempt) { es.close(); return; }
    opened = true;
    state.es = es;
    onConnected('sse');
  };
  watchStream(es);
  var streamError = es.onerror;
  es.onerror = function () {
    clearTimeout(timer);
    if (!opened) { giveUp(); return; }
    streamError();
  };
}

function watchStream(es) {
  es.onmessage = function (e) { receive(e.data); };
  es.onerror = function () {
    // an old stream, replaced or being renewed: its end is expected
    if (state.es !== es || es.renewing) { es.close(); return; }
    // EventSource would retry on its own; we do it, to share backoff and dev reload.
    es.close();
    state.es = null;
    onDrop('event stream closed');
  };
}

/* The server ends each stream after a while (so that it can always shut down)
   and announces it with a `renew` frame: the next stream resumes the same
   connection (its queued frames included) without a drop or a resync. */
function renewStream(key) {
  var old = state.es;
  if (!old) return;
  old.renewing = true;
  var next = new EventSource(endpoint('stream?token=' + encodeURIComponent(CFG.token) +
                                      '&resume=' + encodeURIComponent(key)));
  next.onopen = function () {
    if (state.es !== old) { next.close(); return; }
    state.es = next;
    old.close();
    watchStream(next);
  };
  next.onerror = function () {
    if (state.es === old) { next.close(); old.close(); state.es = null; onDrop('event stream renewal failed'); }
  };
}

// --- sending
function send(msg) {
  if (!state.connected) { outbox.push(msg); return; }
  if (state.mode === 'ws') {
    var ws = state.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(encode(msg));
    else { outbox.push(msg); onDrop('websocket not open'); }
  } else {
    postVia(state.mode, msg);
  }
}

// Back online: do not wait for the backoff.
window.addEventListener('online', function () {
  if (!state.connected) { state.backoff = BACKOFF_MIN; connect(); }
});

