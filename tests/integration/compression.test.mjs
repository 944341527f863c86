// permessage-deflate (RFC 7692): negotiated with the official socket.io-client (which offers it
// in Node through `ws`), a large event arrives intact and measurably smaller on the wire (a
// loopback TCP proxy counts the bytes, compression on vs --compression false), a compressed
// decompression bomb is closed with 1009 and the server stays healthy, RSV1 without
// negotiation is 1002, and the v2 client still works with compression on.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import WebSocket from 'ws';
import { once, emitAck, withTimeout } from './lib/wait.mjs';
import { T, DEMO, SECRET, startApp, socketPool, login, subscribeOk, publish, makeEvent } from './lib/app.mjs';
import { startGate } from './lib/recovery.mjs';

const TEST = { timeout: 20000 };
const C = 'customer-north-2';

// A Telecom X event that compresses well, like the real ones: many similar JSON records.
function largeEvent() {
  const records = [];
  for (let i = 0; i < 300; i++)
    records.push({ extension: `${1000 + i}`, state: i % 3 ? 'IDLE' : 'RINGING', customer: C, registered: true });
  return makeEvent('CALL_START', { records });
}

// Bytes the server sent for one large event to a subscribed socket.io-client behind a proxy.
async function wireBytesForEvent(srv, pool) {
  const proxy = await startGate(srv.port); // counts the bytes the server sends
  try {
    const socket = await login(pool, proxy.url, 'demo-viewer');
    await subscribeOk(socket, { type: 'CALL', customer: C });
    const extensions = socket.io.engine.transport.ws.extensions;
    const ev = largeEvent();
    const before = proxy.bytesDown;
    const got = once(socket, 'CALL', T);
    await publish(srv.url, 'CALL', C, ev);
    assert.deepEqual((await got)[0], ev, 'the event arrives intact');
    return { bytes: proxy.bytesDown - before, size: JSON.stringify(ev).length, extensions };
  } finally {
    pool.closeAll();
    await proxy.close();
  }
}

// A raw WebSocket to the Engine.IO endpoint, opened (bounded).
async function rawWs(url, options = {}) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, options);
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => {});
  await withTimeout(new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('close', () => reject(new Error('closed before open')));
  }), T, 'websocket open');
  return { ws, closed };
}

