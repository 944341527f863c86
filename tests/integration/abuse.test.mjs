// Hostile and broken clients (SPEC §9), on raw node:net sockets: slowloris headers, silent and
// vanishing connections, thousands of connections that never send a request, oversized headers
// and bodies, invalid WebSocket frames after a valid upgrade (RFC 6455 §7.1.7: each one fails the
// connection with exactly one close frame carrying 1002 / 1007 / 1009, then the TCP close; a bare
// TCP close without that frame fails the test), garbage on a valid WebSocket, two polling GETs at once for one sid, and unknown sids. After each one a
// healthy socket.io client on the same server still gets a published event and an ack.
// Every wait is bounded; every server is stopped by its PID. docs/hardening.md lists the
// outcomes.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { withTimeout, emitAck } from './lib/wait.mjs';
import { request, scrapeSamples } from './lib/http.mjs';
import { takeServerFrames } from './lib/ws_frames.mjs';
import { startServer } from './lib/server.mjs';
import { T, TXRT_BIN, socketPool, login, subscribeOk, Recorder, pollUntil, publishHttp } from './lib/app.mjs';

const SECRET = 's3cret';
const HEADER_TIMEOUT_MS = 500;
const MAX_PAYLOAD = 4096;
const CLOSE_WITHIN_MS = 2000; // "promptly": a bad frame or a late header loses the connection within this
const TEST = { timeout: 60000 };

// --- /metrics ----------------------------------------------------------------------------------------

const scrape = (url) => scrapeSamples(url);
const closed = (m, reason) => m.get(`txrt_connections_closed_total{reason="${reason}"}`) ?? 0;
const refused = (m, reason) => m.get(`txrt_http_refused_total{reason="${reason}"}`) ?? 0;
const closedSum = (m) => [...m].filter(([k]) => k.startsWith('txrt_connections_closed_total{')).reduce((a, [, v]) => a + v, 0);
const wsConnections = (m) => [...m].filter(([k]) => k.startsWith('txrt_connections{') && k.includes('transport="websocket"')).reduce((a, [, v]) => a + v, 0);
// The close reasons whose counter grew between two scrapes, e.g. { transport_error: 1 }.
function grown(before, after) {
  const out = {};
  for (const [k, v] of after) {
    const m = /^txrt_connections_closed_total\{reason="([a-z_]+)"\}$/.exec(k);
    if (m && v > (before.get(k) ?? 0)) out[m[1]] = v - (before.get(k) ?? 0);
  }
  return out;
}

