/* morph.js -- patches an element in place so that it matches new HTML, reusing
   nodes instead of replacing outerHTML: that is what keeps focus, caret,
   selection, scroll, listeners added by user JS and CSS transitions. Elements
   are matched by key (data-htag-id, then id) anywhere in the morphed subtree, so
   a moved element is reused, then by position and tag name. It is a pure
   function of the DOM, the new HTML and a policy: `policy.ownsValue(el)` says
   whether the user owns the live value of a form control (then it is never
   overwritten); the morph reads no other state of the client. morph() also
   keeps the focused element's state (preserve.js); morphTree() does not. */

var SVG_NS = 'http://www.w3.org/2000/svg';
var MATHML_NS = 'http://www.w3.org/1998/Math/MathML';
var NOBODY_OWNS = { ownsValue: function () { return false; } };

// morph(el, html, policy) -> the element now in place of `el` (itself, unless
// its tag name changed). `html` is the new outer HTML, or an element (read only).
function morph(el, html, policy) {
  var out = el;
  keepFocus(policy, function (stable) { out = morphTree(el, html, stable); });
  return out;
}

function morphTree(from, html, policy) {
  var owns = (policy && policy.ownsValue) || NOBODY_OWNS.ownsValue;
  var toRoot;
  if (typeof html !== 'string') {
    toRoot = html;
  } else if (from === document.body || /^\s*<body[\s>]/i.test(html)) {
    // <template> drops <body>; DOMParser keeps its attributes. Scripts from
    // either are inert, and stay inert when moved into the page.
    toRoot = new DOMParser().parseFromString(html, 'text/html').body;
    from = document.body;
  } else {
    toRoot = parseOne(html, from.namespaceURI);
    if (!toRoot) {
      // Not one element (should not happen): swap in whatever was sent.
      var tpl = document.createElement('template');
      tpl.innerHTML = html;
      var first = tpl.content.firstChild;
      from.replaceWith(tpl.content);
      return first;
    }
  }
  var ctx = {
    owns: owns,
    keyed: new Map(),   // key -> old element anywhere in the morphed subtree
    newKeys: new Set(), // keys present in the new HTML
    used: new Set()     // old elements already given a place
  };
  indexOld(from, ctx.keyed);
  indexNew(toRoot, ctx.newKeys);
  var scrolls = saveScrolls(from);
  var out = from;
  if (from.nodeName !== toRoot.nodeName) {
    // Another element type: build it, reusing keyed descendants if any.
    out = build(toRoot, ctx);
    from.replaceWith(out);
  } else {
    ctx.used.add(from);
    morphElement(from, toRoot, ctx);
  }
  restoreScrolls(scrolls);
  return out;
}

/* The single element of `html`, parsed inert. An element inside an <svg> (or
   <math>) must be parsed inside one: alone, `<circle>` would become an unknown
   HTML element, which the morph would then put in place of the SVG one. */
