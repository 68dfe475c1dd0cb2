/* preserve.js -- keeps what the user sees and does across a morph. Moving an
   element resets its scroll offsets, and moving a focused element (or one of
   its ancestors) blurs it while attribute changes may reset a pristine
   control: so the morph saves every scroll offset (of the page too) and
   restores it, and keepFocus() saves the focused element's focus, value,
   selection (range and direction) and scroll around the whole morph. The
   policy decides, once and before anything moves, whether the user owns the
   focused control's value: if not, the value the new HTML gives stays (e.g.
   Python clearing an input). */

// keepFocus(policy, fn): runs fn(stablePolicy) and restores the focus state.
// stablePolicy answers for the focused element what the policy said before the
// morph started (a moved element is blurred for a while, which must not
// change who owns it).
function keepFocus(policy, fn) {
  var owns = (policy && policy.ownsValue) || NOBODY_OWNS.ownsValue;
  var f = saveFocus(owns);
  var stable = !f ? { ownsValue: owns } : {
    ownsValue: function (el) { return el === f.el ? f.owned : owns(el); }
  };
  fn(stable);
  restoreFocus(f);
}

function saveFocus(owns) {
  var el = document.activeElement;
  if (!el || el === document.body || el === root) return null;
  var f = { el: el, key: keyOf(el), tag: el.tagName, scrollTop: el.scrollTop, scrollLeft: el.scrollLeft,
    owned: !!owns(el) };
  if (el.tagName === 'SELECT') {
    f.sel = selectedValues(el);
  } else if (isFormControl(el) && !isToggle(el)) {
    f.value = el.value;
    try { f.start = el.selectionStart; f.end = el.selectionEnd; f.dir = el.selectionDirection; } catch (e) { /* no selection API */ }
  }
  return f;
}

function restoreFocus(f) {
  if (!f) return;
  var el = f.el;
  if (!el.isConnected) {
    // Replaced after all (e.g. its tag changed): carry the user's state over.
    var other = f.key && findEl(f.key);
    if (!other || other.tagName !== f.tag) return;
    el = other;
  }
  if (document.activeElement !== el) {
    try { el.focus({ preventScroll: true }); } catch (e) { /* not focusable any more */ }
  }
  if (f.owned) {
    if (f.value !== undefined && el.value !== f.value) el.value = f.value;
    if (f.sel) reselect(el, f.sel);
  }
  if (f.value !== undefined && el.value === f.value && f.start != null) {
    try {
      if (el.selectionStart !== f.start || el.selectionEnd !== f.end || el.selectionDirection !== f.dir) {
        el.setSelectionRange(f.start, f.end, f.dir);
      }
    } catch (e) { /* type without selection */ }
  }
  if (el.scrollTop !== f.scrollTop) el.scrollTop = f.scrollTop;
  if (el.scrollLeft !== f.scrollLeft) el.scrollLeft = f.scrollLeft;
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