function rssKb(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function openFds(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

// --- a raw TCP connection that records what it gets and when it ends ----------------------------------

class RawConn {
  constructor(port) {
    this.data = Buffer.alloc(0);
    this.endedAt = null;
    this.error = null;
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.on('data', (chunk) => {
      this.data = Buffer.concat([this.data, chunk]);
    });
    this.socket.on('error', (err) => (this.error = err));
    this.closed = new Promise((resolve) => this.socket.on('close', () => {
      this.endedAt = Date.now();
      resolve(this.endedAt);
    }));
    this.connected = withTimeout(new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    }), T, 'TCP connect');
  }

  write(bytes) {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  text() {
    return this.data.toString('latin1');
  }

  // Resolves with the time of the close; rejects after ms.
  waitClosed(ms, what = 'the server to close the connection') {
    return withTimeout(this.closed, ms, what);
  }

  destroy() {
    this.socket.destroy();
  }
}

// One raw HTTP exchange: writes `bytes`, resolves with { status, head, text } once the server
// closes the connection (bounded).
async function rawExchange(port, bytes, ms = 5000) {
  const c = new RawConn(port);
  await c.connected;
  c.write(bytes);
  await c.waitClosed(ms, 'the server to answer and close');
  const text = c.text();
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return { status: m ? Number(m[1]) : null, text };
}

// --- a raw WebSocket client -----------------------------------------------------------------------------

// One client frame. By default FIN, masked, minimal length encoding.
function frame(opcode, payload, { fin = true, rsv = 0, mask = true } = {}) {
  const data = Buffer.from(payload);
  const len = data.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  const maskBit = mask ? 0x80 : 0;
  if (len < 126) head[1] = maskBit | len;
  else if (len < 65536) {
    head[1] = maskBit | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!mask) return Buffer.concat([head, data]);
  const key = crypto.randomBytes(4);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = data[i] ^ key[i & 3];
  return Buffer.concat([head, key, body]);
}

class RawWs {
  // echoClose: answer a close frame with a close frame, as RFC 6455 §5.5.1 asks of a client
  // (a failing client below does not: the server must not wait for it).
  constructor(port, { echoClose = false } = {}) {
    this.port = port;
    this.echoClose = echoClose;
    this.conn = new RawConn(port);
    this.buf = Buffer.alloc(0);
    this.head = null;
    this.texts = [];
    this.closeFrames = []; // { code, at }
    this.waiters = [];
    this.conn.socket.on('data', (chunk) => this.onData(chunk));
    this.conn.closed.then(() => this.wake());
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  until(pred, ms, what) {
    return withTimeout(new Promise((resolve, reject) => {
      const check = () => {
        if (pred()) return resolve();
        if (this.conn.endedAt) return reject(new Error(`connection closed while waiting for ${what}`));
        this.waiters.push(check);
      };
      check();
    }), ms, what);
  }

  async open(path = '/socket.io/?EIO=4&transport=websocket') {
    await this.conn.connected;
    const key = crypto.randomBytes(16).toString('base64');
    this.conn.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await this.until(() => this.head !== null, T, 'the 101 response');
    assert.match(this.head, /^HTTP\/1\.1 101 /);
    // Engine.IO v4 over WebSocket: the open packet comes first.
    await this.until(() => this.texts.length > 0, T, 'the open packet');
    assert.match(this.texts.shift(), /^0\{"sid":/);
  }

  onData(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.head === null) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.head = this.buf.subarray(0, end).toString('latin1');
      this.buf = this.buf.subarray(end + 4);
    }
    const { frames, rest } = takeServerFrames(this.buf);
    this.buf = rest;
    for (const { opcode, payload } of frames) {
      if (opcode === 0x1) this.texts.push(payload.toString());
      else if (opcode === 0x8) {
        this.closeFrames.push({ code: payload.length >= 2 ? payload.readUInt16BE(0) : null, at: Date.now() });
        if (this.echoClose) this.send(frame(0x8, payload.subarray(0, 2)));
      }
    }
    this.wake();
  }

  send(bytes) {
    this.conn.write(bytes);
  }

  // The server fails the connection (RFC 6455 §7.1.7): it sends exactly one close frame carrying
  // `code`, and within CLOSE_WITHIN_MS of `since` the TCP connection is closed. The frame must
  // have arrived before the close: a bare TCP close fails, since it tells the client nothing.
  // (The server half-closes after its close frame and closes once the peer does, so the frame
  // always precedes the close; a case that cannot send a frame must assert that on its own.)
  // Resolves with the times, in ms after `since`, of the close frame and of the TCP close.
  async failedWith(code, since) {
    const at = await this.conn.waitClosed(CLOSE_WITHIN_MS, `the server to fail the WebSocket (expected ${code})`);
    const codes = this.closeFrames.map((f) => f.code);
    assert.deepEqual(codes, [code], `exactly one close frame carrying ${code} before the TCP close (got ${codes.length ? codes.join(', ') : 'a bare TCP close'})`);
    return { ms: at - since, closeFrameMs: this.closeFrames[0].at - since };
  }
}

// --- polling --------------------------------------------------------------------------------------------

const POLL = '/socket.io/?EIO=4&transport=polling';

async function pollingHandshake(url) {
  const res = await request(`${url}${POLL}`);
  assert.equal(res.status, 200);
  const body = res.body.toString();
  assert.match(body, /^0\{/);
  return JSON.parse(body.slice(1)).sid;
}

function engineError(res) {
  return { status: res.status, body: JSON.parse(res.body.toString()) };
}

// --- a healthy client -----------------------------------------------------------------------------------

// A socket.io v4 client authenticated as ADMIN and subscribed to everything; check() proves it
// still gets a published event and an ack.
async function healthyClient(pool, url) {
  const socket = await login(pool, url, 'demo-admin');
  await subscribeOk(socket, { type: 'ADMIN' });
  const rec = new Recorder(socket, ['PBX']);
  let n = 0;
  return {
    socket,
    async check(what = '') {
      assert.ok(socket.connected, `healthy client still connected ${what}`);
      n += 1;
      const id = `healthy-${process.pid}-${n}`;
      const res = await publishHttp(url, { type: 'PBX', customer: 'customer-north-2', event: { event: 'CALL_START', id } });
      assert.equal(res.status, 202, `POST /events ${what}`);
      await rec.waitFor((e) => e.payload?.id === id, T, `the healthy client's event ${id} ${what}`);
      const [ack] = await emitAck(socket, T, 'subscribe', { type: 'ADMIN:CALL' });
      assert.equal(ack.success, true, `the healthy client's ack ${what}`);
    },
  };
}

// ==========================================================================================================

describe('abuse: HTTP, WebSocket framing, polling and sids', () => {
  let srv;
  let healthy;
  const pool = socketPool();
  const raws = [];
  const raw = (c) => (raws.push(c), c);

  before(async () => {
    srv = await startServer(TXRT_BIN, [
      '--publish-secret', SECRET, '--header-timeout-ms', String(HEADER_TIMEOUT_MS),
      '--max-payload', String(MAX_PAYLOAD), '--ping-interval-ms', '25000', '--ping-timeout-ms', '20000',
    ]);
    healthy = await healthyClient(pool, srv.url);
  });
  after(async () => {
    for (const c of raws.splice(0)) (c.conn ?? c).destroy();
    pool.closeAll();
    const r = await srv?.stop();
    // The server survived everything and shuts down cleanly.
    if (r) assert.equal(r.signal ?? r.code, 0, `server exit: ${JSON.stringify(r)}\n${srv.output().slice(-2000)}`);
  });
  afterEach(() => {
    for (const c of raws.splice(0)) (c.conn ?? c).destroy();
  });

  // --- slow and silent clients ---

  test('slowloris: headers trickled one line every 100 ms are cut at header-timeout-ms', TEST, async (t) => {
    const before = await scrape(srv.url);
    const started = Date.now();  // before the connect: the server's timer starts at its accept
    const c = raw(new RawConn(srv.port));
    await c.connected;
    c.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => c.write(`X-Slow-${Date.now()}: y\r\n`), 100);
    try {
      // Meanwhile the server answers others at once.
      const res = await request(`${srv.url}/health`, {}, 1000);
      assert.equal(res.status, 200);
      const at = await c.waitClosed(HEADER_TIMEOUT_MS + CLOSE_WITHIN_MS, 'the slowloris connection to be closed');
      t.diagnostic(`closed after ${at - started} ms; answer: ${JSON.stringify(c.text().slice(0, 40))}`);
      assert.ok(at - started >= HEADER_TIMEOUT_MS - 50, `closed after ${at - started} ms, before the header timeout`);
      assert.ok(!/^HTTP\/1\.1 200/.test(c.text()), 'no 200 for a request whose headers never ended');
      assert.ok(refused(await scrape(srv.url), 'timeout') >= refused(before, 'timeout') + 1, 'counted as a timeout');
    } finally {
      clearInterval(trickle);
    }
    await healthy.check('after slowloris');
  });

  test('a connection that never sends a byte is closed at header-timeout-ms', TEST, async (t) => {
    // Timed from before the connect: the server's timer starts at its accept, which comes after
    // this, while our 'connect' event may be seen late on a busy machine.
    const started = Date.now();
    const c = raw(new RawConn(srv.port));
    await c.connected;
    const at = await c.waitClosed(HEADER_TIMEOUT_MS + CLOSE_WITHIN_MS, 'the silent connection to be closed');
    t.diagnostic(`closed after ${at - started} ms`);
    assert.ok(at - started >= HEADER_TIMEOUT_MS - 50);
    assert.equal(c.data.length, 0, 'nothing is sent to a connection that sent no request');
    await healthy.check('after a silent connection');
  });

  test('a keep-alive connection left idle after a request is closed at header-timeout-ms', TEST, async () => {
    const c = raw(new RawConn(srv.port));
    await c.connected;
    const asked = Date.now();
    c.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    const at = await c.waitClosed(HEADER_TIMEOUT_MS + CLOSE_WITHIN_MS, 'the idle keep-alive connection to be closed');
    assert.match(c.text(), /^HTTP\/1\.1 200/, 'the request was answered');
    assert.ok(at - asked >= HEADER_TIMEOUT_MS - 50, `closed ${at - asked} ms after the request`);
  });

  test('a body that stops arriving (Content-Length 1000, 10 bytes sent) loses the connection', TEST, async (t) => {
    for (const path of ['/events', `${POLL}&sid=${await pollingHandshake(srv.url)}`]) {
      const c = raw(new RawConn(srv.port));
      await c.connected;
      const started = Date.now();
      c.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRET}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n0123456789`);
      const at = await c.waitClosed(HEADER_TIMEOUT_MS + CLOSE_WITHIN_MS, `the stalled body on ${path} to lose its connection`);
      t.diagnostic(`${path.slice(0, 20)}: closed after ${at - started} ms; answer: ${JSON.stringify(c.text().slice(0, 30))}`);
      assert.ok(!/^HTTP\/1\.1 2/.test(c.text()), 'no success for a body that never arrived');
    }
    await healthy.check('after stalled bodies');
  });

  test('half-open: clients that vanish mid-request or with a GET pending (RST) are let go', TEST, async () => {
    const before = await scrape(srv.url);
    // Partial headers, then a reset.
    const c = raw(new RawConn(srv.port));
    await c.connected;
    c.write('GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 50));
    c.socket.resetAndDestroy();
    // A held polling GET, then a reset: the session ends (transport_close).
    const sid = await pollingHandshake(srv.url);
    const g = raw(new RawConn(srv.port));
    await g.connected;
    g.write(`GET ${POLL}&sid=${sid} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(g.data.length, 0, 'the GET is held (nothing queued)');
    g.socket.resetAndDestroy();
    await pollUntil(async () => closed(await scrape(srv.url), 'transport_close') > closed(before, 'transport_close'), T,
      'txrt_connections_closed_total{reason="transport_close"} to grow');
    const res = await request(`${srv.url}${POLL}&sid=${sid}`);
    assert.deepEqual(engineError(res), { status: 400, body: { code: 1, message: 'Session ID unknown' } });
    await healthy.check('after vanished clients');
  });

  // --- oversized input ---

  test('oversized headers (20 KiB) are refused with 431 and the connection closed', TEST, async (t) => {
    const before = await scrape(srv.url);
    const big = 'a'.repeat(20 * 1024);
    for (const path of ['/health', POLL]) {
      const started = Date.now();
      const r = await rawExchange(srv.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`, CLOSE_WITHIN_MS + 1000);
      t.diagnostic(`${path}: ${r.status} after ${Date.now() - started} ms`);
      assert.equal(r.status, 431, `oversized headers on ${path}: ${JSON.stringify(r.text.slice(0, 60))}`);
    }
    // Many small headers add up the same way.
    const many = Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const r = await rawExchange(srv.port, `GET /health HTTP/1.1\r\nHost: x\r\n${many}\r\n`, CLOSE_WITHIN_MS + 1000);
    assert.equal(r.status, 431);
    assert.equal(refused(await scrape(srv.url), 'header_too_large'), refused(before, 'header_too_large') + 3);
    await healthy.check('after oversized headers');
  });

  test('a request that is not HTTP (garbage, a TLS ClientHello) gets 400 and the connection closed', TEST, async () => {
    const before = await scrape(srv.url);
    const hello = Buffer.from('160301020001000200030300', 'hex'); // the start of a TLS ClientHello
    for (const bytes of ['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n', hello]) {
      const r = await rawExchange(srv.port, bytes, CLOSE_WITHIN_MS + 1000);
      assert.equal(r.status, 400, `${JSON.stringify(bytes.toString())}: ${JSON.stringify(r.text.slice(0, 60))}`);
    }
    assert.equal(refused(await scrape(srv.url), 'bad_request'), refused(before, 'bad_request') + 4);
    await healthy.check('after non-HTTP requests');
  });

  test('WebSocket upgrades that break RFC 6455 are refused (426 / 400), counted, and make no session', TEST, async () => {
    const before = await scrape(srv.url);
    const upgrade = ({ method = 'GET', version = '13', key = crypto.randomBytes(16).toString('base64') } = {}) =>
      `${method} /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n` +
      'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
      (key === null ? '' : `Sec-WebSocket-Key: ${key}\r\n`) + `Sec-WebSocket-Version: ${version}\r\n\r\n`;
    const version8 = await rawExchange(srv.port, upgrade({ version: '8' }), CLOSE_WITHIN_MS + 1000);
    assert.equal(version8.status, 426, version8.text.slice(0, 120));
    assert.match(version8.text, /\r\nSec-WebSocket-Version: 13\r\n/i);
    const refusedUpgrades = [
      ['no key', upgrade({ key: null })],
      ['a key of 3 characters', upgrade({ key: 'abc' })],
      ['24 characters that are not base64 of 16 bytes', upgrade({ key: 'A'.repeat(24) })],
    ];
    for (const [name, bytes] of refusedUpgrades) {
      const r = await rawExchange(srv.port, bytes, CLOSE_WITHIN_MS + 1000);
      assert.equal(r.status, 400, `${name}: ${JSON.stringify(r.text.slice(0, 120))}`);
      assert.doesNotMatch(r.text, /^HTTP\/1\.1 101/, `${name}: no 101`);
    }
    // A POST with the upgrade headers is no upgrade (RFC 6455 asks for GET): Engine.IO refuses it
    // as a handshake that is not a GET.
    const post = await rawExchange(srv.port, upgrade({ method: 'POST' }) , CLOSE_WITHIN_MS + 1000).catch((e) => ({ status: null, text: String(e) }));
    assert.equal(post.status, 400, `POST: ${JSON.stringify(post.text.slice(0, 160))}`);
    const after = await scrape(srv.url);
    assert.equal(refused(after, 'bad_upgrade'), refused(before, 'bad_upgrade') + 4);
    assert.equal(after.get('txrt_connections_opened_total'), before.get('txrt_connections_opened_total'), 'no session opened');
    await healthy.check('after refused upgrades');
  });

  test('an oversized polling POST is answered 413 and closes its session (payload_too_large)', TEST, async () => {
    const before = await scrape(srv.url);
    // With Content-Length: answered from the headers alone.
    const sid = await pollingHandshake(srv.url);
    let res = await request(`${srv.url}${POLL}&sid=${sid}`, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: '4' + 'x'.repeat(MAX_PAYLOAD + 10) });
    assert.equal(res.status, 413);
    assert.deepEqual(JSON.parse(res.body.toString()), { code: 3, message: 'Payload too large' });
    res = await request(`${srv.url}${POLL}&sid=${sid}`);
    assert.equal(engineError(res).body.code, 1, 'the session is gone');
    // A declared length of a terabyte, no body: answered at once, nothing read.
    const sid2 = await pollingHandshake(srv.url);
    const r = await rawExchange(srv.port, `POST ${POLL}&sid=${sid2} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n`);
    assert.equal(r.status, 413);
    const after = await scrape(srv.url);
    assert.equal(closed(after, 'payload_too_large'), closed(before, 'payload_too_large') + 2);
    // Chunked, growing past the limit: refused by the HTTP layer.
    const sid3 = await pollingHandshake(srv.url);
    const chunk = 'x'.repeat(1000);
    const chunks = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
    const c = await rawExchange(srv.port, `POST ${POLL}&sid=${sid3} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`);
    assert.equal(c.status, 413, `chunked oversized polling body: ${c.text.slice(0, 60)}`);
    assert.match(c.text, /\{"code":3,"message":"Payload too large"\}/);
    assert.equal(closed(await scrape(srv.url), 'payload_too_large'), closed(before, 'payload_too_large') + 3, 'the chunked one closes its session too');
    assert.equal(engineError(await request(`${srv.url}${POLL}&sid=${sid3}`)).body.code, 1);
    await healthy.check('after oversized polling bodies');
  });

  test('an oversized POST /events is answered 413 (Content-Length and chunked)', TEST, async () => {
    const before = await scrape(srv.url);
    const pad = 'x'.repeat(MAX_PAYLOAD + 10);
    const res = await publishHttp(srv.url, { type: 'PBX', customer: 'customer-north-2', event: { pad } }, { secret: SECRET });
    assert.equal(res.status, 413);
    const body = JSON.stringify({ type: 'PBX', customer: 'customer-north-2', event: { pad } });
    const chunks = [];
    for (let i = 0; i < body.length; i += 1000) {
      const part = body.slice(i, i + 1000);
      chunks.push(`${part.length.toString(16)}\r\n${part}\r\n`);
    }
    const r = await rawExchange(srv.port, `POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SECRET}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunks.join('')}0\r\n\r\n`);
    assert.equal(r.status, 413);
    assert.equal(refused(await scrape(srv.url), 'body_too_large'), refused(before, 'body_too_large') + 2);
    await healthy.check('after oversized /events bodies');
  });

  // --- WebSocket framing (RFC 6455 §5, §7.1.7: fail the connection) ---

  const BAD_FRAMES = [
    { name: 'an unmasked client frame', code: 1002, bytes: () => frame(0x1, '4hello', { mask: false }) },
    { name: 'RSV1 set (no extension negotiated)', code: 1002, bytes: () => frame(0x1, '4hello', { rsv: 4 }) },
    { name: 'RSV2 and RSV3 set', code: 1002, bytes: () => frame(0x2, 'abc', { rsv: 3 }) },
    { name: 'reserved data opcode 0x3', code: 1002, bytes: () => frame(0x3, 'abc') },
    { name: 'reserved control opcode 0xB', code: 1002, bytes: () => frame(0xb, '') },
    { name: 'a ping with 126 bytes (control frame > 125)', code: 1002, bytes: () => frame(0x9, 'p'.repeat(126)) },
    { name: 'a fragmented ping (FIN clear)', code: 1002, bytes: () => frame(0x9, 'p', { fin: false }) },
    { name: 'a continuation frame with no message open', code: 1002, bytes: () => frame(0x0, 'abc') },
    { name: 'a new text frame inside a fragmented message', code: 1002, bytes: () => Buffer.concat([frame(0x1, '4he', { fin: false }), frame(0x1, 'llo')]) },
    { name: 'a close frame with a 1-byte payload', code: 1002, bytes: () => frame(0x8, Buffer.from([0x03])) },
    { name: 'a close frame with code 1005 (never sent on the wire)', code: 1002, bytes: () => frame(0x8, Buffer.from([0x03, 0xed])) },
    { name: 'invalid UTF-8 in a text frame', code: 1007, bytes: () => frame(0x1, Buffer.from([0x34, 0xff, 0xfe])) },
    { name: 'a UTF-16 surrogate (CESU-8) in a text frame', code: 1007, bytes: () => frame(0x1, Buffer.from([0x34, 0xed, 0xa0, 0x80])) },
    { name: 'invalid UTF-8 split across fragments', code: 1007, bytes: () => Buffer.concat([frame(0x1, Buffer.from([0x34, 0xe2, 0x82]), { fin: false }), frame(0x0, Buffer.from([0x28]))]) },
    { name: 'a text message over max-payload', code: 1009, bytes: () => frame(0x1, '4' + 'x'.repeat(MAX_PAYLOAD + 10)) },
    { name: 'a fragmented message over max-payload', code: 1009, bytes: () => Buffer.concat([frame(0x2, Buffer.alloc(3000), { fin: false }), frame(0x0, Buffer.alloc(3000))]) },
  ];

  for (const bad of BAD_FRAMES) {
    test(`WebSocket: ${bad.name} fails the connection with a ${bad.code} close frame`, TEST, async (t) => {
      const before = await scrape(srv.url);
      const ws = raw(new RawWs(srv.port));
      await ws.open();
      const since = Date.now();
      ws.send(bad.bytes());
      const seen = await ws.failedWith(bad.code, since);
      t.diagnostic(`close frame ${bad.code} after ${seen.closeFrameMs} ms; TCP closed after ${seen.ms} ms`);
      // The session is counted as closed, and the WebSocket gauge is back where it was.
      let after;
      await pollUntil(async () => {
        after = await scrape(srv.url);
        return closedSum(after) === closedSum(before) + 1 && wsConnections(after) === wsConnections(before);
      }, T, 'the session counted as closed and txrt_connections{transport="websocket"} back');
      const reasons = grown(before, after);
      t.diagnostic(`close reason: ${JSON.stringify(reasons)}`);
      // The transport refused the frame itself (not a lost connection, so not transport_error).
      assert.deepEqual(reasons, bad.code === 1009 ? { payload_too_large: 1 } : { parse_error: 1 });
      await healthy.check(`after ${bad.name}`);
    });
  }

  test('WebSocket: Engine.IO / Socket.IO garbage in valid frames closes that session (parse_error)', TEST, async (t) => {
    const cases = [
      ['binary garbage (no attachment announced)', frame(0x2, crypto.randomBytes(64))],
      ['an unknown Engine.IO packet type', frame(0x1, '9hello')],
      ['a Socket.IO packet that is not JSON', frame(0x1, '42["authenticate",{token:')],
      ['an empty text frame', frame(0x1, '')],
    ];
    for (const [name, bytes] of cases) {
      const before = await scrape(srv.url);
      const ws = raw(new RawWs(srv.port, { echoClose: true }));
      await ws.open();
      ws.send(frame(0x1, '40')); // join the namespace first
      await ws.until(() => ws.texts.some((s) => s.startsWith('40')), T, 'the namespace connect');
      const since = Date.now();
      ws.send(bytes);
      const at = await ws.conn.waitClosed(CLOSE_WITHIN_MS, `the server to close the session after ${name}`);
      const after = await scrape(srv.url);
      t.diagnostic(`${name}: closed in ${at - since} ms, close frame ${ws.closeFrames[0]?.code ?? 'none'}, texts ${JSON.stringify(ws.texts)}`);
      assert.deepEqual(grown(before, after), { parse_error: 1 }, name);
    }
    await healthy.check('after garbage frames');
  });

  // --- polling and sids ---

  test('two polling GETs at once for one sid: 400 for the second, close for the first (polling_overlap)', TEST, async () => {
    const before = await scrape(srv.url);
    const sid = await pollingHandshake(srv.url);
    const first = request(`${srv.url}${POLL}&sid=${sid}`, {}, T);
    await new Promise((r) => setTimeout(r, 100)); // the first one is held
    const second = await request(`${srv.url}${POLL}&sid=${sid}`, {}, T);
    assert.deepEqual(engineError(second), { status: 400, body: { code: 3, message: 'Bad request' } });
    const held = await first;
    assert.equal(held.status, 200);
    assert.equal(held.body.toString(), '1', 'the held GET gets a close packet');
    const after = await scrape(srv.url);
    assert.equal(closed(after, 'polling_overlap'), closed(before, 'polling_overlap') + 1);
    const again = await request(`${srv.url}${POLL}&sid=${sid}`);
    assert.equal(engineError(again).body.code, 1);
    await healthy.check('after overlapping GETs');
  });

  test('many concurrent GETs for one sid: exactly one session close, every request answered', TEST, async () => {
    const before = await scrape(srv.url);
    const sid = await pollingHandshake(srv.url);
    const all = await Promise.all(Array.from({ length: 20 }, () => request(`${srv.url}${POLL}&sid=${sid}`, {}, T)));
    const statuses = all.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 200 || s === 400), `statuses ${statuses}`);
    assert.ok(statuses.filter((s) => s === 400).length >= 18, `statuses ${statuses}`);
    const after = await scrape(srv.url);
    assert.equal(closed(after, 'polling_overlap'), closed(before, 'polling_overlap') + 1);
  });

  test('unknown sids get the Engine.IO error answer (400, code 1) on every path', TEST, async () => {
    const before = await scrape(srv.url);
    const unknown = { status: 400, body: { code: 1, message: 'Session ID unknown' } };
    // A sid this node could have issued (loop prefix "00") and plain garbage.
    for (const sid of ['00AAAAAAAAAAAAAAAAAAAA', 'nope', '%00%ff', 'x'.repeat(5000)]) {
      const q = `sid=${encodeURIComponent(sid)}`;
      assert.deepEqual(engineError(await request(`${srv.url}${POLL}&${q}`)), unknown, `GET sid=${sid.slice(0, 20)}`);
      assert.deepEqual(engineError(await request(`${srv.url}${POLL}&${q}`, { method: 'POST', body: '40' })), unknown, `POST sid=${sid.slice(0, 20)}`);
      assert.deepEqual(engineError(await request(`${srv.url}/socket.io/?EIO=3&transport=polling&${q}`)), unknown, `EIO=3 sid=${sid.slice(0, 20)}`);
      // A WebSocket upgrade for it is refused the same way, before the 101.
      const key = crypto.randomBytes(16).toString('base64');
      const r = await rawExchange(srv.port,
        `GET /socket.io/?EIO=4&transport=websocket&${q} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      assert.equal(r.status, 400, `upgrade sid=${sid.slice(0, 20)}: ${r.text.slice(0, 60)}`);
      assert.match(r.text, /"code":1/);
    }
    // A sid whose session has ended.
    const sid = await pollingHandshake(srv.url);
    await request(`${srv.url}${POLL}&sid=${sid}`, { method: 'POST', body: '1' });
    assert.deepEqual(engineError(await request(`${srv.url}${POLL}&sid=${sid}`)), unknown, 'a closed session');
    // 4 sids × (GET, POST, v3 GET, upgrade) + the closed session.
    assert.equal(refused(await scrape(srv.url), 'unknown_sid'), refused(before, 'unknown_sid') + 17);
    await healthy.check('after unknown sids');
  });
});

