/* events.js -- DOM events to Python callbacks. The rendered markup calls
   htag_on(this, event, flags) and user JS calls htag_event(id, name, data);
   both send {id, event, data} with a fresh callback id and return a Promise
   that the reply carrying that id resolves (with the callback's result, or
   undefined when it failed or the connection died). This file also says what
   a DOM event tells the server (values, keys, mouse, form fields) and keeps the
   `interacting` class on <body> while replies are pending. */

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

// `extra`: more keys of the message (an upload's announcement, see upload.js).
function sendEvent(id, name, data, extra) {
  flushSyncs(); // the server must know the latest values before the callback runs
  var cid = randomId();
  var payload = Object.assign({}, data, { callback_id: cid });
  var active = document.activeElement;
  // the reply may overwrite this control's value if it still holds this one (see sync.js)
  var focus = isFormControl(active) ? { el: active, value: controlValue(active) } : null;
  return new Promise(function (resolve) {
    pending.set(cid, { resolve: resolve, focus: focus });
    updateInteracting();
    send(Object.assign({ id: id, event: name, data: payload }, extra));
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
  } else if (el && el.value !== undefined && el.value !== null && typeof el.value !== 'object') {
    data.value = el.value; // htag 2: <button value="x"> (also <option>, <li>, <meter>...) sends it
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
    // A drop is the page's, not the browser's (which would open the dropped file).
    if ((flags & 1) || ev.type === 'drop' || (ev.type === 'submit' && el && el.tagName === 'FORM')) ev.preventDefault();
    if (flags & 2) ev.stopPropagation();
  }
  if (!el || el.nodeType !== 1) el = document.body; // <body onhashchange> runs with this === window
  var id = (el.dataset && el.dataset.htagId) || el.id;
  if (ev && ev.type === 'hashchange') lastHashSent = ev;
  dropSync(el); // the event carries the control's value itself
  var data = eventData(el, ev);
  var files = filesOf(el, ev);
  if (files && files.length) return startUpload(el, id, ev ? ev.type : 'event', files, data);
  if (files) data.files = [];
  return sendEvent(id, ev ? ev.type : 'event', data);
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
