// txrt terminating TLS itself (tls-cert / tls-key; SPEC §8, §12): the official clients over
// wss:// and https:// long-polling against a test CA made here with the openssl CLI, POST
// /events and /metrics over https, a client without the CA refused, plain HTTP to the TLS port
// failing cleanly (and counted), SIGHUP serving a new certificate to new connections while live
// ones stay, and --check-config on bad files. Loopback only; every wait bounded.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import https from 'node:https';
import tls from 'node:tls';
import crypto from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { once, withTimeout } from './lib/wait.mjs';
import { request, scrapeSamples } from './lib/http.mjs';
import {
  T,
  SECRET,
  TXRT_BIN,
  startApp,
  socketPool,
  connected,
  authenticate,
  subscribeOk,
  Recorder,
  makeEvent,
  pollUntil,
} from './lib/app.mjs';

const TEST = { timeout: 20000 };
const C = 'customer-north-2';

// A CA and two server certificates it signs for 127.0.0.1 (CN txrt-one and txrt-two, so
// distinct serials and subjects), made with the openssl CLI (P-256 keys: quick to make).
function makeCertificates(dir) {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=txrt test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  for (const name of ['one', 'two']) {
    run('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=txrt-${name}`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', '2', '-extfile', 'ext.cnf');
  }
  const file = (f) => path.join(dir, f);
  // The files txrt is given; the test replaces their contents before a SIGHUP.
  fs.copyFileSync(file('one.pem'), file('server.pem'));
  fs.copyFileSync(file('one.key'), file('server.key'));
  return { file, ca: fs.readFileSync(file('ca.pem')) };
}

// The certificate a new TLS connection to `port` is served.
function peerCertificate(port, ca) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca, servername: '' }, () => {
        const cert = s.getPeerCertificate();
        s.end();
        resolve(cert);
      });
      s.on('error', reject);
    }),
    T,
    'TLS connection for the peer certificate',
  );
}

