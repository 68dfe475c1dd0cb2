/*
 * htag client: mirrors the server's tag tree in the browser.
 *
 * The wire protocol is described in docs/protocol.md; this file implements it.
 * Plain ES2019, no build step, no dependency. It exposes only `htag_event`,
 * `htag_on` (called by the rendered markup) and `window.htag`.
 */
(function () {
  'use strict';

  if (window.htag && window.htag._loaded) return; // loaded twice (e.g. a static re-injected): keep the first

  var VERSION = '1';

  // ---------------------------------------------------------------- config --
  // Everything the server wants us to know is on <html>, so the script itself
  // stays static and cacheable forever.
  var root = document.documentElement;
  var ds = root.dataset;
  var CFG = {
    base: ds.htagBase || '/',
    token: ds.htagToken || '',
    debug: ds.htagDebug === '1',
    reload: ds.htagReload === '1',
    parano: ds.htagParano || ''
  };
  // Resolving against the page URL accepts both "/sub/" and a relative base.
  var BASE_URL = new URL(CFG.base.endsWith('/') ? CFG.base : CFG.base + '/', location.href);
  function endpoint(path) { return new URL(path, BASE_URL).href; }

  var WS_CONNECT_TIMEOUT = 3000;
  var HEARTBEAT = 20000;
  var BACKOFF_MIN = 250;
  var BACKOFF_MAX = 5000;
  var POLL_VISIBLE = 1000;
  var POLL_HIDDEN = 10000;
  var SYNC_DELAY = 150;

  function log() { if (CFG.debug) console.debug.apply(console, ['htag:'].concat([].slice.call(arguments))); }

  // ---------------------------------------------------------------- parano --
  // Obfuscation only (the key is in the page): base64(utf8(json) XOR key).
  var KEY = CFG.parano ? new TextEncoder().encode(CFG.parano) : null;

  function xor(bytes) {
    for (var i = 0; i < bytes.length; i++) bytes[i] ^= KEY[i % KEY.length];
    return bytes;
  }
  function encode(msg) {
    var json = JSON.stringify(msg);
    if (!KEY) return json;
    var bytes = xor(new TextEncoder().encode(json));
    // btoa wants a binary string; chunk to avoid call-stack limits on big frames.
    var bin = '';
    for (var i = 0; i < bytes.length; i += 0x8000) {
      bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(bin);
  }
  function decode(data) {
    if (data !== null && typeof data === 'object') return data; // already a frame (HTTP payloads)
    // A server that lost our session (restart) cannot know the key: its
    // `reload` comes in clear. JSON starts with "{", never base64.
    if (KEY && data.charAt(0) !== '{') {
      var bin = atob(data);
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return JSON.parse(new TextDecoder().decode(xor(bytes)));
    }
    return JSON.parse(data);
  }

  // ------------------------------------------------------- element lookup --
  function findEl(hid) {
    // an element whose developer-chosen id happens to equal another tag's hid
    // carries its own hid in data-htag-id: it is not the one asked for
    var el = document.getElementById(hid);
    if (el && el.hasAttribute('data-htag-id') && el.getAttribute('data-htag-id') !== hid) el = null;
    return el || document.querySelector('[data-htag-id="' + CSS.escape(hid) + '"]');
  }
  // The key by which the server identifies an element (its hid).
  function keyOf(node) {
    if (node.nodeType !== 1) return null;
    return node.getAttribute('data-htag-id') || node.getAttribute('id') || null;
  }

  // ------------------------------------------------------ form-control state --
  function isFormControl(el) {
    return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT');
  }
  function isToggle(el) { return el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio'); }

  function selectValue(sel) {
    if (sel.multiple) return Array.prototype.filter.call(sel.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
    return sel.value;
  }

  /* What the server may safely overwrite on a focused control. The user's
     typing wins, except in the reply to an event sent while the control held
     exactly its current value: then the server saw that value (syncs are
     flushed before each event) and a different value in its answer is
     deliberate (e.g. clearing a chat input on Enter). */
  var authority = null; // {el, value} during the application of such a reply

  function userOwns(el) {
    if (el !== document.activeElement) return pendingSync.has(el);
    return !(authority && authority.el === el && controlValue(el) === authority.value);
  }
  function controlValue(el) {
    if (!isFormControl(el)) return undefined;
    if (isToggle(el)) return String(el.checked) + ':' + el.value;
    if (el.tagName === 'SELECT') return JSON.stringify(selectValue(el));
    return el.value;
  }

  // ------------------------------------------------------------- morphing --
  /* Patch `from` in place so that it matches `to` (parsed, inert). Reusing
     nodes (instead of replacing outerHTML) is what keeps focus, caret,
     selection, scroll, listeners added by user JS and CSS transitions. */
  function morphRoot(from, html) {
    var toRoot;
    if (from === document.body || /^\s*<body[\s>]/i.test(html)) {
      // <template> drops <body>; DOMParser keeps its attributes. Scripts from
      // either are inert, and stay inert when moved into the page.
      toRoot = new DOMParser().parseFromString(html, 'text/html').body;
      from = document.body;
    } else {
      var tpl = document.createElement('template');
      tpl.innerHTML = html;
      var nodes = Array.prototype.filter.call(tpl.content.childNodes, function (n) {
        return !(n.nodeType === 3 && !n.nodeValue.trim());
      });
      if (nodes.length !== 1 || nodes[0].nodeType !== 1) {
        // Not one element (should not happen): swap in whatever was sent.
        from.replaceWith(tpl.content);
        return;
      }
      toRoot = nodes[0];
    }
    var ctx = {
      keyed: new Map(),   // key -> old element anywhere in the morphed subtree
      newKeys: new Set(), // keys present in the new HTML
      used: new Set()     // old elements already given a place
    };
    indexOld(from, ctx.keyed);
    indexNew(toRoot, ctx.newKeys);
    var scrolls = saveScrolls(from);
    if (from.nodeName !== toRoot.nodeName) {
      // Another element type: build it, reusing keyed descendants if any.
      var shell = document.importNode(toRoot, false);
      morphChildren(shell, toRoot, ctx);
      from.replaceWith(shell);
    } else {
      ctx.used.add(from);
      morphElement(from, toRoot, ctx);
    }
    restoreScrolls(scrolls);
  }

  function indexOld(rootEl, map) {
    var k = keyOf(rootEl);
    if (k) map.set(k, rootEl);
    var all = rootEl.getElementsByTagName('*');
    for (var i = 0; i < all.length; i++) {
      k = keyOf(all[i]);
      if (k && !map.has(k)) map.set(k, all[i]);
    }
  }
  function indexNew(rootEl, set) {
    var k = keyOf(rootEl);
    if (k) set.add(k);
    var all = rootEl.getElementsByTagName('*');
    for (var i = 0; i < all.length; i++) {
      k = keyOf(all[i]);
      if (k) set.add(k);
    }
  }

  // Reading every scroll offset first, writing later, costs one layout.
  function saveScrolls(rootEl) {
    var out = [];
    var se = document.scrollingElement;
    if (se) out.push([se, se.scrollTop, se.scrollLeft]);
    var els = [rootEl].concat(Array.prototype.slice.call(rootEl.getElementsByTagName('*')));
    for (var i = 0; i < els.length; i++) {
      var e = els[i];
      if (e.scrollTop || e.scrollLeft) out.push([e, e.scrollTop, e.scrollLeft]);
    }
    return out;
  }
  function restoreScrolls(list) {
    for (var i = 0; i < list.length; i++) {
      var e = list[i][0];
      if (!e.isConnected) continue;
      if (e.scrollTop !== list[i][1]) e.scrollTop = list[i][1];
      if (e.scrollLeft !== list[i][2]) e.scrollLeft = list[i][2];
    }
  }

  function morphElement(from, to, ctx) {
    syncAttributes(from, to);
    if (from.tagName === 'TEXTAREA') {
      // Its text is its default value; the live value is handled below.
      // (restoreFocus puts back what a focused user was typing).
      if (from.defaultValue !== to.defaultValue) from.defaultValue = to.defaultValue;
      var want = textareaValue(to);
      if (from.value !== want && !userOwns(from)) from.value = want;
      return;
    }
    if (from.tagName === 'TEMPLATE') {
      from.innerHTML = to.innerHTML;
      return;
    }
    morphChildren(from, to, ctx);
    syncFormState(from, to);
  }

  function syncAttributes(from, to) {
    var i, a;
    var ta = to.attributes;
    for (i = 0; i < ta.length; i++) {
      a = ta[i];
      if (a.namespaceURI) {
        if (from.getAttributeNS(a.namespaceURI, a.localName) !== a.value) from.setAttributeNS(a.namespaceURI, a.name, a.value);
      } else if (from.getAttribute(a.name) !== a.value) {
        from.setAttribute(a.name, a.value);
      }
    }
    var fa = from.attributes;
    for (i = fa.length - 1; i >= 0; i--) {
      a = fa[i];
      var present = a.namespaceURI ? to.hasAttributeNS(a.namespaceURI, a.localName) : to.hasAttribute(a.name);
      if (!present) {
        if (a.namespaceURI) from.removeAttributeNS(a.namespaceURI, a.localName);
        else from.removeAttribute(a.name);
      }
    }
  }

  /* The value a textarea of the new HTML stands for. Browsers ignore a `value`
     attribute on a <textarea>, but the server keeps what the user typed (and
     what Python sets with `tag["value"] = ...`) there, beside the initial text
     of its content: the attribute, when present, is the current value. */
  function textareaValue(ta) {
    return ta.hasAttribute('value') ? ta.getAttribute('value') : ta.defaultValue;
  }

  // Live state (properties) of form controls follows the new HTML, unless the
  // user owns it (focused, or a value not yet synced to the server).
  function syncFormState(from, to) {
    var tag = from.tagName;
    if (tag === 'INPUT') {
      if (from.type === 'file' || userOwns(from)) return;
      if (isToggle(from)) {
        var c = to.hasAttribute('checked');
        if (from.checked !== c) from.checked = c;
      } else {
        var v = to.getAttribute('value') || '';
        if (from.value !== v) from.value = v;
      }
    } else if (tag === 'SELECT') {
      if (userOwns(from)) return;
      // As for a textarea: browsers ignore a `value` attribute on a <select>, but
      // the server keeps there the value the user chose (htag:sync) or Python set,
      // and it is newer than the `selected` the options were first rendered with.
      if (!from.multiple && to.hasAttribute('value')) {
        var sv = to.getAttribute('value');
        for (var j = 0; j < from.options.length; j++) {
          if (from.options[j].value === sv) {
            if (from.selectedIndex !== j) from.selectedIndex = j;
            return;
          }
        }
      }
      var any = false;
      for (var i = 0; i < from.options.length; i++) {
        var opt = from.options[i];
        var want = opt.hasAttribute('selected');
        any = any || want;
        if (opt.selected !== want && (want || from.multiple)) opt.selected = want;
      }
      // A single select with no `selected` option shows its first one.
      if (!any && !from.multiple && from.options.length && from.selectedIndex !== 0) from.selectedIndex = 0;
    }
  }

  function sameKind(a, b) {
    return a.nodeType === b.nodeType && (a.nodeType !== 1 || a.nodeName === b.nodeName);
  }

  // An old node that a later keyed match will claim must not be consumed by position.
  function reserved(node, ctx) {
    var k = keyOf(node);
    return !!k && ctx.newKeys.has(k) && ctx.keyed.get(k) === node;
  }

  function morphChildren(fromParent, toParent, ctx) {
    var cur = fromParent.firstChild;
    var news = Array.prototype.slice.call(toParent.childNodes);
    for (var i = 0; i < news.length; i++) {
      var nn = news[i];
      var match = null;
      var k = keyOf(nn);
      if (k) {
        var cand = ctx.keyed.get(k);
        if (cand && !ctx.used.has(cand) && cand.nodeName === nn.nodeName && !cand.contains(fromParent)) match = cand;
      }
      if (!match) {
        // By position: the next old node no later keyed match will claim.
        var p = cur;
        while (p && (ctx.used.has(p) || reserved(p, ctx))) p = p.nextSibling;
        if (p && sameKind(p, nn)) match = p;
      }
      if (match) {
        if (match === cur) cur = cur.nextSibling;
        else fromParent.insertBefore(match, cur);
        ctx.used.add(match);
        if (match.nodeType === 1) morphElement(match, nn, ctx);
        else if (match.nodeValue !== nn.nodeValue) match.nodeValue = nn.nodeValue;
      } else if (nn.nodeType === 1) {
        // New element: insert a shallow copy and fill it recursively so that
        // keyed old elements moved inside it are reused, not recreated.
        var shell = document.importNode(nn, false);
        fromParent.insertBefore(shell, cur);
        ctx.used.add(shell);
        if (shell.tagName === 'TEMPLATE') shell.innerHTML = nn.innerHTML;
        else if (shell.tagName === 'TEXTAREA') { shell.defaultValue = nn.defaultValue; shell.value = textareaValue(nn); }
        else {
          morphChildren(shell, nn, ctx);
          syncFormState(shell, nn);
        }
      } else {
        fromParent.insertBefore(document.importNode(nn, false), cur);
      }
    }
    // Leftovers go; a removed keyed element can still be claimed by a later
    // parent of this morph (ctx.keyed keeps it), which keeps its state.
    while (cur) {
      var next = cur.nextSibling;
      if (!ctx.used.has(cur)) fromParent.removeChild(cur);
      cur = next;
    }
  }

  // Moving a focused element (or an ancestor) blurs it, and attribute
  // changes may reset a pristine control: remember its state and restore it.
  function saveFocus() {
    var el = document.activeElement;
    if (!el || el === document.body || el === root) return null;
    var f = { el: el, key: keyOf(el), tag: el.tagName, scrollTop: el.scrollTop, scrollLeft: el.scrollLeft,
      state: controlValue(el) };
    if (el.tagName === 'SELECT') {
      f.sel = Array.prototype.map.call(el.options, function (o) { return o.selected; });
    } else if (isFormControl(el) && !isToggle(el)) {
      f.value = el.value;
      try { f.start = el.selectionStart; f.end = el.selectionEnd; f.dir = el.selectionDirection; } catch (e) { /* no selection API */ }
    }
    return f;
  }
  function restoreFocus(f) {
    if (!f) return;
    var el = f.el;
    // The reply to an event sent with exactly this state may change it (see userOwns).
    var serverMay = !!(authority && authority.el === f.el && authority.value === f.state);
    if (!el.isConnected) {
      // Replaced after all (e.g. its tag changed): carry the user's state over.
      var other = f.key && findEl(f.key);
      if (!other || other.tagName !== f.tag) return;
      el = other;
    }
    if (document.activeElement !== el) {
      try { el.focus({ preventScroll: true }); } catch (e) { /* not focusable any more */ }
    }
    if (!serverMay) {
      if (f.value !== undefined && el.value !== f.value) el.value = f.value;
      if (f.sel && el.options.length === f.sel.length) {
        f.sel.forEach(function (on, i) { if (el.options[i].selected !== on) el.options[i].selected = on; });
      }
    }
    if (f.value !== undefined && el.value === f.value && f.start != null) {
      try {
        if (el.selectionStart !== f.start || el.selectionEnd !== f.end) el.setSelectionRange(f.start, f.end, f.dir);
      } catch (e) { /* type without selection */ }
    }
    if (el.scrollTop !== f.scrollTop) el.scrollTop = f.scrollTop;
    if (el.scrollLeft !== f.scrollLeft) el.scrollLeft = f.scrollLeft;
  }

  // Public entry point of morphing (used by frames and exposed for tests).
  function morph(target, html) {
    var el = typeof target === 'string' ? findEl(target) : target;
    if (!el && /^\s*<body[\s>]/i.test(html)) el = document.body;
    if (!el) { log('no element for update', target); return false; }
    var f = saveFocus();
    morphRoot(el, html);
    restoreFocus(f);
    return true;
  }

  // ---------------------------------------------------------------- frames --
  // Dedup by the exact string sent, and by the browser's serialization of
  // what <head> holds (the page was rendered with its statics; a reconnection
  // to a restarted server may send them again, maybe spelled differently).
  var seenStatics = new Set();
  var headHtml = new Set();
  Array.prototype.forEach.call(document.head.children, function (n) { headHtml.add(n.outerHTML); });

  // Statics may hold <script src>, which must load before the next one runs,
  // so frames are applied one after another through this promise chain.
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
      default: log('unknown frame ignored', frame);
    }
  }

  function applyUpdate(frame) {
    var p = frame.statics && frame.statics.length ? applyStatics(frame.statics) : null;
    var rest = function () {
      var pend = frame.callback_id ? pending.get(frame.callback_id) : null;
      authority = pend && pend.focus ? pend.focus : null;
      try {
        var f = saveFocus();
        if (frame.ops) applyOps(frame.ops);
        if (frame.updates) {
          Object.keys(frame.updates).forEach(function (hid) {
            var el = findEl(hid);
            if (!el && !/^\s*<body[\s>]/i.test(frame.updates[hid])) { log('update for unknown element', hid); return; }
            morphRoot(el || document.body, frame.updates[hid]);
          });
        }
        restoreFocus(f);
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

  // Returns a Promise only when we must wait (external script loading).
  function insertStatic(n) {
    if (n.tagName === 'TITLE') { document.title = n.textContent; return null; }
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

  function applyOps(ops) {
    ops.forEach(function (op) {
      if (!Array.isArray(op) || op[0] !== 'attr') { log('unknown op ignored', op); return; }
      var el = findEl(op[1]);
      if (!el) { log('op for unknown element', op[1]); return; }
      var name = op[2], value = op[3];
      if (value === null || value === undefined) el.removeAttribute(name);
      else el.setAttribute(name, value);
      // Attributes are only defaults for form controls: mirror the live property.
      if (!isFormControl(el) && el.tagName !== 'OPTION') return;
      if (el.tagName === 'OPTION') {
        if (name === 'selected' && el.parentNode && !userOwns(el.closest('select') || el)) el.selected = value !== null && value !== undefined;
        return;
      }
      if (userOwns(el)) return;
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

  // ------------------------------------------------------ events and promises --
  var pending = new Map(); // callback_id -> {resolve, focus}

  function settle(cid, result, failed) {
    if (!cid) return;
    var p = pending.get(cid);
    if (!p) return;
    pending.delete(cid);
    if (failed) console.warn('htag: callback ' + cid + ' failed; its Promise resolves with undefined');
    p.resolve(result);
    updateInteracting();
  }
  function updateInteracting() {
    if (document.body) document.body.classList.toggle('interacting', pending.size > 0);
  }
  function randomId() {
    var a = new Uint32Array(2);
    crypto.getRandomValues(a);
    return a[0].toString(36) + a[1].toString(36);
  }

  function sendEvent(id, name, data) {
    flushSyncs(); // the server must know the latest values before the callback runs
    var cid = randomId();
    var payload = Object.assign({}, data, { callback_id: cid });
    var active = document.activeElement;
    var focus = isFormControl(active) ? { el: active, value: controlValue(active) } : null;
    return new Promise(function (resolve) {
      pending.set(cid, { resolve: resolve, focus: focus });
      updateInteracting();
      send({ id: id, event: name, data: payload });
    });
  }

  // What a DOM event tells the server.
  function eventData(el, ev) {
    var data = {};
    if (el && el.tagName === 'FORM' && ev && ev.type === 'submit') {
      data.value = formValues(el, ev.submitter);
    } else if (isFormControl(el)) {
      // htag 2: e.value of a checkbox is its state; a radio's is its value.
      if (isToggle(el)) { data.checked = el.checked; data.value = el.type === 'checkbox' ? el.checked : el.value; }
      else if (el.tagName === 'SELECT') data.value = selectValue(el);
      else if (el.type !== 'file') data.value = el.value;
    }
    if (ev) {
      if (typeof KeyboardEvent !== 'undefined' && ev instanceof KeyboardEvent) {
        data.key = ev.key; data.code = ev.code;
      }
      if (typeof MouseEvent !== 'undefined' && ev instanceof MouseEvent) {
        data.pageX = ev.pageX; data.pageY = ev.pageY; data.clientX = ev.clientX; data.clientY = ev.clientY;
        data.button = ev.button; data.which = ev.which;
      }
      if ('ctrlKey' in ev) {
        data.ctrlKey = ev.ctrlKey; data.shiftKey = ev.shiftKey; data.altKey = ev.altKey; data.metaKey = ev.metaKey;
      }
      if (ev.type === 'hashchange') { data.newURL = ev.newURL; data.oldURL = ev.oldURL; }
    }
    return data;
  }

  function formValues(form, submitter) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (f) {
      if (!f.name || f.disabled || f.tagName === 'FIELDSET' || f.tagName === 'OUTPUT' || f.tagName === 'OBJECT') return;
      var t = (f.type || '').toLowerCase();
      if (f.tagName === 'BUTTON' || t === 'submit' || t === 'button' || t === 'reset' || t === 'image') return;
      if (t === 'checkbox') { out[f.name] = f.checked; return; }
      if (t === 'radio') {
        if (f.checked) out[f.name] = f.value;
        else if (!(f.name in out)) out[f.name] = null;
        return;
      }
      var v;
      if (f.tagName === 'SELECT' && f.multiple) v = selectValue(f);
      else if (t === 'file') v = Array.prototype.map.call(f.files || [], function (x) { return x.name; });
      else v = f.value;
      if (f.name in out) out[f.name] = [].concat(out[f.name], v); // same name twice: a list, like FormData
      else out[f.name] = v;
    });
    if (submitter && submitter.name) out[submitter.name] = submitter.value;
    return out;
  }

  // Called by the markup: onclick="htag_on(this,event)" or htag_on(this,event,flags).
  function htag_on(el, ev, flags) {
    flags = flags | 0;
    if (ev) {
      // A form submitted to a Python callback never also submits natively: the
      // navigation would reload the page and lose the callback's reply (and
      // races the event itself), with or without @prevent.
      if ((flags & 1) || (ev.type === 'submit' && el && el.tagName === 'FORM')) ev.preventDefault();
      if (flags & 2) ev.stopPropagation();
    }
    if (!el || el.nodeType !== 1) el = document.body; // <body onhashchange> runs with this === window
    var id = (el.dataset && el.dataset.htagId) || el.id;
    if (ev && ev.type === 'hashchange') lastHashSent = ev;
    // The event carries the control's value itself (written before the
    // callback runs): a pending sync of it would be redundant.
    if (pendingSync.has(el)) {
      clearTimeout(pendingSync.get(el));
      pendingSync.delete(el);
      lastSynced.set(el, controlValue(el));
    }
    return sendEvent(id, ev ? ev.type : 'event', eventData(el, ev));
  }

  // From user JS: data goes as given; non-objects go as `value` so the
  // callback_id can travel with them (e.value is the same on the server).
  function htag_event(id, name, data) {
    var payload;
    if (typeof Event !== 'undefined' && data instanceof Event) {
      payload = eventData(findEl(id) || data.currentTarget, data);
    } else if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
      payload = Object.assign({}, data);
    } else if (data === undefined) {
      payload = {};
    } else {
      payload = { value: data };
    }
    return sendEvent(id, name, payload);
  }

  /* The App's `onhashchange` renders on <body>, but hashchange fires on window
     only (an `onhashchange` attribute on <body> is the window handler, and is
     not re-bound when morphing sets the attribute later). So listen on window
     and forward, unless the attribute handler already sent this very event. */
  var lastHashSent = null;
  window.addEventListener('hashchange', function (ev) {
    setTimeout(function () {
      if (lastHashSent === ev) return;
      var b = document.body;
      var h = b && b.getAttribute('onhashchange');
      if (h && /htag_on\s*\(/.test(h)) {
        var m = /htag_on\s*\(\s*this\s*,\s*event\s*,\s*(\d+)/.exec(h);
        htag_on(b, ev, m ? +m[1] : 0);
      }
    }, 0);
  });

  // ------------------------------------------------------- value sync --
  var pendingSync = new Map(); // element -> timer
  var lastSynced = new WeakMap(); // element -> the state the server last got from us

  function syncMessage(el) {
    var id = (el.dataset && el.dataset.htagId) || el.id;
    lastSynced.set(el, controlValue(el));
    var data = isToggle(el) ? { checked: el.checked } : { value: el.tagName === 'SELECT' ? selectValue(el) : el.value };
    return { id: id, event: 'htag:sync', data: data };
  }
  function onUserChange(ev) {
    var el = ev.target;
    if (!isFormControl(el) || el.type === 'file') return;
    scheduleSync(el, false);
    // Checking a radio unchecks the others of its group, and they fire no event:
    // sync those the server may still believe checked (else a re-render checks
    // one of them again, and Python sees two checked radios).
    if (el.type === 'radio' && el.checked) {
      radioGroup(el).forEach(function (r) {
        if (r === el || r.checked) return;
        var last = lastSynced.get(r);
        if (r.hasAttribute('checked') || (last && last.indexOf('true:') === 0)) scheduleSync(r, true);
      });
    }
  }
  function scheduleSync(el, force) {
    if (!((el.dataset && el.dataset.htagId) || el.id)) return;
    var t = pendingSync.get(el);
    if (t) clearTimeout(t);
    // `change` on blur usually repeats what `input` already synced.
    else if (!force && lastSynced.get(el) === controlValue(el)) return;
    pendingSync.set(el, setTimeout(function () {
      pendingSync.delete(el);
      send(syncMessage(el));
    }, SYNC_DELAY));
  }
  function radioGroup(el) {
    if (!el.name) return [];
    var all = el.form ? el.form.elements : document.querySelectorAll('input[type="radio"]');
    return Array.prototype.filter.call(all, function (r) {
      return r.tagName === 'INPUT' && r.type === 'radio' && r.name === el.name && r.form === el.form;
    });
  }
  function flushSyncs() {
    pendingSync.forEach(function (t, el) {
      clearTimeout(t);
      send(syncMessage(el));
    });
    pendingSync.clear();
  }
  // Capture phase: an htag_on handler of the same event must find the sync flushed after it.
  document.addEventListener('input', onUserChange, true);
  document.addEventListener('change', onUserChange, true);

  // ------------------------------------------------------------ transports --
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
    // The server sends the whole body first (WS/SSE): it is morphed in, no reload.
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
    var queued = new Set(outbox.map(function (m) { return m.data && m.data.callback_id; }));
    pending.forEach(function (p, cid) { if (!queued.has(cid)) settle(cid, undefined, true); });
    scheduleReconnect();
  }

  // --- WebSocket
  var heartbeatTimer = null;
  var lastReceived = 0;

  function tryWs(fail, attempt) {
    var url = endpoint('ws?token=' + encodeURIComponent(CFG.token)).replace(/^http/, 'ws');
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
    try { es = new EventSource(endpoint('stream?token=' + encodeURIComponent(CFG.token))); } catch (e) { fail(); return; }
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

  /* --- POSTs go one after another so that the server receives them in order
     (separate HTTP requests may overtake each other), but a POST still
     unanswered after POST_HOL ms has surely arrived: its slow callback must
     not hold back the next event (a "cancel" button) or the next poll. */
  var POST_HOL = 500;
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

  // ------------------------------------------------------ errors and overlays --
  var errorTimes = [];

  function reportError(err, context, noOverlay) {
    var text = err && err.stack ? String(err.stack) : String(err && err.message ? err.message : err);
    if (err && err.message && text.indexOf(err.message) < 0) text = err.message + '\n' + text;
    if (context) text += '\n' + context;
    console.error('htag:', text);
    if (CFG.debug && !noOverlay) showOverlay('Client error', text);
    var now = Date.now();
    errorTimes = errorTimes.filter(function (t) { return now - t < 60000; });
    if (errorTimes.length >= 10) return; // a loop of errors must not flood the server
    errorTimes.push(now);
    send({ action: 'log_error', error: text.slice(0, 4000) });
  }

  window.addEventListener('error', function (e) {
    if (e.target && e.target !== window) return; // resource load errors: not ours to report
    reportError(e.error || e.message, e.filename ? 'at ' + e.filename + ':' + e.lineno + ':' + e.colno : '');
  });
  window.addEventListener('unhandledrejection', function (e) {
    reportError(e.reason instanceof Error ? e.reason : 'Unhandled promise rejection: ' + String(e.reason));
  });

  // Our panels live under <html>, outside <body>, so body morphs never remove them.
  var overlay = null;
  function showOverlay(title, text) {
    if (!overlay) {
      overlay = document.createElement('div');
      overlay.setAttribute('data-htag-client', 'overlay');
      overlay.style.cssText = 'position:fixed;inset:5% 5% auto 5%;max-height:85vh;overflow:auto;z-index:2147483647;' +
        'background:#fff5f5;color:#7f1d1d;border:1px solid #ef4444;border-left:6px solid #ef4444;border-radius:6px;' +
        'box-shadow:0 10px 30px rgba(0,0,0,.3);font:13px/1.4 system-ui,sans-serif;padding:12px 16px;';
      var close = document.createElement('button');
      close.textContent = '\u00d7';
      close.title = 'Close';
      close.style.cssText = 'position:absolute;top:6px;right:10px;border:0;background:none;font-size:22px;cursor:pointer;color:#b91c1c;';
      close.onclick = function () { overlay.remove(); overlay._pre.textContent = ''; };
      var pre = document.createElement('pre');
      pre.style.cssText = 'white-space:pre-wrap;margin:0;font:12px/1.4 ui-monospace,monospace;';
      overlay.appendChild(close);
      overlay.appendChild(pre);
      overlay._pre = pre;
    }
    // Several errors in a row: keep them all, newest last.
    var prev = overlay.isConnected ? overlay._pre.textContent + '\n\n' : '';
    overlay._pre.textContent = prev + '\u25b6 ' + title + '\n' + text;
    root.appendChild(overlay);
  }

  var toastTimer = null;
  function showToast(text) {
    var t = document.querySelector('[data-htag-client="toast"]');
    if (!t) {
      t = document.createElement('div');
      t.setAttribute('data-htag-client', 'toast');
      t.setAttribute('role', 'alert');
      t.style.cssText = 'position:fixed;right:16px;bottom:16px;z-index:2147483647;background:#b91c1c;color:#fff;' +
        'padding:8px 14px;border-radius:6px;font:14px system-ui,sans-serif;box-shadow:0 4px 12px rgba(0,0,0,.3);cursor:pointer;';
      t.onclick = function () { t.remove(); };
      root.appendChild(t);
    }
    t.textContent = text;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.remove(); }, 5000);
  }

  // ------------------------------------------------------------- exports --
  window.htag_event = htag_event;
  window.htag_on = htag_on;
  window.htag = {
    version: VERSION,
    get mode() { return state.connected ? state.mode : 'connecting'; },
    send: send,
    _morph: morph,
    _loaded: true
  };

  if (window.htag_no_connect !== true) connect();
})();
