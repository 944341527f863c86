// Slow-consumer policy (send-queue-bytes): a session whose client stops reading is closed with
// reason slow_consumer once its outbound queue passes the bound, its connection is released, the
// queue gauge returns to 0 and memory stays bounded — while a healthy subscriber of the same
// events keeps receiving every one of them, in order and promptly.
// The slow WebSocket client is hand-written on node:net so that it can stop reading at the TCP
// level (socket.pause()): the kernel buffers fill, Beast's write stops completing, and the
// server's own queue grows. The slow polling client simply stops issuing GETs.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { withTimeout } from './lib/wait.mjs';
import { request } from './lib/http.mjs';
import { takeServerFrames } from './lib/ws_frames.mjs';
import { startServer } from './lib/server.mjs';
import { T, TXRT_BIN, socketPool, login, subscribeOk, Recorder, pollUntil } from './lib/app.mjs';

const PUBLISH_SECRET = 's';
const QUEUE_BOUND = 65536;
const TEST = { timeout: 90000 };
const CUSTOMER = 'customer-north-2';
const MAX_EVENTS = 3000; // flood bound
const PAD = 'x'.repeat(4000); // ~4 KiB per event
const CHECK_EVERY = 25; // publishes between /metrics + RSS checks during the flood
// How much the server may grow over its RSS at start: a sanitizer build starts far higher than a
// release one (shadow memory), so the bound is on the growth, which is what an unbounded queue
// would show.
const RSS_GROWTH_LIMIT_KB = 150 * 1024;
let baseRssKb = 0; // the server's RSS once started
const rssOver = (kb) => kb - baseRssKb < RSS_GROWTH_LIMIT_KB;
const LAST_DELIVERY_MS = 2000;
const CLOSE_WITHIN_MS = 5000;

// --- /metrics and /proc --------------------------------------------------------------------------

async function metrics(url) {
  const res = await request(`${url}/metrics`);
  assert.equal(res.status, 200);
  return res.body.toString();
}

function metricValue(text, name, labels = '') {
  const re = new RegExp(`^${name.replace(/[{}]/g, '\\$&')}${labels.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm');
  const m = re.exec(text);
  assert.ok(m, `metric ${name}${labels} not found`);
  return Number(m[1]);
}

const slowClosed = (text) => metricValue(text, 'txrt_connections_closed_total', '{reason="slow_consumer"}');
const queueBytes = (text) => metricValue(text, 'txrt_outbound_queue_bytes');

function rssKb(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

// True while some process (the server: there is no other) holds the fd of the server side of
// the TCP connection serverPort <-> clientPort. A socket the server has closed is either gone
// from /proc/net/tcp* or an orphan with inode 0 (the kernel still flushing it).
function serverHoldsConnection(serverPort, clientPort) {
  const hex = (p) => p.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      if (f[1].endsWith(`:${hex(serverPort)}`) && f[2].endsWith(`:${hex(clientPort)}`) && f[9] !== '0') return true;
    }
  }
  return false;
}

// --- publishing ----------------------------------------------------------------------------------

// POST /events on keep-alive connections (thousands of them in a flood).
function publisher(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    post(body) {
      return new Promise((resolve, reject) => {
        const req = http.request(
          `${url}/events`,
          {
            method: 'POST',
            agent,
            timeout: T,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${PUBLISH_SECRET}` },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('POST /events timed out')));
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    },
    close: () => agent.destroy(),
  };
}

const tag = `slow-${process.pid}`;
const eventFor = (run, seq) => ({ event: 'CALL_START', id: `${tag}-${run}-${seq}`, run, seq, pad: PAD });