function publishTls(url, ca, body) {
  return request(`${url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
    body: JSON.stringify(body),
    ca,
  });
}

async function handshakes(url, ca) {
  const samples = await scrapeSamples(url, 3000, { ca });
  const get = (result) => samples.get(`txrt_tls_handshakes_total{result="${result}"}`);
  return { ok: get('ok'), failed: get('failed'), timeout: get('timeout') };
}

// Connects, authenticates as demo-viewer, subscribes to PBX, and receives an event published
// through POST /events over https.
async function receivesEventOn(srv, ca, socket) {
  await connected(socket);
  const { ack } = await authenticate(socket, { token: 'demo-viewer' });
  assert.equal(ack.success, true, JSON.stringify(ack));
  await subscribeOk(socket, { type: 'PBX', customer: C });
  const rec = new Recorder(socket, ['PBX']);
  const event = makeEvent('PBX_TLS');
  const res = await publishTls(srv.url, ca, { type: 'PBX', customer: C, event });
  assert.equal(res.status, 202, res.body.toString());
  const got = await rec.waitFor((e) => e.payload?.id === event.id, T, 'the published PBX event');
  assert.deepEqual(got.payload, event);
  rec.stop();
  return socket;
}

describe('TLS listener (tls-cert / tls-key)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-tls-'));
  let certs;
  let srv;
  const pool = socketPool();
  before(async () => {
    certs = makeCertificates(dir);
    srv = await startApp([
      '--publish-secret', SECRET,
      '--tls-cert', certs.file('server.pem'),
      '--tls-key', certs.file('server.key'),
    ]);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => pool.closeAll());

  const receivesEvent = (socket) => receivesEventOn(srv, certs.ca, socket);

  test('the URL is https:// and GET /health answers over TLS', TEST, async () => {
    assert.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await request(`${srv.url}/health`, { ca: certs.ca });
    assert.equal(res.status, 200);
  });

  test('socket.io-client v4 over wss://: authenticate, subscribe, receive an event published over https', TEST, async () => {
    const socket = await receivesEvent(pool.v4(srv.url, { ca: certs.ca }));
    assert.equal(socket.io.engine.transport.name, 'websocket');
  });

  test('socket.io-client v4 over https:// long-polling: the same', TEST, async () => {
    const socket = await receivesEvent(pool.v4(srv.url, { ca: certs.ca, transports: ['polling'] }));
    assert.equal(socket.io.engine.transport.name, 'polling');
  });

  test('socket.io-client v4, polling upgraded to wss://', TEST, async () => {
    const socket = await connected(pool.v4(srv.url, { ca: certs.ca, transports: ['polling', 'websocket'] }));
    if (socket.io.engine.transport.name !== 'websocket') await once(socket.io.engine, 'upgrade', T);
    await receivesEvent(socket);
    assert.equal(socket.io.engine.transport.name, 'websocket');
  });

  test('a 300 KB event arrives whole over wss:// and over https polling (many TLS records)', TEST, async () => {
    for (const opts of [{}, { transports: ['polling'] }]) {
      const socket = await receivesEvent(pool.v4(srv.url, { ca: certs.ca, ...opts }));
      const rec = new Recorder(socket, ['PBX']);
      const event = makeEvent('PBX_BIG', { blob: 'x'.repeat(300 * 1024) });
      assert.equal((await publishTls(srv.url, certs.ca, { type: 'PBX', customer: C, event })).status, 202);
      const got = await rec.waitFor((e) => e.payload?.id === event.id, T, 'the big event');
      assert.equal(got.payload.blob.length, event.blob.length);
      assert.deepEqual(got.payload, event);
      rec.stop();
    }
  });

  test('socket.io-client v2 over wss://', TEST, async () => {
    await receivesEvent(pool.v2(srv.url, { ca: certs.ca }));
  });

  test('the client address behind TLS is the TCP peer, not the relay (GET /clients)', TEST, async () => {
    const ws = await receivesEvent(pool.v4(srv.url, { ca: certs.ca }));
    const polling = await receivesEvent(pool.v4(srv.url, { ca: certs.ca, transports: ['polling'] }));
    const res = await request(`${srv.url}/clients`, { headers: { authorization: `Bearer ${SECRET}` }, ca: certs.ca });
    assert.equal(res.status, 200);
    const clients = JSON.parse(res.body.toString());
    for (const socket of [ws, polling]) {
      const c = clients.find((x) => x.id === socket.id);
      assert.ok(c, `socket ${socket.id} in /clients: ${res.body}`);
      assert.equal(c.remoteAddress, '127.0.0.1', JSON.stringify(c));
    }
  });

  test('a client without the CA: connect_error, and the server stays healthy', TEST, async () => {
    const before = await handshakes(srv.url, certs.ca);
    const socket = pool.v4(srv.url);
    const [err] = await once(socket, 'connect_error', T, { rejectOn: ['connect'] });
    assert.ok(err instanceof Error);
    const after = await pollUntil(async () => {
      const h = await handshakes(srv.url, certs.ca);
      return h.failed > before.failed && h;
    }, T, 'the failed handshake counted');
    assert.ok(after.failed > before.failed);
    const ok = await connected(pool.v4(srv.url, { ca: certs.ca }));
    assert.equal(ok.connected, true);
  });

  test('plain HTTP to the TLS port fails cleanly and is counted as a failed handshake', TEST, async () => {
    const before = await handshakes(srv.url, certs.ca);
    const plain = srv.url.replace('https:', 'http:');
    await assert.rejects(request(`${plain}/health`, {}, 3000));
    // A plain WebSocket (ws://) client too.
    const socket = pool.v4(plain);
    await once(socket, 'connect_error', T, { rejectOn: ['connect'] });
    const after = await pollUntil(async () => {
      const h = await handshakes(srv.url, certs.ca);
      return h.failed >= before.failed + 2 && h;
    }, T, 'both failed handshakes counted');
    assert.ok(after.failed >= before.failed + 2, JSON.stringify({ before, after }));
    assert.equal(after.timeout, before.timeout);
    assert.equal((await request(`${srv.url}/health`, { ca: certs.ca })).status, 200);
  });

  test('a connection that never finishes its handshake is closed after 10 s and counted as a timeout', { timeout: 20000 }, async () => {
    const before = await handshakes(srv.url, certs.ca);
    const port = Number(new URL(srv.url).port);
    const started = Date.now();
    const silent = net.connect({ host: '127.0.0.1', port });
    silent.on('error', () => {});
    await withTimeout(new Promise((resolve) => silent.on('close', resolve)), 14000, 'the silent connection closed');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 9000 && elapsed < 13000, `closed after ${elapsed} ms`);
    const after = await handshakes(srv.url, certs.ca);
    assert.equal(after.timeout, before.timeout + 1);
  });

  test('SIGHUP: new connections get the new certificate, a live socket keeps its connection; a bad file keeps the previous one', TEST, async () => {
    const port = Number(new URL(srv.url).port);
    const old = await peerCertificate(port, certs.ca);
    assert.equal(old.subject.CN, 'txrt-one');
    const live = await receivesEvent(pool.v4(srv.url, { ca: certs.ca }));
    let disconnected = false;
    live.on('disconnect', () => { disconnected = true; });

    fs.copyFileSync(certs.file('two.pem'), certs.file('server.pem'));
    fs.copyFileSync(certs.file('two.key'), certs.file('server.key'));
    const reloaded = srv.output().split('TLS certificate').length;
    process.kill(srv.pid, 'SIGHUP');
    await pollUntil(() => srv.output().split('TLS certificate').length > reloaded, T, 'the reload logged');
    const fresh = await peerCertificate(port, certs.ca);
    assert.equal(fresh.subject.CN, 'txrt-two');
    assert.notEqual(fresh.serialNumber, old.serialNumber);

    // The live socket still receives.
    const rec = new Recorder(live, ['PBX']);
    const event = makeEvent('PBX_AFTER_RELOAD');
    assert.equal((await publishTls(srv.url, certs.ca, { type: 'PBX', customer: C, event })).status, 202);
    await rec.waitFor((e) => e.payload?.id === event.id, T, 'an event after the reload on the live socket');
    assert.equal(disconnected, false);
    assert.equal(live.connected, true);

    // A certificate that does not load: logged, and the previous one (txrt-two) stays.
    fs.writeFileSync(certs.file('server.pem'), 'not a certificate\n');
    const errors = srv.output().split('TLS certificate not reloaded').length;
    process.kill(srv.pid, 'SIGHUP');
    await pollUntil(() => srv.output().split('TLS certificate not reloaded').length > errors, T, 'the refused reload logged');
    assert.equal((await peerCertificate(port, certs.ca)).subject.CN, 'txrt-two');
    assert.equal(live.connected, true);
    fs.copyFileSync(certs.file('two.pem'), certs.file('server.pem'));
  });
});

describe('TLS listener: SIGTERM', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-tls-term-'));
  const pool = socketPool();
  after(() => {
    pool.closeAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('live wss:// and https polling clients see disconnect, the process exits 0 in time', TEST, async () => {
    const certs = makeCertificates(dir);
    const srv = await startApp(['--tls-cert', certs.file('server.pem'), '--tls-key', certs.file('server.key')]);
    try {
      const ws = await connected(pool.v4(srv.url, { ca: certs.ca }));
      const polling = await connected(pool.v4(srv.url, { ca: certs.ca, transports: ['polling'] }));
      const gone = Promise.all([once(ws, 'disconnect', T), once(polling, 'disconnect', T)]);
      const started = Date.now();
      const { code } = await srv.stop('SIGTERM', 8000);
      assert.equal(code, 0, srv.output());
      assert.ok(Date.now() - started < 7000, `exited after ${Date.now() - started} ms`);
      await gone;
    } finally {
      await srv.stop('SIGKILL');
    }
  });
});

describe('TLS listener: a client that stops reading', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-tls-slow-'));
  const pool = socketPool();
  after(() => {
    pool.closeAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Back-pressure crosses the relay: the paused client's TCP window, then the socketpair, then
  // the WebSocket's own queue fill, and send-queue-bytes closes it; a healthy client of the
  // same events keeps receiving them all.
  test('a wss:// client that stops reading is closed as a slow consumer; a healthy one gets every event', { timeout: 90000 }, async () => {
    const certs = makeCertificates(dir);
    const srv = await startApp([
      // send-queue-bytes at its default (1 MiB): a healthy client that is merely busy (it shares
      // this process with the publisher) must not be taken for a slow one.
      '--publish-secret', SECRET,
      '--tls-cert', certs.file('server.pem'), '--tls-key', certs.file('server.key'),
    ]);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: certs.ca });
    try {
      const slowClosed = async () =>
        (await scrapeSamples(srv.url, 3000, { ca: certs.ca })).get('txrt_connections_closed_total{reason="slow_consumer"}');
      const before = await slowClosed();
      const slow = await receivesEventOn(srv, certs.ca, pool.v4(srv.url, { ca: certs.ca }));
      const healthy = await receivesEventOn(srv, certs.ca, pool.v4(srv.url, { ca: certs.ca }));
      const rec = new Recorder(healthy, ['PBX']);
      let healthyGone = null;
      healthy.on('disconnect', (reason, details) => { healthyGone = { reason, details: String(details?.description ?? details ?? '') }; });
      slow.io.engine.transport.ws._socket.pause(); // stops reading at the TCP level
      const post = (body) => new Promise((resolve, reject) => {
        const req = https.request(`${srv.url}/events`, {
          method: 'POST', agent, timeout: T,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
        }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        });
        req.on('timeout', () => req.destroy(new Error('POST /events timed out')));
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
      // Random padding: the client negotiates permessage-deflate (compression is on by
      // default), and a repetitive pad would shrink to almost nothing on the wire and never fill
      // the queue.
      const pad = () => crypto.randomBytes(3000).toString('base64');
      let count = 0;
      let closed = false;
      while (count < 5000 && !closed) {
        assert.equal(await post({ type: 'PBX', customer: C, event: { event: 'FLOOD', seq: count, pad: pad() } }), 202);
        count += 1;
        if (count % 50 === 0) closed = (await slowClosed()) > before;
      }
      assert.ok(closed, `no slow_consumer close after ${count} events of 4 KB`);
      const seen = () => rec.events.filter((e) => e.payload?.event === 'FLOOD').length;
      await pollUntil(() => seen() === count, T, `every flood event on the healthy client (${count} published)`).catch(async (err) => {
        const closes = (await slowClosed()) - before;
        throw new Error(`${err.message}; got ${seen()}, disconnected ${JSON.stringify(healthyGone)}, slow_consumer closes ${closes}`);
      });
      const seqs = rec.events.filter((e) => e.payload?.event === 'FLOOD').map((e) => e.payload.seq);
      assert.deepEqual(seqs, [...Array(count).keys()], 'the healthy client got every event in order');
      assert.equal(healthyGone, null);
    } finally {
      agent.destroy();
      pool.closeAll();
      await srv.stop();
    }
  });
});

describe('TLS configuration (--check-config and start-up)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-tls-config-'));
  let certs;
  before(() => {
    certs = makeCertificates(dir);
    fs.writeFileSync(certs.file('garbage.pem'), 'not PEM\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (...args) => spawnSync(TXRT_BIN, args, { encoding: 'utf8', timeout: 10000 });

  test('a matching pair passes; one without the other, an unreadable file, garbage or a key of another certificate: exit 2 naming the key', TEST, () => {
    const good = run('--check-config', '--tls-cert', certs.file('one.pem'), '--tls-key', certs.file('one.key'));
    assert.equal(good.status, 0, good.stderr);
    const cases = [
      [['--tls-cert', certs.file('one.pem')], /tls-key: required with tls-cert/],
      [['--tls-key', certs.file('one.key')], /tls-cert: required with tls-key/],
      [['--tls-cert', certs.file('missing.pem'), '--tls-key', certs.file('one.key')], /tls-cert: cannot read file/],
      [['--tls-cert', certs.file('garbage.pem'), '--tls-key', certs.file('one.key')], /tls-cert: .*not a PEM certificate/],
      [['--tls-cert', certs.file('one.pem'), '--tls-key', certs.file('garbage.pem')], /tls-key: .*not a PEM private key/],
      [['--tls-cert', certs.file('one.pem'), '--tls-key', certs.file('two.key')], /tls-key: .*does not match the certificate/],
    ];
    for (const [args, message] of cases) {
      const checked = run('--check-config', ...args);
      assert.equal(checked.status, 2, `${args.join(' ')}: ${checked.stdout}${checked.stderr}`);
      assert.match(checked.stderr, message);
    }
    // Start-up refuses the same (before listening).
    const started = run('--listen', '127.0.0.1:0', '--tls-cert', certs.file('one.pem'), '--tls-key', certs.file('two.key'));
    assert.equal(started.status, 2, started.stdout + started.stderr);
    assert.match(started.stdout + started.stderr, /tls-key: .*does not match the certificate/);
  });
});