// ==========================================================================================================

describe('abuse: floods from clients that never read', () => {
  // Small, so that the queue of tiny answers stays far below the RSS bound checked here (each
  // queued packet costs ~50 bytes of bookkeeping besides its payload: at the default 1 MiB a
  // flood of "2" grows the server by ~48 MB before slow_consumer).
  const SEND_QUEUE_BYTES = 65536;
  let srv;
  let healthy;
  const pool = socketPool();
  const raws = [];
  before(async () => {
    srv = await startServer(TXRT_BIN, ['--publish-secret', SECRET, '--ping-interval-ms', '25000', '--ping-timeout-ms', '20000',
      '--send-queue-bytes', String(SEND_QUEUE_BYTES)]);
    healthy = await healthyClient(pool, srv.url);
  });
  after(async () => {
    for (const c of raws.splice(0)) c.destroy();
    pool.closeAll();
    await srv?.stop('SIGTERM', 10000);
  });

  // A client that floods pings and never reads: every answer (a WebSocket pong, an Engine.IO v3
  // pong "3") is queued towards it, so the answers must count against send-queue-bytes (then
  // slow_consumer) or be dropped; the server's memory must not follow the flood.
  const FLOODS = [
    {
      name: 'WebSocket ping frames (Engine.IO v4)',
      path: '/socket.io/?EIO=4&transport=websocket',
      ping: () => frame(0x9, 'p'.repeat(125)),
      closes: 'slow_consumer',
    },
    { name: 'Engine.IO v3 pings "2"', path: '/socket.io/?EIO=3&transport=websocket', ping: () => frame(0x1, '2'), closes: 'slow_consumer' },
  ];
  for (const flood of FLOODS) {
    test(`a flood of ${flood.name} from a client that never reads stays bounded`, { timeout: 60000 }, async (t) => {
      const before = await scrape(srv.url);
      const rss0 = rssKb(srv.pid);
      const ws = new RawWs(srv.port);
      raws.push(ws.conn);
      await ws.open(flood.path);
      ws.conn.socket.pause(); // never read again: the answers pile up on the server
      const one = flood.ping();
      const batch = Buffer.concat(Array.from({ length: Math.ceil(65536 / one.length) }, () => one)); // ~64 KiB
      let sent = 0;
      let peak = rss0;
      let batches = 0;
      const deadline = Date.now() + 20000;
      // Up to 64 MiB, while the connection lasts and the server keeps reading.
      while (sent < 64 * 1024 * 1024 && !ws.conn.endedAt && Date.now() < deadline) {
        const drained = ws.conn.socket.write(batch);
        sent += batch.length;
        batches += 1;
        if (!drained) {
          const ok = await withTimeout(new Promise((resolve) => ws.conn.socket.once('drain', () => resolve(true))), 1000, 'drain').catch(() => false);
          if (!ok) break; // the server stopped reading us: the backpressure reached the client
        }
        if (batches % 16 === 0) peak = Math.max(peak, rssKb(srv.pid));
      }
      peak = Math.max(peak, rssKb(srv.pid));
      const after = await scrape(srv.url);
      t.diagnostic(`sent ${(sent / 1048576).toFixed(1)} MiB; server RSS ${rss0} -> peak ${peak} kB; ` +
        `txrt_outbound_queue_bytes ${after.get('txrt_outbound_queue_bytes')}; closed ${JSON.stringify(grown(before, after))}`);
      ws.conn.destroy();
      assert.ok(peak - rss0 < 48 * 1024, `server RSS grew by ${peak - rss0} kB during the flood`);
      if (flood.closes) assert.deepEqual(grown(before, after), { [flood.closes]: 1 });
      await pollUntil(async () => (await scrape(srv.url)).get('txrt_outbound_queue_bytes') < 1024, T, 'txrt_outbound_queue_bytes back near 0');
      await healthy.check(`after a flood of ${flood.name}`);
    });
  }

  test('binary attachments announced and never completed: what the server holds is bounded', { timeout: 60000 }, async (t) => {
    const before = await scrape(srv.url);
    const rss0 = rssKb(srv.pid);
    let peak = rss0;
    // Four clients each announce 64 attachments and send 1 MB ones (each under max-payload):
    // without a bound on the whole packet, each would make the server hold 63 MB.
    for (let k = 0; k < 4; k++) {
      const ws = new RawWs(srv.port, { echoClose: true });
      raws.push(ws.conn);
      await ws.open();
      ws.send(frame(0x1, '40'));
      await ws.until(() => ws.texts.some((x) => x.startsWith('40')), T, 'the namespace connect');
      const placeholders = Array.from({ length: 64 }, (_, i) => `{"_placeholder":true,"num":${i}}`).join(',');
      ws.send(frame(0x1, `4564-["upload",${placeholders}]`));
      const attachment = frame(0x2, Buffer.alloc(999000, 7));
      for (let i = 0; i < 63 && !ws.conn.endedAt; i++) {
        if (!ws.conn.socket.write(attachment)) {
          const drained = new Promise((resolve) => ws.conn.socket.once('drain', () => resolve(true)));
          const ok = await withTimeout(Promise.race([drained, ws.conn.closed.then(() => false)]), 2000, 'drain').catch(() => false);
          if (!ok) break;
        }
      }
      await ws.conn.waitClosed(CLOSE_WITHIN_MS, 'the server to close the unfinished binary packet');
      peak = Math.max(peak, rssKb(srv.pid));
    }
    const after = await scrape(srv.url);
    t.diagnostic(`server RSS ${rss0} -> peak ${peak} kB; closed ${JSON.stringify(grown(before, after))}`);
    assert.deepEqual(grown(before, after), { parse_error: 4 });
    assert.ok(peak - rss0 < 32 * 1024, `server RSS grew by ${peak - rss0} kB`);
    await healthy.check('after unfinished binary packets');
  });

  // Last: every session these floods opened is gone, so SIGTERM exits at once instead of
  // waiting shutdown-timeout-ms (5 s) for a session nobody can close.
  test('after the floods, SIGTERM finds no session left and exits promptly', {
    timeout: 20000,
  }, async () => {
    for (const c of raws.splice(0)) c.destroy();
    pool.closeAll();
    // No wait: the graceful shutdown closes whatever is still open; only a session it cannot
    // close would hold it for shutdown-timeout-ms.
    const started = Date.now();
    const r = await srv.stop('SIGTERM', 10000);
    const ms = Date.now() - started;
    assert.deepEqual(r, { code: 0, signal: null });
    assert.doesNotMatch(srv.output(), /still open/, 'no session left at shutdown');
    assert.ok(ms < 2000, `SIGTERM took ${ms} ms`);
  });
});