function parseOne(html, ns) {
  var wrap = ns === SVG_NS ? 'svg' : ns === MATHML_NS ? 'math' : '';
  if (wrap && new RegExp('^\\s*<' + wrap + '[\\s/>]', 'i').test(html)) wrap = ''; // the <svg> itself
  var tpl = document.createElement('template');
  tpl.innerHTML = wrap ? '<' + wrap + '>' + html + '</' + wrap + '>' : html;
  var parent = wrap ? tpl.content.firstChild : tpl.content;
  var nodes = Array.prototype.filter.call(parent.childNodes, function (n) {
    return !(n.nodeType === 3 && !n.nodeValue.trim());
  });
  return nodes.length === 1 && nodes[0].nodeType === 1 ? nodes[0] : null;
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

function morphElement(from, to, ctx) {
  syncAttributes(from, to);
  if (from.tagName === 'TEXTAREA') {
    // Its text is its default value; the live value is handled below
    // (keepFocus puts back what a focused user was typing).
    if (from.defaultValue !== to.defaultValue) from.defaultValue = to.defaultValue;
    var want = textareaValue(to);
    if (from.value !== want && !ctx.owns(from)) from.value = want;
    return;
  }
  if (from.tagName === 'TEMPLATE') {
    from.innerHTML = to.innerHTML;
    return;
  }
  // New or reused <option>s may change what a select shows: keep what its user chose.
  var chosen = from.tagName === 'SELECT' && ctx.owns(from) ? selectedValues(from) : null;
  morphChildren(from, to, ctx);
  if (chosen) reselect(from, chosen);
  else syncFormState(from, to, ctx);
}

// A new element (no old one to reuse): a shallow copy, inserted (when a parent
// is given) then filled recursively, so that keyed old elements moved inside it
// are reused, not recreated.
function build(nn, ctx, parent, before) {
  var shell = document.importNode(nn, false);
  ctx.used.add(shell);
  if (parent) parent.insertBefore(shell, before);
  if (shell.tagName === 'TEMPLATE') shell.innerHTML = nn.innerHTML;
  else if (shell.tagName === 'TEXTAREA') { shell.defaultValue = nn.defaultValue; shell.value = textareaValue(nn); }
  else {
    morphChildren(shell, nn, ctx);
    syncFormState(shell, nn, ctx);
  }
  return shell;
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
// user owns it (the policy: focused, or a value not yet synced to the server).
function syncFormState(from, to, ctx) {
  var tag = from.tagName;
  if (tag === 'INPUT') {
    if (from.type === 'file' || ctx.owns(from)) return;
    if (isToggle(from)) {
      var c = to.hasAttribute('checked');
      if (from.checked !== c) from.checked = c;
    } else {
      var v = to.getAttribute('value') || '';
      if (from.value !== v) from.value = v;
    }
  } else if (tag === 'SELECT') {
    if (ctx.owns(from)) return;
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

// The page as served is current (no body frame follows it), but the browser may
// have restored form values of its own (on a reload): give every control the live
// state its rendered attributes describe, as morphing in a body frame would.
function settleControls(root, policy) {
  var ctx = { owns: policy.ownsValue };
  var controls = root.querySelectorAll('input, textarea, select');
  for (var i = 0; i < controls.length; i++) {
    var el = controls[i];
    if (el.tagName !== 'TEXTAREA') { syncFormState(el, el, ctx); continue; }
    var want = textareaValue(el);
    if (el.value !== want && !ctx.owns(el)) el.value = want;
  }
}

// Selects again the options of these values: the user's choice, which new or
// reused <option>s (inserted with `selected`, or shifted by position) may have moved.
function reselect(sel, values) {
  var opts = sel.options, i;
  if (sel.multiple) {
    for (i = 0; i < opts.length; i++) {
      var on = values.indexOf(opts[i].value) >= 0;
      if (opts[i].selected !== on) opts[i].selected = on;
    }
  } else if (values.length && sel.value !== values[0]) {
    for (i = 0; i < opts.length; i++) {
      if (opts[i].value === values[0]) { sel.selectedIndex = i; return; }
    }
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

/* `prev` is the last node given its place. The cursor is recomputed from it at
   each step, never kept: the morph of an earlier sibling (or of a new element)
   may claim the old node at the cursor by its key and move it elsewhere, and a
   kept cursor would then walk, and insert into, another parent. A placed node
   is used, so nothing claims it again: it stays a child of fromParent. */
function morphChildren(fromParent, toParent, ctx) {
  var prev = null;
  var cur;
  var news = Array.prototype.slice.call(toParent.childNodes);
  for (var i = 0; i < news.length; i++) {
    var nn = news[i];
    cur = prev ? prev.nextSibling : fromParent.firstChild;
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
      if (match !== cur) fromParent.insertBefore(match, cur);
      ctx.used.add(match);
      prev = match;
      if (match.nodeType === 1) morphElement(match, nn, ctx);
      else if (match.nodeValue !== nn.nodeValue) match.nodeValue = nn.nodeValue;
    } else if (nn.nodeType === 1) {
      prev = build(nn, ctx, fromParent, cur);
    } else {
      prev = fromParent.insertBefore(document.importNode(nn, false), cur);
    }
  }
  // Leftovers go; a removed keyed element can still be claimed by a later
  // parent of this morph (ctx.keyed keeps it), which keeps its state.
  cur = prev ? prev.nextSibling : fromParent.firstChild;
  while (cur) {
    var next = cur.nextSibling;
    if (!ctx.used.has(cur)) fromParent.removeChild(cur);
    cur = next;
  }
}
