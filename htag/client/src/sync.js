/* sync.js -- value sync: the server keeps the value of every form control, so
   `input`/`change` on a control with an id send `htag:sync` (debounced), and
   every pending sync is flushed before any event. It also decides which
   controls the user owns, the policy the live client gives the morph: a
   control is the user's while it is focused or has a sync not sent yet, except
   in the reply to an event sent while the focused control held exactly its
   current value (the server saw that value: a different one is deliberate). */

var pendingSync = new Map();    // element -> timer
var lastSynced = new WeakMap(); // element -> the state the server last got from us

// Syncs are flushed before each event, so in the reply to an event sent while
// the focused control held exactly its current value, the server saw that
// value, and a different value in its answer is deliberate (e.g. clearing a
// chat input on Enter): the server may overwrite it.
var authority = null; // {el, value} while such a reply is applied

function userOwns(el) {
  if (el !== document.activeElement) return pendingSync.has(el);
  return !(authority && authority.el === el && controlValue(el) === authority.value);
}
var LIVE_POLICY = { ownsValue: userOwns };

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

// The event carries the control's value itself (written before the callback
// runs): a pending sync of it would be redundant.
function dropSync(el) {
  if (!pendingSync.has(el)) return;
  clearTimeout(pendingSync.get(el));
  pendingSync.delete(el);
  lastSynced.set(el, controlValue(el));
}

// Capture phase: an htag_on handler of the same event must find the sync flushed after it.
document.addEventListener('input', onUserChange, true);
document.addEventListener('change', onUserChange, true);
