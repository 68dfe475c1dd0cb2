/* http.js -- the HTTP side of the transports: POST /event (events in SSE
   mode, everything in pure-HTTP mode) and the polling of pure-HTTP mode.
   POSTs go one after another so that the server receives them in order
   (separate HTTP requests may overtake each other), but a POST still
   unanswered after POST_HOL ms has surely arrived: its slow callback must not
   hold back the next event (a "cancel" button) or the next poll. A POST that
   fails on the network is queued again for the next connection. */

var postChain = Promise.resolve();

function post(msg) {
  var prev = postChain;
  var gate = new Promise(function (resolve) {
    prev.then(resolve, resolve);
    setTimeout(resolve, POST_HOL);
  });
  var p = gate.then(function () {
    return fetch(endpoint('event'), {
      method: 'POST',
      headers: { 'Content-Type': KEY ? 'text/plain' : 'application/json', 'X-HTAG-TOKEN': CFG.token },
      body: encode(msg),
      credentials: 'same-origin',
      cache: 'no-store'
    }).then(function (r) {
      return r.text().then(function (text) { return { status: r.status, ok: r.ok, text: text }; });
    });
  });
  postChain = p.catch(function () { /* the chain goes on */ });
  return p;
}

function handlePostReply(msg, res) {
  if (!res.ok) {
    var cid = msg.data && msg.data.callback_id;
    if (res.status === 409) return 'retry'; // SSE mode: no open stream any more
    console.error('htag: POST /event refused: HTTP ' + res.status + ' ' + res.text.slice(0, 200));
    settle(cid, undefined, true);
    return 'refused';
  }
  var body;
  try { body = JSON.parse(res.text); } catch (e) { body = null; }
  if (body && Array.isArray(body.payloads)) body.payloads.forEach(receive);
  return 'ok';
}

function postVia(mode, msg) {
  if (mode === 'http') msg = Object.assign({}, msg, { fallback: true });
  post(msg).then(function (res) {
    if (handlePostReply(msg, res) === 'retry') { requeue(msg); onDrop('HTTP ' + res.status); }
    if (mode === 'http') schedulePoll();
  }, function (e) {
    // Network failure: most likely not received; send it again once reconnected.
    requeue(msg);
    onDrop('POST failed: ' + e);
  });
}
function requeue(msg) {
  if (msg.fallback) { msg = Object.assign({}, msg); delete msg.fallback; }
  if (msg.action === 'poll' || msg.action === 'ping') return;
  outbox.unshift(msg);
}

// --- pure HTTP: POST /event answers with the frames, and we poll when idle
var pollTimer = null;

function tryHttp(fail, attempt) {
  post({ action: 'poll', fallback: true }).then(function (res) {
    if (attempt !== state.attempt) return;
    if (!res.ok) { fail(); return; }
    onConnected('http');
    handlePostReply({}, res);
    schedulePoll();
  }, function () { if (attempt === state.attempt) fail(); });
}
function schedulePoll() {
  clearTimeout(pollTimer);
  if (!state.connected || state.mode !== 'http') return;
  pollTimer = setTimeout(function () {
    postVia('http', { action: 'poll' });
  }, document.hidden ? POLL_HIDDEN : POLL_VISIBLE);
}
function stopPolling() { clearTimeout(pollTimer); pollTimer = null; }
document.addEventListener('visibilitychange', function () {
  if (!document.hidden && state.mode === 'http') { clearTimeout(pollTimer); postVia('http', { action: 'poll' }); }
});

