// Server-to-client WebSocket frames (unmasked, RFC 6455 §5.2) read from a raw byte stream, for
// the tests that speak WebSocket by hand to send what no client library would.

// Takes every whole frame from the front of `buf`: returns { frames: [{ opcode, payload }],
// rest } where `rest` is the incomplete tail to keep for the next chunk.
export function takeServerFrames(buf) {
  const frames = [];
  for (;;) {
    if (buf.length < 2) break;
    const opcode = buf[0] & 0x0f;
    let len = buf[1] & 0x7f;
    let off = 2;
    if (len === 126) {
      if (buf.length < 4) break;
      len = buf.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (buf.length < 10) break;
      len = Number(buf.readBigUInt64BE(2));
      off = 10;
    }
    if (buf.length < off + len) break;
    frames.push({ opcode, payload: buf.subarray(off, off + len) });
    buf = buf.subarray(off + len);
  }
  return { frames, rest: buf };
}
