//! What changed in one App since its last frame, and the diff that turns it into
//! the frame's `updates` and `ops` (docs/protocol.md).
//!
//! Every mutation of a mounted tag, and every `State` its content or attributes
//! read, marks the tag here; the server's notifier is told (unless a sync callback
//! is running: its reply carries the change, see `hush`). Marking is one Rust call
//! that runs no Python code until the notifier, so it needs no lock: under the GIL
//! no other thread runs meanwhile, and `diff` takes the marks in one step too.
//!
//! `diff` keeps only the topmost changed tags (a tag inside another one re-sent is
//! sent with it), renders each and keeps it only if the client's copy differs;
//! tags whose attributes alone changed get attribute patches.
//!
//! The Python `UpdateEngine` (htag/core/engine.py) subclasses `Changes` and keeps the
//! rest of an App's bookkeeping (event targets, statics, lifecycle hooks).

use std::collections::{HashMap, HashSet};

use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use pyo3::{intern, PyTraverseError};

use crate::render;
use crate::tree::{walk, Node};

/// The attributes of one tag to send again.
#[derive(Default)]
struct DirtyAttrs {
    /// Its reactive attributes (callables, States) may all have changed.
    reactive: bool,
    /// These attributes were set or removed.
    names: Vec<String>,
}

#[pyclass(subclass, module = "htag._core")]
pub struct Changes {
    /// A page was rendered: changes are tracked from then on.
    #[pyo3(get, set)]
    live: bool,
    /// The server's callback (any thread), given the throttle (seconds, or None).
    #[pyo3(get, set)]
    notifier: Option<Py<PyAny>>,
    /// A sync callback runs and its reply follows: the notifier waits (see `hush`).
    #[pyo3(get)]
    quiet: bool,
    quiet_missed: bool,
    /// Tags to render again, in the order they changed, and their addresses.
    content: Vec<Py<Node>>,
    content_keys: HashSet<usize>,
    /// Tags whose attributes changed, and where each is in `attrs`.
    attrs: Vec<(Py<Node>, DirtyAttrs)>,
    attr_keys: HashMap<usize, usize>,
}

/// A tag's address: its identity while the tag is held (marked tags are held).
fn key(node: &Bound<'_, Node>) -> usize {
    node.as_ptr() as usize
}

/// The nearest element: a fragment has none of its own, its parent's is re-sent.
fn element_of<'py>(node: &Bound<'py, Node>) -> Option<Bound<'py, Node>> {
    let py = node.py();
    let mut current = node.clone();
    loop {
        let parent = {
            let b = current.borrow();
            if !b.tag.is_empty() {
                break;
            }
            b.parent.as_ref().map(|p| p.bind(py).clone())
        };
        current = parent?;
    }
    Some(current)
}

/// None when `node` is not mounted under `app`; else whether an ancestor of it
/// is among `marked` (its render includes `node`).
fn covered(node: &Bound<'_, Node>, app: &Bound<'_, Node>, marked: &HashSet<usize>) -> Option<bool> {
    let py = node.py();
    let mut hit = false;
    let mut top = node.clone();
    loop {
        let parent = top.borrow().parent.as_ref().map(|p| p.bind(py).clone());
        match parent {
            Some(p) => {
                hit = hit || marked.contains(&key(&p));
                top = p;
            }
            None => break,
        }
    }
    top.is(app).then_some(hit)
}

/// An `ops` entry: `["attr", tag id, name, value or None]`.
fn patch<'py>(
    attr: &Bound<'py, PyString>,
    hid: &str,
    name: &str,
    value: Option<String>,
) -> PyResult<Bound<'py, PyList>> {
    let py = attr.py();
    PyList::new(
        py,
        [
            attr.clone().into_any(),
            PyString::new(py, hid).into_any(),
            PyString::new(py, name).into_any(),
            value.into_pyobject(py)?.into_any(),
        ],
    )
}

impl Changes {
    fn mark_content(&mut self, element: &Bound<'_, Node>) {
        if self.content_keys.insert(key(element)) {
            self.content.push(element.clone().unbind());
        }
    }

    fn mark_attr(&mut self, tag: &Bound<'_, Node>, name: Option<String>) {
        let at = match self.attr_keys.get(&key(tag)) {
            Some(&at) => at,
            None => {
                self.attr_keys.insert(key(tag), self.attrs.len());
                self.attrs
                    .push((tag.clone().unbind(), DirtyAttrs::default()));
                self.attrs.len() - 1
            }
        };
        let dirty = &mut self.attrs[at].1;
        match name {
            None => dirty.reactive = true,
            Some(n) if !dirty.names.contains(&n) => dirty.names.push(n),
            Some(_) => {}
        }
    }

    /// `content_changed` for Rust callers (a tag told by a `State`).
    pub fn content_changed_of(slf: &Bound<'_, Self>, tag: &Bound<'_, Node>) -> PyResult<()> {
        if !slf.borrow().live {
            return Ok(());
        }
        match element_of(tag) {
            Some(element) => slf.borrow_mut().mark_content(&element),
            None => return Ok(()),
        }
        Self::notify(slf, None)
    }

    /// `attr_changed` for Rust callers.
    pub fn attr_changed_of(
        slf: &Bound<'_, Self>,
        tag: &Bound<'_, Node>,
        name: Option<String>,
    ) -> PyResult<()> {
        if !slf.borrow().live || tag.borrow().tag.is_empty() {
            return Ok(()); // a fragment renders no attributes
        }
        slf.borrow_mut().mark_attr(tag, name);
        Self::notify(slf, None)
    }