// Publishes up to MAX_EVENTS events until stop() is true (checked every CHECK_EVERY events, with
// /metrics). Returns { count, lastPublishedAt, maxRssKb }.
async function flood(srv, run, stop) {
  const pub = publisher(srv.url);
  let maxRssKb = rssKb(srv.pid);
  let count = 0;
  let lastPublishedAt = 0;
  try {
    while (count < MAX_EVENTS) {
      const status = await pub.post({ type: 'PBX', customer: CUSTOMER, event: eventFor(run, count) });
      assert.equal(status, 202, `POST /events #${count}`);
      lastPublishedAt = Date.now();
      count += 1;
      if (count % CHECK_EVERY === 0) {
        maxRssKb = Math.max(maxRssKb, rssKb(srv.pid));
        assert.ok(rssOver(maxRssKb), `server RSS ${maxRssKb} kB (${baseRssKb} kB at start) during the flood (#${count})`);
        if (await stop()) break;
      }
    }
  } finally {
    pub.close();
  }
  maxRssKb = Math.max(maxRssKb, rssKb(srv.pid));
  return { count, lastPublishedAt, maxRssKb };
}

// The healthy client got events 0..count-1 of `run`, in order, nothing else of that run.
async function assertAllDelivered(rec, run, { count, lastPublishedAt }) {
  const lastId = `${tag}-${run}-${count - 1}`;
  const remaining = Math.max(LAST_DELIVERY_MS - (Date.now() - lastPublishedAt), 1);
  await rec.waitFor((e) => e.payload?.id === lastId, remaining, `the last event (${lastId}) within ${LAST_DELIVERY_MS} ms of publishing it`);
  const seqs = (await rec.settle()).filter((e) => e.name === 'PBX' && e.payload?.run === run).map((e) => e.payload.seq);
  assert.equal(seqs.length, count, `healthy client: ${seqs.length} of ${count} events`);
  seqs.forEach((s, i) => assert.equal(s, i, `healthy client: event #${i} has seq ${s}`));
}

// --- a raw WebSocket client on node:net ------------------------------------------------------------

function encodeFrame(opcode, payload) {
  const data = Buffer.from(payload);
  const len = data.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  if (len < 126) head[1] = 0x80 | len;
  else if (len < 65536) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = crypto.randomBytes(4);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = data[i] ^ mask[i & 3];
  return Buffer.concat([head, mask, body]);
}

