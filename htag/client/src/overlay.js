/* overlay.js -- errors the user or the developer should see. Uncaught client
   errors and unhandled rejections are logged to the server (`log_error`, at
   most 10 a minute so that a loop of errors cannot flood it) and, in debug
   mode, shown with server tracebacks in an overlay; without debug a server
   error shows a short toast. Both panels live under <html>, outside <body>,
   so that morphing the body never removes them. */

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