    /// Tells the notifier (outside any borrow: it is Python code).
    fn notify(slf: &Bound<'_, Self>, throttle: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let py = slf.py();
        let notifier = {
            let mut me = slf.borrow_mut();
            let Some(notifier) = &me.notifier else {
                return Ok(());
            };
            if me.quiet {
                me.quiet_missed = true;
                return Ok(());
            }
            notifier.clone_ref(py)
        };
        match throttle {
            Some(t) => notifier.call1(py, (t,))?,
            None => notifier.call1(py, (py.None(),))?,
        };
        Ok(())
    }
}

#[pymethods]
impl Changes {
    /// Arguments are the subclass's (`UpdateEngine(app)`).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Changes {
            live: false,
            notifier: None,
            quiet: false,
            quiet_missed: false,
            content: Vec::new(),
            content_keys: HashSet::new(),
            attrs: Vec::new(),
            attr_keys: HashMap::new(),
        }
    }

    /// `tag`'s content changed (its nearest element is rendered again).
    fn content_changed(slf: &Bound<'_, Self>, tag: &Bound<'_, Node>) -> PyResult<()> {
        Self::content_changed_of(slf, tag)
    }

    /// Attribute `name` of `tag` changed; None: its reactive attributes may have.
    fn attr_changed(
        slf: &Bound<'_, Self>,
        tag: &Bound<'_, Node>,
        name: Option<String>,
    ) -> PyResult<()> {
        Self::attr_changed_of(slf, tag, name)
    }

    /// Marks `tag`'s element (content) or `tag`'s reactive attributes without telling
    /// the notifier: for the frame being made.
    fn _mark_changed(&mut self, tag: &Bound<'_, Node>, content: bool) {
        if content {
            if let Some(element) = element_of(tag) {
                self.mark_content(&element);
            }
        } else if !tag.borrow().tag.is_empty() {
            self.mark_attr(tag, None);
        }
    }

    /// Tells the server something changed (`throttle`: seconds to gather changes, 0
    /// sends at once; None: the server's own).
    #[pyo3(signature = (throttle = None))]
    fn schedule(slf: &Bound<'_, Self>, throttle: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        Self::notify(slf, throttle)
    }

    /// A sync callback is about to run and a reply will follow: notifications wait.
    /// Changes from other threads meanwhile are marked, so that reply takes them too.
    fn hush(&mut self) {
        self.quiet = true;
    }

    /// Ends `hush`; what it held back is scheduled unless a reply follows at once
    /// (a callback that returned a coroutine or a generator replies later).
    fn unhush(slf: &Bound<'_, Self>, reply_follows: bool) -> PyResult<()> {
        let missed = {
            let mut me = slf.borrow_mut();
            me.quiet = false;
            std::mem::take(&mut me.quiet_missed)
        };
        if missed && !reply_follows {
            Self::notify(slf, None)?;
        }
        Ok(())
    }

    /// Whether a tag is marked.
    #[getter]
    fn has_changes(&self) -> bool {
        !(self.content.is_empty() && self.attrs.is_empty())
    }

    /// Drops every mark (the whole body is being rendered).
    fn forget_changes(&mut self) {
        self.content.clear();
        self.content_keys.clear();
        self.attrs.clear();
        self.attr_keys.clear();
    }

    /// Takes the marks and puts what the client lacks into `frame`: `updates` (tag id
    /// -> HTML of the topmost changed tags mounted under `app` whose render differs
    /// from the client's copy) and `ops` (attribute patches of the other marked tags).
    fn _diff(
        slf: &Bound<'_, Self>,
        app: &Bound<'_, Node>,
        frame: &Bound<'_, PyDict>,
    ) -> PyResult<()> {
        let py = slf.py();
        let (content, marked, attrs) = {
            let mut me = slf.borrow_mut();
            me.attr_keys.clear();
            (
                std::mem::take(&mut me.content),
                std::mem::take(&mut me.content_keys),
                std::mem::take(&mut me.attrs),
            )
        };
        if !content.is_empty() {
            let updates = PyDict::new(py);
            for tag in &content {
                let tag = tag.bind(py);
                if covered(tag, app, &marked) == Some(false) {
                    if let Some((hid, html)) = render::render_update(tag)? {
                        updates.set_item(hid, html)?;
                    }
                }
            }
            if !updates.is_empty() {
                frame.set_item(intern!(py, "updates"), updates)?;
            }
        }
        if !attrs.is_empty() {
            let ops = PyList::empty(py);
            let attr = intern!(py, "attr");
            for (tag, dirty) in &attrs {
                let tag = tag.bind(py);
                if marked.contains(&key(tag)) || covered(tag, app, &marked) != Some(false) {
                    continue;
                }
                let hid = tag.borrow().hid_string();
                let before = ops.len();
                if dirty.reactive {
                    for (name, value) in render::changed_dynamic_attrs(tag)? {
                        ops.append(patch(attr, &hid, &name, value)?)?;
                    }
                }
                for name in &dirty.names {
                    ops.append(patch(attr, &hid, name, render::render_attr(tag, name)?)?)?;
                }
                if ops.len() > before {
                    walk::forget_sent(py, &mut tag.borrow_mut(), true);
                }
            }
            if !ops.is_empty() {
                frame.set_item(intern!(py, "ops"), ops)?;
            }
        }
        Ok(())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(n) = &self.notifier {
            visit.call(n)?;
        }
        for n in &self.content {
            visit.call(n)?;
        }
        for (n, _) in &self.attrs {
            visit.call(n)?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.notifier = None;
        self.forget_changes();
    }
}
