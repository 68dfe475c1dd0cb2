/* codec.js -- frames to and from the wire. A frame is JSON text; in parano mode
   (data-htag-parano) it is base64(utf8(json) XOR key) in both directions. This
   is obfuscation against casual inspection only: the key is in the page. A
   server that lost the session cannot know the key, so a frame starting with
   "{" is always read as plain JSON (base64 never starts with it). */

var KEY = CFG.parano ? new TextEncoder().encode(CFG.parano) : null;

function xor(bytes) {
  for (var i = 0; i < bytes.length; i++) bytes[i] ^= KEY[i % KEY.length];
  return bytes;
}

function encode(msg) {
  var json = JSON.stringify(msg);
  if (!KEY) return json;
  var bytes = xor(new TextEncoder().encode(json));
  // btoa wants a binary string; chunk to avoid call-stack limits on big frames.
  var bin = '';
  for (var i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

function decode(data) {
  if (data !== null && typeof data === 'object') return data; // already a frame (HTTP payloads)
  // A server that lost our session (restart) cannot know the key: its
  // `reload` comes in clear. JSON starts with "{", never base64.
  if (KEY && data.charAt(0) !== '{') {
    var bin = atob(data);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return JSON.parse(new TextDecoder().decode(xor(bytes)));
  }
  return JSON.parse(data);
}
