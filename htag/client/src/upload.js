/* upload.js -- files to the server, and downloads from it. A file input's
   bound event (or a `drop` with files on an element whose ondrop is bound)
   first announces the files ({action: 'upload'}, which carries the event and
   its callback id); the server then asks for each chunk in turn
   (`upload_ack`: file, offset, size), so that only one chunk is ever in
   flight (backpressure on any transport). A chunk is base64 in JSON
   ({action: 'chunk'}), read from the File with a FileReader. Once the last
   one is in, the server runs the callback with `e.files`; its reply settles
   the event's Promise. The element gets DOM events `htag:progress` ({loaded,
   total}) after each acknowledged chunk and `htag:upload-error` ({message})
   when the server refuses. See docs/protocol.md#files. */

var uploads = new Map(); // upload id -> {el, files, total}

function isUploadMessage(m) {
  return m.action === 'upload' || m.action === 'chunk' || m.action === 'upload_abort';
}

// The files an event brings: a file input's, or those dropped; null if none of these.
function filesOf(el, ev) {
  if (ev && ev.type === 'drop' && ev.dataTransfer) return ev.dataTransfer.files;
  if (el && el.tagName === 'INPUT' && el.type === 'file') return el.files;
  return null;
}

function startUpload(el, id, name, files, data) {
  var uid = randomId();
  var list = Array.prototype.slice.call(files);
  var total = list.reduce(function (sum, f) { return sum + f.size; }, 0);
  uploads.set(uid, { el: el, files: list, total: total });
  var announced = list.map(function (f) { return { name: f.name, type: f.type || '', size: f.size }; });
  return sendEvent(id, name, data, { action: 'upload', upload: uid, files: announced });
}

function uploadSignal(el, name, detail) {
  try { el.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true })); } catch (e) { /* ignore */ }
}

// The server wants a chunk (or says it has everything).
function onUploadAck(frame) {
  var uid = frame.upload, u = uploads.get(uid);
  if (!u) return;
  if (frame.done) {
    uploads.delete(uid);
    uploadSignal(u.el, 'htag:progress', { loaded: u.total, total: u.total });
    return;
  }
  var file = u.files[frame.file];
  if (!file) { uploads.delete(uid); send({ action: 'upload_abort', upload: uid }); return; }
  var loaded = frame.offset;
  for (var i = 0; i < frame.file; i++) loaded += u.files[i].size;
  uploadSignal(u.el, 'htag:progress', { loaded: loaded, total: u.total });
  var reader = new FileReader();
  reader.onload = function () {
    if (!uploads.has(uid) || !state.connected) return; // dropped meanwhile: the server forgets it too
    var text = String(reader.result);
    send({ action: 'chunk', upload: uid, file: frame.file, offset: frame.offset, data: text.slice(text.indexOf(',') + 1) });
  };
  reader.onerror = function () {
    console.error('htag: could not read ' + file.name + ': ' + reader.error);
    uploads.delete(uid);
    send({ action: 'upload_abort', upload: uid });
  };
  reader.readAsDataURL(file.slice(frame.offset, frame.offset + frame.size));
}

function onUploadError(frame) {
  var u = uploads.get(frame.upload);
  uploads.delete(frame.upload);
  console.warn('htag: ' + frame.message);
  if (u) uploadSignal(u.el, 'htag:upload-error', { message: frame.message });
  if (frame.callback_id) settle(frame.callback_id, undefined, true);
}

// A drop target must accept the drag (dragover's default refuses it).
document.addEventListener('dragover', function (ev) {
  var t = ev.target;
  var el = t && t.nodeType === 1 ? t.closest('[ondrop]') : null;
  if (el && /htag_on\s*\(/.test(el.getAttribute('ondrop'))) {
    ev.preventDefault();
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = 'copy';
  }
});

// Tag.download(): the server's one-time URL, saved by the browser without leaving the page.
function download(url) {
  var a = document.createElement('a');
  a.href = endpoint(url);
  a.download = '';
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
