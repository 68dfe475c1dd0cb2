//! Creating nodes: `Node.__new__`, the Rust constructor of plain tag classes
//! (`_fast_init`, the hot path of building a page), and `with` blocks.

use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};

use super::convert::{simple_value, to_attr};
use crate::context;
use crate::escape::{valid_attr_name, valid_tag_name};
use crate::hooks;
use crate::intern;
use crate::tree::flags::{tag_flags, F_ADD, F_APP, F_BUILDING};
use crate::tree::walk::invalidate;
use crate::tree::{Child, Node};

#[pymethods]
impl Node {
    #[new]
    #[classmethod]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn py_new(
        cls: &Bound<'_, PyType>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        // (tag name or None, class flags), set by GTag.__init_subclass__
        let (tag, flags): (Option<String>, u16) = match cls.getattr("_htag_meta") {
            Ok(meta) => meta.extract()?,
            Err(_) => (None, 0),
        };
        let tag = tag.unwrap_or_default();
        if !tag.is_empty() && !valid_tag_name(&tag) {
            return Err(PyValueError::new_err(format!("invalid tag name {tag:?}")));
        }
        Ok(Node::new(intern::name(&tag), flags | tag_flags(&tag)))
    }

    /// The constructor of plain tag classes (`Tag.div(...)`): children that are
    /// strings or numbers and static `_attr` kwargs are handled here; anything
    /// else goes to the general Python constructor.
    #[pyo3(signature = (*args, **kwargs))]
    fn _fast_init(
        slf: &Bound<'_, Self>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let simple_kwargs = kwargs.is_none_or(|kw| {
            kw.iter().all(|(k, v)| {
                k.cast::<PyString>()
                    .ok()
                    .and_then(|k| k.to_str().ok().map(|k| k.len() > 1 && k.starts_with('_')))
                    .unwrap_or(false)
                    && simple_value(&v)
            })
        });
        if !simple_kwargs || !args.iter().all(|a| simple_value(&a)) {
            hooks::get(py)?
                .slow_init
                .bind(py)
                .call1((slf, args, kwargs))?;
            return Ok(());
        }
        let mut attrs = Vec::new();
        let mut given_id = None;
        if let Some(kw) = kwargs {
            for (k, v) in kw.iter() {
                let name = k.cast::<PyString>()?.to_str()?[1..].replace('_', "-");
                if name == "id" {
                    given_id = Some(Arc::from(v.str()?.to_str()?));
                    continue;
                }
                if !valid_attr_name(&name) {
                    return Err(PyValueError::new_err(format!(
                        "invalid attribute name {name:?}"
                    )));
                }
                if let Some(a) = to_attr(&v)? {
                    attrs.push((intern::name(&name), a));
                }
            }
        }
        let mut children = Vec::with_capacity(args.len());
        let html = hooks::html_type(py)?;
        for a in args.iter() {
            if a.is_none() {
                continue;
            }
            let text: Arc<str> = intern::text(a.str()?.to_str()?);
            children.push(if a.is_instance(html)? {
                Child::Raw(text)
            } else {
                Child::Text(text)
            });
        }
        {
            let mut me = slf.borrow_mut();
            if given_id.is_some() {
                me.given_id = given_id;
            }
            attrs.shrink_to_fit();
            me.attrs = attrs;
            me.children = children;
        }
        let Some(parent) = context::top(py) else {
            return Ok(());
        };
        let parent = parent.bind(py);
        if parent.borrow().flags & F_ADD != 0 {
            // a composite component decides where its content goes
            parent.call_method1("add", (slf,))?;
            return Ok(());
        }
        parent
            .borrow_mut()
            .children
            .push(Child::Node(slf.clone().unbind()));
        slf.borrow_mut().parent = Some(parent.clone().unbind());
        let top = invalidate(py, parent);
        let top_flags = top.bind(py).borrow().flags;
        if top_flags & F_APP != 0 && top_flags & F_BUILDING == 0 {
            hooks::get(py)?.attached.bind(py).call1((parent, slf))?;
        }
        Ok(())
    }

    fn __enter__(slf: &Bound<'_, Self>) -> Py<Node> {
        context::push(Some(slf.clone().unbind()));
        slf.clone().unbind()
    }

    /// Leaves the building context; the static children built in it become leaves.
    #[pyo3(signature = (*_exc))]
    fn __exit__(slf: &Bound<'_, Self>, _exc: &Bound<'_, PyTuple>) {
        context::pop();
        let mut me = slf.borrow_mut();
        me.children.shrink_to_fit();
        me.compact(slf.py());
    }

    fn __copy__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err("tags cannot be copied"))
    }
}
