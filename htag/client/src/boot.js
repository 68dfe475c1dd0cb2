/* boot.js -- runs last: publishes the only globals of the client (htag_on and
   htag_event, which the rendered markup and user JS call, htag 2's fallback()
   and fallback_pure_http(), and window.htag),
   then connects. `window.htag_no_connect = true` set before the script loads
   skips the connection, so that tests can use `htag._morph` on a static page.
   `htag._morph(hidOrElement, html, policy)` morphs with the given policy
   ({ownsValue: function (el) {...}}), or with the live one when omitted. */

window.htag_event = htag_event;
window.htag_on = htag_on;
window.fallback = function () { fallback('sse'); }; // htag 2's names
window.fallback_pure_http = function () { fallback('http'); };
window.htag = {
  version: VERSION,
  get mode() { return state.connected ? state.mode : 'connecting'; },
  send: send,
  download: download,
  _morph: function (target, html, policy) {
    var el = typeof target === 'string' ? findEl(target) : target;
    if (!el && /^\s*<body[\s>]/i.test(html)) el = document.body;
    if (!el) { log('no element for update', target); return false; }
    morph(el, html, policy || LIVE_POLICY);
    return true;
  },
  _loaded: true
};

if (window.htag_no_connect !== true) {
  settleControls(document.body, LIVE_POLICY);
  connect();
}
