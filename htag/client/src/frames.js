/* frames.js -- applies what the server sends. Frames are applied one after
   another through a promise chain, because statics may hold a <script src>
   that must load before the next frame runs (an App's style and script statics
   arrive as references to content-addressed files: <link rel=stylesheet>,
   <script src>). An `update` is applied in the
   protocol's order: statics (appended to <head> once), ops (attribute
   patches), updates (morphed in with the live ownership policy of sync.js,
   the focus state kept across all of them), js, then the Promise of its
   callback id resolves. `error` shows the overlay (debug) or a toast. */

// Dedup by the exact string sent, and by the browser's serialization of
// what <head> holds (the page was rendered with its statics; a reconnection
// to a restarted server may send them again, maybe spelled differently).
var seenStatics = new Set();
var headHtml = new Set();
Array.prototype.forEach.call(document.head.children, function (n) { headHtml.add(n.outerHTML); });

var frameChain = Promise.resolve();

function receive(raw) {
  var frame;
  try { frame = decode(raw); } catch (e) { console.error('htag: undecodable frame', e); return; }
  frameChain = frameChain.then(function () { return handleFrame(frame); }).catch(function (e) {
    reportError(e);
  });
}

function handleFrame(frame) {
  if (!frame || typeof frame !== 'object') return;
  switch (frame.action) {
    case 'update': return applyUpdate(frame);
    case 'error': return applyError(frame);
    case 'reload': location.reload(); return;
    case 'renew': return renewStream(frame.key);
    case 'pong': return;
    case 'upload_ack': return onUploadAck(frame);
    case 'upload_error': return onUploadError(frame);
    default: log('unknown frame ignored', frame);
  }
}

function applyUpdate(frame) {
  var p = frame.statics && frame.statics.length ? applyStatics(frame.statics) : null;
  var rest = function () {
    var pend = frame.callback_id ? pending.get(frame.callback_id) : null;
    authority = pend && pend.focus ? pend.focus : null;
    try {
      keepFocus(LIVE_POLICY, function (policy) {
        if (frame.ops) applyOps(frame.ops, policy);
        if (frame.updates) {
          Object.keys(frame.updates).forEach(function (hid) {
            var el = findEl(hid);
            if (!el && !/^\s*<body[\s>]/i.test(frame.updates[hid])) { log('update for unknown element', hid); return; }
            morphTree(el || document.body, frame.updates[hid], policy);
          });
        }
      });
    } finally {
      authority = null;
      updateInteracting(); // a morph of <body> may have dropped our class
    }
    if (frame.js) frame.js.forEach(runJs);
    settle(frame.callback_id, frame.result);
  };
  return p ? p.then(rest) : rest();
}

function applyStatics(statics) {
  var chain = null;
  statics.forEach(function (html) {
    var isTitle = /^\s*<title[\s>]/i.test(html);
    if (seenStatics.has(html) && !isTitle) return;
    seenStatics.add(html);
    var tpl = document.createElement('template');
    tpl.innerHTML = html;
    Array.prototype.slice.call(tpl.content.childNodes).forEach(function (n) {
      if (n.nodeType !== 1) return;
      // Same element already in <head> (e.g. from the page or before a reconnect)?
      if (n.tagName !== 'TITLE' && headHtml.has(n.outerHTML)) return;
      headHtml.add(n.outerHTML);
      var step = function () { return insertStatic(n); };
      chain = chain ? chain.then(step) : (step() || null);
    });
  });
  return chain;
}

// Returns a Promise only when we must wait: an external script (the next one runs
// after it) or a stylesheet (the update it came with shows styled, not before).
function insertStatic(n) {
  if (n.tagName === 'TITLE') { document.title = n.textContent; return null; }
  if (n.tagName === 'LINK' && /(^|\s)stylesheet(\s|$)/i.test(n.rel)) {
    var link = document.importNode(n, true);
    return new Promise(function (resolve) {
      link.onload = function () { resolve(); };
      link.onerror = function () { reportError('htag: static stylesheet failed to load: ' + link.href); resolve(); };
      document.head.appendChild(link);
    });
  }
  if (n.tagName !== 'SCRIPT') { document.head.appendChild(document.importNode(n, true)); return null; }
  // Parsed scripts are inert: a fresh element is needed for it to run.
  var s = document.createElement('script');
  Array.prototype.forEach.call(n.attributes, function (a) { s.setAttribute(a.name, a.value); });
  s.textContent = n.textContent;
  if (!s.src) { document.head.appendChild(s); return null; }
  s.async = false;
  return new Promise(function (resolve) {
    s.onload = function () { resolve(); };
    s.onerror = function () { reportError('htag: static script failed to load: ' + s.src); resolve(); };
    document.head.appendChild(s);
  });
}

// ["attr", hid, name, value]: attributes are only defaults for form controls,
// so the live property is mirrored too, unless the user owns the control.
function applyOps(ops, policy) {
  ops.forEach(function (op) {
    if (!Array.isArray(op) || op[0] !== 'attr') { log('unknown op ignored', op); return; }
    var el = findEl(op[1]);
    if (!el) { log('op for unknown element', op[1]); return; }
    var name = op[2], value = op[3];
    if (value === null || value === undefined) el.removeAttribute(name);
    else el.setAttribute(name, value);
    if (!isFormControl(el) && el.tagName !== 'OPTION') return;
    if (el.tagName === 'OPTION') {
      if (name === 'selected' && el.parentNode && !policy.ownsValue(el.closest('select') || el)) el.selected = value !== null && value !== undefined;
      return;
    }
    if (policy.ownsValue(el)) return;
    if (name === 'value' && el.type !== 'file' && !isToggle(el)) {
      var v = value === null || value === undefined ? '' : String(value);
      if (el.value !== v) el.value = v;
    } else if (name === 'checked' && isToggle(el)) {
      el.checked = value !== null && value !== undefined;
    }
  });
}

function runJs(code) {
  try {
    new Function(code)();
  } catch (e) {
    reportError(e, 'in js frame: ' + String(code).slice(0, 200));
  }
}

function applyError(frame) {
  if (CFG.debug) showOverlay('Server error', (frame.message || '') + (frame.traceback ? '\n\n' + frame.traceback : ''));
  else showToast('An error occurred');
  console.error('htag: server error:', frame.message || '', frame.traceback || '');
  // The callback failed: resolve (not reject) so that fire-and-forget calls
  // from the markup never produce unhandled rejections.
  settle(frame.callback_id, undefined, true);
}