// ==========================================================================================================

describe('abuse: clients that disappear (heartbeat)', () => {
  let srv;
  let healthy;
  const pool = socketPool();
  const raws = [];
  before(async () => {
    srv = await startServer(TXRT_BIN, ['--publish-secret', SECRET, '--ping-interval-ms', '200', '--ping-timeout-ms', '300']);
    healthy = await healthyClient(pool, srv.url);
  });
  after(async () => {
    for (const c of raws.splice(0)) c.destroy();
    pool.closeAll();
    await srv?.stop();
  });

  test('a WebSocket and a polling client that stop answering are closed by ping_timeout', TEST, async (t) => {
    const before = await scrape(srv.url);
    const ws = new RawWs(srv.port);
    raws.push(ws.conn);
    await ws.open();
    const opened = Date.now();
    const sid = await pollingHandshake(srv.url);
    // Neither answers a ping (nor, for the WebSocket, the closing handshake) from here on; the
    // WebSocket stays connected at the TCP level, like a peer that vanished without a FIN.
    await pollUntil(async () => closed(await scrape(srv.url), 'ping_timeout') >= closed(before, 'ping_timeout') + 2,
      200 + 300 + CLOSE_WITHIN_MS, 'two ping_timeout closes');
    const sessionsClosed = Date.now() - opened;
    assert.equal(engineError(await request(`${srv.url}${POLL}&sid=${sid}`)).body.code, 1);
    // The TCP connection follows within the closing-handshake bound (5 s) at most.
    const at = await ws.conn.waitClosed(200 + 300 + 5000 + CLOSE_WITHIN_MS, 'the silent WebSocket connection to be closed');
    t.diagnostic(`sessions closed within ${sessionsClosed} ms; WebSocket TCP closed after ${at - opened} ms; close frame ${ws.closeFrames[0]?.code ?? 'none'}`);
    await healthy.check('after silent clients');
  });
});