describe('permessage-deflate on (the default)', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--publish-secret', SECRET]);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => pool.closeAll());

  test('socket.io-client v4 negotiates it; a large event is several times smaller on the wire', TEST, async () => {
    const on = await wireBytesForEvent(srv, pool);
    assert.match(on.extensions, /permessage-deflate/);
    const off = await startApp(['--publish-secret', SECRET, '--compression', 'false']);
    try {
      const plain = await wireBytesForEvent(off, pool);
      assert.equal(plain.extensions, '', 'compression off: nothing negotiated');
      assert.ok(plain.bytes >= plain.size, `uncompressed: ${plain.bytes} bytes for ${plain.size}`);
      assert.ok(on.bytes * 4 < plain.bytes, `compressed ${on.bytes} bytes vs ${plain.bytes} uncompressed`);
      console.log(`# one ${plain.size}-byte event: ${on.bytes} bytes on the wire compressed, ${plain.bytes} not`);
    } finally {
      await off.stop();
    }
  });

  test('a small event goes uncompressed (under compression-threshold) and arrives', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-viewer');
    await subscribeOk(socket, { type: 'CALL', customer: C });
    const ev = makeEvent('CALL_END');
    const got = once(socket, 'CALL', T);
    await publish(srv.url, 'CALL', C, ev);
    assert.deepEqual((await got)[0], ev);
  });

  test('compressed client messages are inflated (a large authenticate)', TEST, async () => {
    // ws compresses messages over 1 KiB once negotiated; pad the client name.
    const socket = await login(pool, srv.url, 'demo-viewer');
    const [ack] = await emitAck(socket, T, 'subscribe', { type: 'CALL', customer: C, pad: 'p'.repeat(4000) });
    assert.ok(ack && typeof ack === 'object', `an answer: ${JSON.stringify(ack).slice(0, 200)}`);
  });

  test('a decompression bomb over max-payload is closed with 1009; the server stays healthy', TEST, async () => {
    const { ws, closed } = await rawWs(srv.url, { perMessageDeflate: { threshold: 0 } });
    assert.match(ws.extensions, /permessage-deflate/);
    // 10 MB of one letter deflates to ~10 KB: under max-payload on the wire, far over inflated.
    ws.send('4' + 'a'.repeat(10_000_000), { compress: true });
    assert.equal(await withTimeout(closed, T, 'close after the bomb'), 1009);
    const socket = await login(pool, srv.url, 'demo-viewer');
    await subscribeOk(socket, { type: 'CALL', customer: C });
  });

  test('a compressed message that does not inflate is closed with 1007', TEST, async () => {
    const { sock, response } = await rawUpgrade(srv.port, 'permessage-deflate');
    assert.match(response, /sec-websocket-extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r?$/im);
    // RSV1 + FIN + text, a payload that is not deflate data (0xff: reserved block type).
    sock.write(maskedFrame(0xc1, Buffer.from([0xff, 0xff, 0xff, 0xff])));
    assert.deepEqual(await closeCode(sock), 1007);
  });

  test('RSV1 without negotiation is a protocol error (1002)', TEST, async () => {
    const { sock, response } = await rawUpgrade(srv.port, null);
    assert.doesNotMatch(response, /sec-websocket-extensions/i);
    sock.write(maskedFrame(0xc1, Buffer.from('4x')));
    assert.deepEqual(await closeCode(sock), 1002);
  });

  test('an offer the server cannot honour (server_max_window_bits=10) is declined', TEST, async () => {
    const { sock, response } = await rawUpgrade(srv.port, 'permessage-deflate; server_max_window_bits=10');
    assert.match(response, /^HTTP\/1.1 101/);
    assert.doesNotMatch(response, /sec-websocket-extensions/i);
    sock.destroy();
  });

  test('socket.io-client v2 still works with compression on', TEST, async () => {
    const socket = pool.v2(srv.url, { transports: ['websocket'] });
    await once(socket, 'connect', T, { rejectOn: ['connect_error', 'error'] });
    const [authAck] = await emitAck(socket, T, 'authenticate', { token: 'demo-viewer' });
    assert.deepEqual(authAck, { success: true, ...DEMO['demo-viewer'] });
    const [subAck] = await emitAck(socket, T, 'subscribe', { type: 'CALL', customer: C });
    assert.equal(subAck.success, true);
    const ev = largeEvent();
    const got = once(socket, 'CALL', T);
    await publish(srv.url, 'CALL', C, ev);
    assert.deepEqual((await got)[0], ev);
  });
});

// The upgrade by hand on a TCP socket: resolves the socket and the response head.
async function rawUpgrade(port, extensions) {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  const key = crypto.randomBytes(16).toString('base64');
  const lines = [
    'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (extensions) lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
  sock.write(lines.join('\r\n') + '\r\n\r\n');
  let buf = Buffer.alloc(0);
  const response = await withTimeout(new Promise((resolve) => {
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        sock.off('data', onData);
        sock.rest = buf.subarray(end + 4);
        resolve(buf.subarray(0, end).toString());
      }
    };
    sock.on('data', onData);
  }), T, 'upgrade response');
  return { sock, response };
}

function maskedFrame(b0, payload) {
  const mask = crypto.randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
  return Buffer.concat([Buffer.from([b0, 0x80 | body.length]), mask, body]);
}

// Reads server frames until a close frame; resolves its code.
function closeCode(sock) {
  let buf = sock.rest ?? Buffer.alloc(0);
  return withTimeout(new Promise((resolve, reject) => {
    const scan = () => {
      while (buf.length >= 2) {
        const len7 = buf[1] & 0x7f;
        const hdr = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
        if (buf.length < hdr) return;
        const len = len7 === 126 ? buf.readUInt16BE(2) : len7 === 127 ? Number(buf.readBigUInt64BE(2)) : len7;
        if (buf.length < hdr + len) return;
        if ((buf[0] & 0x0f) === 0x8) {
          sock.destroy();
          return resolve(len >= 2 ? buf.readUInt16BE(hdr) : 1005);
        }
        buf = buf.subarray(hdr + len);
      }
    };
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      scan();
    });
    sock.on('close', () => reject(new Error('closed without a close frame')));
    scan();
  }), T, 'close frame');
}
