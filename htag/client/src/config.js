/* config.js -- what this client is and what the page tells it. Everything the
   server wants the client to know is on <html> (data-htag-* attributes), so that
   htag.js itself stays static and cacheable forever; this file reads it once,
   resolves the endpoints against the mount path, and holds the timing constants
   every other file uses. It runs first, so it also holds the guard that keeps
   the first copy when the script is loaded twice (e.g. a static re-injected). */

if (window.htag && window.htag._loaded) return;

var VERSION = '1';

var root = document.documentElement;
var ds = root.dataset;
var CFG = {
  base: ds.htagBase || '/',
  token: ds.htagToken || '',
  debug: ds.htagDebug === '1',
  reload: ds.htagReload === '1',
  parano: ds.htagParano || '',
  version: ds.htagVersion || '' // the render this page holds: the server skips re-sending it
};
// Resolving against the page URL accepts both "/sub/" and a relative base.
var BASE_URL = new URL(CFG.base.endsWith('/') ? CFG.base : CFG.base + '/', location.href);
function endpoint(path) { return new URL(path, BASE_URL).href; }
// WS and SSE connect with the token, and with the page's render so that a current page
// is not sent its body again (always the page's: any frame since makes it stale).
function connectQuery() {
  return '?token=' + encodeURIComponent(CFG.token) + (CFG.version ? '&v=' + encodeURIComponent(CFG.version) : '');
}

var WS_CONNECT_TIMEOUT = 3000; // ms to open a WebSocket (or an SSE stream) before trying the next transport
var HEARTBEAT = 20000;         // ms between WebSocket pings
var BACKOFF_MIN = 250;         // reconnection delay, doubling up to BACKOFF_MAX
var BACKOFF_MAX = 5000;
var POLL_VISIBLE = 1000;       // pure-HTTP polling period
var POLL_HIDDEN = 10000;       // ... while the tab is hidden
var SYNC_DELAY = 150;          // htag:sync debounce
var POST_HOL = 500;            // ms after which an unanswered POST no longer holds back the next one

function log() { if (CFG.debug) console.debug.apply(console, ['htag:'].concat([].slice.call(arguments))); }