// ==========================================================================================================

describe('abuse: 2000 connections that never send a request', () => {
  const N = 2000;
  const TIMEOUT_MS = 3000; // long enough to test the server while they are all open
  let srv;
  let healthy;
  const pool = socketPool();
  const conns = [];
  before(async () => {
    srv = await startServer(TXRT_BIN, ['--publish-secret', SECRET, '--header-timeout-ms', String(TIMEOUT_MS)]);
    healthy = await healthyClient(pool, srv.url);
  });
  after(async () => {
    for (const c of conns.splice(0)) c.destroy();
    pool.closeAll();
    await srv?.stop();
  });

  test(`${N} idle connections: the server stays responsive and closes them at header-timeout-ms`, { timeout: 90000 }, async (t) => {
    const fdsBefore = openFds(srv.pid);
    const started = Date.now();
    for (let i = 0; i < N; i += 250) {
      const batch = Array.from({ length: Math.min(250, N - i) }, () => new RawConn(srv.port));
      conns.push(...batch);
      await Promise.all(batch.map((c) => c.connected));
    }
    const opened = Date.now();
    t.diagnostic(`${N} connections open in ${opened - started} ms; server fds ${fdsBefore} -> ${openFds(srv.pid)}`);
    assert.ok(opened - started < TIMEOUT_MS, 'all connections opened before the first header timeout');

    // Responsive meanwhile: /health at once, the healthy client gets its event and ack, a new
    // client connects and authenticates.
    const h = await request(`${srv.url}/health`, {}, 1000);
    assert.equal(h.status, 200);
    await healthy.check(`with ${N} idle connections`);
    const fresh = await login(pool, srv.url, 'demo-viewer');
    assert.ok(fresh.connected);

    // Every idle connection is closed by the server, none answered.
    await withTimeout(Promise.all(conns.map((c) => c.closed)), TIMEOUT_MS + 10000, `the server to close all ${N} idle connections`);
    const lastClose = Math.max(...conns.map((c) => c.endedAt));
    t.diagnostic(`all closed ${lastClose - started} ms after the first connect`);
    assert.ok(conns.every((c) => c.data.length === 0), 'no idle connection got an answer');
    await pollUntil(() => openFds(srv.pid) <= fdsBefore + 5, 5000, `server fds back near ${fdsBefore} (now ${openFds(srv.pid)})`);
    await healthy.check(`after ${N} idle connections`);
  });
});
