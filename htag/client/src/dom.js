/* dom.js -- small stateless DOM helpers shared by the morph, the value sync and
   the events: finding the element of a server id (hid), the key by which the
   server identifies an element, and reading the live state of form controls.
   Nothing here keeps state, so the morph can use it and stay a pure function. */

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

function isFormControl(el) {
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT');
}
function isToggle(el) { return el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio'); }

function selectValue(sel) {
  if (sel.multiple) return selectedValues(sel);
  return sel.value;
}
function selectedValues(sel) {
  return Array.prototype.filter.call(sel.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
}

// One string for the whole live state of a control (to compare two moments).
function controlValue(el) {
  if (!isFormControl(el)) return undefined;
  if (isToggle(el)) return String(el.checked) + ':' + el.value;
  if (el.tagName === 'SELECT') return JSON.stringify(selectValue(el));
  return el.value;
}