class RawWs {
  constructor(port) {
    this.port = port;
    this.buf = Buffer.alloc(0);
    this.upgraded = false;
    this.texts = []; // text frames not yet consumed
    this.waiters = [];
    this.bytesReceived = 0;
    this.gotCloseFrame = false;
    this.ended = false;
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', (err) => (this.error = err));
    this.closed = new Promise((resolve) => this.socket.on('close', () => {
      this.ended = true;
      resolve();
      this.wake();
    }));
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  async open(ms = T) {
    await withTimeout(new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    }), ms, 'TCP connect');
    this.localPort = this.socket.localPort;
    const key = crypto.randomBytes(16).toString('base64');
    this.socket.write(
      `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await this.until(() => this.upgraded, ms, 'the 101 response');
    assert.match(this.head, /^HTTP\/1\.1 101 /);
    const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    assert.match(this.head, new RegExp(`sec-websocket-accept: ${accept.replace(/[+/]/g, '\\$&')}`, 'i'));
  }

  onData(chunk) {
    this.bytesReceived += chunk.length;
    this.buf = Buffer.concat([this.buf, chunk]);
    if (!this.upgraded) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.head = this.buf.subarray(0, end).toString();
      this.buf = this.buf.subarray(end + 4);
      this.upgraded = true;
    }
    const { frames, rest } = takeServerFrames(this.buf);
    this.buf = rest;
    for (const { opcode, payload } of frames) {
      if (opcode === 0x1) this.texts.push(payload.toString());
      else if (opcode === 0x8) this.gotCloseFrame = true;
      else if (opcode === 0x9) this.socket.write(encodeFrame(0xa, payload));
    }
    this.wake();
  }

  sendText(text) {
    this.socket.write(encodeFrame(0x1, text));
  }

  until(pred, ms, what) {
    return withTimeout(new Promise((resolve, reject) => {
      const check = () => {
        if (pred()) return resolve();
        if (this.ended) return reject(new Error(`connection closed while waiting for ${what}`));
        this.waiters.push(check);
      };
      check();
    }), ms, what);
  }

  // Next text frame starting with `prefix`, skipping others (events, pings).
  async nextStarting(prefix, ms = T) {
    let hit;
    await this.until(() => {
      while (this.texts.length) {
        const t = this.texts.shift();
        if (t === '2') this.sendText('3'); // Engine.IO ping
        if (t.startsWith(prefix)) {
          hit = t;
          return true;
        }
      }
      return false;
    }, ms, `a frame starting with ${prefix}`);
    return hit;
  }
}

// --- a raw polling client -------------------------------------------------------------------------

class RawPolling {
  constructor(url) {
    this.base = `${url}/socket.io/?EIO=4&transport=polling`;
    this.records = [];
  }

  async open() {
    const res = await request(this.base);
    assert.equal(res.status, 200);
    const open = JSON.parse(res.body.toString().slice(1));
    this.sid = open.sid;
  }

  async post(text) {
    const res = await request(`${this.base}&sid=${this.sid}`, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: text });
    assert.equal(res.status, 200, `POST ${text}: ${res.status} ${res.body}`);
  }

  get() {
    return request(`${this.base}&sid=${this.sid}`);
  }

  // GETs until a record starting with `prefix` arrives (each GET is answered at once when
  // something is queued; the ping interval is long, so an empty queue would hold it).
  async nextStarting(prefix, ms = T) {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.records.findIndex((r) => r.startsWith(prefix));
      if (i >= 0) return this.records.splice(0, i + 1).pop();
      const left = deadline - Date.now();
      assert.ok(left > 0, `timed out waiting for a polling record starting with ${prefix}`);
      const res = await request(`${this.base}&sid=${this.sid}`, {}, left);
      assert.equal(res.status, 200);
      this.records.push(...res.body.toString().split('\x1e'));
    }
  }
}

// --------------------------------------------------------------------------------------------------

// Both write paths (io-uring): the loop's io_uring submission, which the kernel answers -EAGAIN
// for a full socket, and sendmsg per socket, as where the kernel refuses io_uring.
for (const ioUring of ['true', 'false']) describe(`slow consumers (send-queue-bytes), io-uring ${ioUring}`, () => {
  let srv;
  const pool = socketPool();
  const raw = [];
  before(async () => {
    // Not startApp: it adds its own --ping-interval-ms, and the binary refuses a repeated option.
    // The recovery history (on by default) keeps recent events up to recovery-buffer-bytes
    // (64 MiB): bounded small here, so that the RSS bound still measures the send queues.
    srv = await startServer(TXRT_BIN, ['--publish-secret', PUBLISH_SECRET, '--send-queue-bytes', String(QUEUE_BOUND), '--ping-interval-ms', '25000',
      '--recovery-buffer-bytes', String(1 << 20), '--io-uring', ioUring]);
    baseRssKb = rssKb(srv.pid);
  });
  after(async () => {
    await srv?.stop();
  });
  afterEach(() => {
    pool.closeAll();
    for (const s of raw.splice(0)) s.destroy();
  });

  async function healthyClient() {
    const socket = await login(pool, srv.url, 'demo-admin');
    await subscribeOk(socket, { type: 'ADMIN' });
    return new Recorder(socket, ['PBX']);
  }

  test('a WebSocket client that stops reading is closed as a slow consumer; a healthy one gets everything', TEST, async (t) => {
    const before = await metrics(srv.url);
    const closedBefore = slowClosed(before);

    const slow = new RawWs(srv.port);
    raw.push(slow.socket);
    await slow.open();
    assert.match(await slow.nextStarting('0'), /"sid"/);
    slow.sendText('40');
    await slow.nextStarting('40');
    slow.sendText('420["authenticate",{"token":"demo-admin"}]');
    assert.match(await slow.nextStarting('430'), /"success":true/);
    slow.sendText('421["subscribe",{"type":"ADMIN"}]');
    assert.match(await slow.nextStarting('431'), /"success":true/);
    slow.socket.pause(); // stop reading: the kernel buffers fill, then the server's queue grows

    const rec = await healthyClient();
    const result = await flood(srv, 'ws', async () => slowClosed(await metrics(srv.url)) > closedBefore);

    // The slow session was closed as a slow consumer, exactly once.
    const afterFlood = await metrics(srv.url);
    assert.equal(slowClosed(afterFlood), closedBefore + 1, `slow_consumer closes after ${result.count} events`);
    t.diagnostic(`closed after ${result.count} events; server RSS peak ${result.maxRssKb} kB`);
    assert.ok(rssOver(result.maxRssKb), `server RSS peaked at ${result.maxRssKb} kB (${baseRssKb} kB at start)`);

    // The healthy subscriber got every event, in order, the last one promptly.
    await assertAllDelivered(rec, 'ws', result);

    // The server lets go of the connection without waiting for the slow client to read
    // (no event announces that: poll /proc/net/tcp*).
    await pollUntil(() => !serverHoldsConnection(srv.port, slow.localPort), CLOSE_WITHIN_MS,
      `server releases its socket of the slow connection (client port ${slow.localPort})`);

    // Reading again, the client sees the end of the connection (whatever was in flight, then EOF).
    slow.socket.resume();
    await withTimeout(slow.closed, CLOSE_WITHIN_MS, 'EOF/close of the slow connection after resuming');
    t.diagnostic(`slow client read ${slow.bytesReceived} bytes in all, close frame: ${slow.gotCloseFrame}`);

    // Nothing stays queued.
    await pollUntil(async () => queueBytes(await metrics(srv.url)) < 1024, 2000, 'txrt_outbound_queue_bytes back near 0');
    assert.ok(rssOver(rssKb(srv.pid)));

    // The writes took the path asked for (CI's kernel takes io_uring: .ci/run says so).
    const done = await metrics(srv.url);
    const loops = metricValue(done, 'txrt_io_uring_loops');
    const sends = metricValue(done, 'txrt_io_uring_sends_total');
    if (ioUring === 'false') {
      assert.equal(loops, 0);
      assert.equal(sends, 0);
    } else if (loops === 0 && process.env.TXRT_REQUIRE_IO_URING !== '1') {
      t.diagnostic('io_uring refused by this kernel: the writes went through sendmsg');
    } else {
      assert.ok(loops >= 1, `txrt_io_uring_loops ${loops}`);
      assert.ok(sends >= result.count, `txrt_io_uring_sends_total ${sends} after ${result.count} events`);
    }
  });

  // Polling writes do not go through the ring: once is enough.
  if (ioUring === 'true') test('a polling client that stops issuing GETs is closed as a slow consumer; its sid then gets 400', TEST, async (t) => {
    const closedBefore = slowClosed(await metrics(srv.url));

    const slow = new RawPolling(srv.url);
    await slow.open();
    await slow.post('40');
    await slow.nextStarting('40');
    await slow.post('420["authenticate",{"token":"demo-admin"}]');
    assert.match(await slow.nextStarting('430'), /"success":true/);
    await slow.post('421["subscribe",{"type":"ADMIN"}]');
    assert.match(await slow.nextStarting('431'), /"success":true/);
    // No GET is pending from here on: everything published queues on the session.

    const rec = await healthyClient();
    const result = await flood(srv, 'polling', async () => slowClosed(await metrics(srv.url)) > closedBefore);

    assert.equal(slowClosed(await metrics(srv.url)), closedBefore + 1, `slow_consumer closes after ${result.count} events`);
    assert.ok(result.count < MAX_EVENTS, 'the polling session was closed before the flood ran out');
    t.diagnostic(`closed after ${result.count} events; server RSS peak ${result.maxRssKb} kB`);
    assert.ok(rssOver(result.maxRssKb), `server RSS peaked at ${result.maxRssKb} kB (${baseRssKb} kB at start)`);
    await assertAllDelivered(rec, 'polling', result);

    const res = await slow.get();
    assert.equal(res.status, 400, `GET with the closed sid: ${res.status} ${res.body}`);

    await pollUntil(async () => queueBytes(await metrics(srv.url)) < 1024, 2000, 'txrt_outbound_queue_bytes back near 0');
  });
});
