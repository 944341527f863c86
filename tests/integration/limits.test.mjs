// Connection and rate limits (issue 7): each limit, set small, refuses what passes it — a
// connection closed at accept, a session closed at its handshake, an authenticate answered
// `rate_limited` without asking the validator, a request acked `rate_limited` — counts it in
// txrt_limited_total, and leaves every other client working.
//
// The loopback range gives each test client its own address: 127.0.0.1 is the one limited,
// 127.0.0.2+ the "other clients", 127.0.0.9 the metrics scraper where a per-address limit is on.
// Behind a trusted proxy (127.0.0.1) the limited address is the X-Forwarded-For one.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startApp, socketPool, connected, authenticate, authenticateFails, login, subscribeOk,
  pollUntil, T,
} from './lib/app.mjs';
import { once, emitAck, collect } from './lib/wait.mjs';

const TEST = { timeout: 20000 };
const SCRAPER = '127.0.0.9';

// One HTTP request from `localAddress`, on its own connection unless an agent is given.
function get(url, { localAddress, agent = false, method = 'GET', body } = {}, ms = T) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, localAddress, timeout: ms }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${ms} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function metrics(url, localAddress) {
  const res = await get(`${url}/metrics`, { localAddress });
  assert.equal(res.status, 200);
  const samples = new Map();
  for (const line of res.body.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) samples.set(m[1], Number(m[2]));
  }
  return samples;
}

const limited = (l) => `txrt_limited_total{limit="${l}"}`;

// A v4 client whose connection the server refuses: resolves once connect_error arrives.
async function refused(pool, url, opts = {}) {
  const socket = pool.v4(url, opts);
  const [err] = await once(socket, 'connect_error', T, { rejectOn: ['connect'] });
  assert.ok(err instanceof Error);
  return socket;
}

// Connects, retrying while the server is still releasing a slot (its close is asynchronous).
function connectsEventually(pool, url, opts = {}) {
  return pollUntil(async () => {
    const socket = pool.v4(url, opts);
    try {
      return await connected(socket, 1000);
    } catch (err) {
      socket.close();
      throw err;
    }
  }, T, 'a connection to be admitted again', 50);
}

describe('max-connections: open connections of the node', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--max-connections', '3']);
  });
  after(() => srv?.stop());
  afterEach(() => pool.closeAll());

  test('past the maximum a connection is closed at accept; the others keep working', TEST, async () => {
    // A WebSocket client holds one slot (its session); its HTTP connection is handed over.
    const a = await login(pool, srv.url, 'demo-viewer');
    const b = await connected(pool.v4(srv.url));
    const c = await connected(pool.v4(srv.url));
    await refused(pool, srv.url);
    await refused(pool, srv.url, { transports: ['polling'] });

    // Nobody already in is harmed.
    assert.ok(a.connected && b.connected && c.connected);
    const sub = await subscribeOk(a, { type: 'CALL', customer: 'customer-north-2' });
    assert.equal(sub.ack.success, true);
    const { ack } = await authenticate(b, { token: 'demo-manager' });
    assert.equal(ack.success, true);

    // A slot that frees up is usable again.
    c.disconnect();
    const d = await connectsEventually(pool, srv.url);
    assert.equal((await authenticate(d, { token: 'demo-owner' })).ack.success, true);

    // Make room for the scrape (an HTTP connection takes a slot too), then read the count.
    b.disconnect();
    d.disconnect();
    const m = await pollUntil(() => metrics(srv.url), T, 'GET /metrics admitted', 50);
    assert.ok(m.get(limited('connections')) >= 2, `refusals counted: ${m.get(limited('connections'))}`);
    assert.equal(m.get(limited('connections_per_ip')), 0);
    assert.ok(m.get('txrt_connection_slots') >= 2, 'a and the scrape hold slots');
  });
});

describe('max-connections-per-ip: open connections of one client address', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--max-connections-per-ip', '2']);
  });
  after(() => srv?.stop());
  afterEach(() => pool.closeAll());

  test('past the maximum an address is refused at accept; other addresses are not', TEST, async () => {
    const before = await metrics(srv.url, SCRAPER);
    const a = await login(pool, srv.url, 'demo-viewer');
    const b = await login(pool, srv.url, 'demo-manager');
    await refused(pool, srv.url);

    // Another address connects and works; the two sockets of the full address still work.
    const other = await connected(pool.v4(srv.url, { localAddress: '127.0.0.2' }));
    assert.equal((await authenticate(other, { token: 'demo-owner' })).ack.success, true);
    const other2 = await connected(pool.v4(srv.url, { localAddress: '127.0.0.2' }));
    assert.ok(other2.connected);
    assert.equal((await subscribeOk(a, { type: 'CALL', customer: 'customer-north-2' })).ack.success, true);
    assert.equal((await subscribeOk(b, { type: 'PBX', customer: 'customer-north-2' })).ack.success, true);

    // One of the address's sockets leaves: the address may connect again.
    b.disconnect();
    await connectsEventually(pool, srv.url);

    const after = await metrics(srv.url, SCRAPER);
    assert.ok(after.get(limited('connections_per_ip')) >= before.get(limited('connections_per_ip')) + 1);
    assert.equal(after.get(limited('connections')), 0);
  });

  test('one keep-alive connection cannot open sessions past the maximum', TEST, async () => {
    const address = '127.0.0.5';
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await metrics(srv.url, SCRAPER);
      const handshake = () => get(`${srv.url}/socket.io/?EIO=4&transport=polling`, { localAddress: address, agent });
      // The connection holds one slot, the first session the second.
      const first = await handshake();
      assert.equal(first.status, 200);
      const sid = JSON.parse(first.body.slice(1)).sid;
      // The second session is over the maximum: it opens and is closed at once, counted.
      const second = await handshake();
      assert.equal(second.status, 200);
      const after = await metrics(srv.url, SCRAPER);
      assert.equal(after.get(limited('connections_per_ip')), before.get(limited('connections_per_ip')) + 1);
      // The first session is unharmed: it joins the namespace and gets the CONNECT answer.
      const post = await get(`${srv.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        localAddress: address, agent, method: 'POST', body: '40',
      });
      assert.equal(post.status, 200);
      const answer = await get(`${srv.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { localAddress: address, agent });
      assert.equal(answer.status, 200);
      assert.match(answer.body, /^40\{"sid":/);
    } finally {
      agent.destroy();
    }
  });
});

describe('auth-rate-per-socket: authenticate attempts of one socket', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--auth-rate-per-socket', '2']);
  });
  after(() => srv?.stop());
  afterEach(() => pool.closeAll());

  test('past the limit: unauthorized {code:rate_limited}, ack {success:false}, disconnect', TEST, async () => {
    const before = await metrics(srv.url);
    const socket = await login(pool, srv.url, 'demo-viewer');
    const bystander = await login(pool, srv.url, 'demo-owner');
    await authenticate(socket, { token: 'demo-manager' });
    const { event, ack, reason, order } = await authenticateFails(socket, [{ token: 'demo-admin' }]);
    assert.equal(event.code, 'rate_limited');
    assert.deepEqual(Object.keys(event).sort(), ['code', 'message']);
    assert.equal(typeof event.message, 'string');
    assert.deepEqual(Object.keys(ack).sort(), ['code', 'message', 'success']);
    assert.equal(ack.success, false);
    assert.equal(ack.code, 'rate_limited');
    assert.equal(reason, 'io server disconnect');
    assert.deepEqual(order, ['unauthorized', 'disconnect']);

    // The budget is the socket's: another socket of the same address is unharmed, and so is a
    // new one.
    assert.ok(bystander.connected);
    assert.equal((await subscribeOk(bystander, { type: 'PBX', customer: 'customer-north-2' })).ack.success, true);
    await login(pool, srv.url, 'demo-manager');

    const after = await metrics(srv.url);
    assert.equal(after.get(limited('auth_per_socket')), before.get(limited('auth_per_socket')) + 1);
    assert.equal(after.get('txrt_auth_total{result="rate_limited"}'), before.get('txrt_auth_total{result="rate_limited"}') + 1);
    // The refused attempt was not validated: only the four logins and the re-authentication.
    assert.equal(after.get('txrt_auth_total{result="success"}'), before.get('txrt_auth_total{result="success"}') + 4);
  });
});

describe('auth-rate-per-ip: authenticate attempts of one client address', () => {
  let srv;
  let validator;
  const calls = [];
  const pool = socketPool();
  before(async () => {
    // A Telecom X-like validator that knows every token "ok-…" and records each call.
    validator = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      const token = url.searchParams.get('token') ?? '';
      calls.push({ token, ip: url.searchParams.get('ip') });
      if (!token.startsWith('ok-')) return res.writeHead(401).end('{"success":false}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        success: true, employee: `e-${token}`, customer: 'customer-north-2', accessLevel: 'VIEWER',
      }));
    });
    await new Promise((resolve) => validator.listen(0, '127.0.0.1', resolve));
    srv = await startApp([
      '--auth', 'http', '--auth-url', `http://127.0.0.1:${validator.address().port}/auth/validateToken`,
      '--auth-rate-per-ip', '3', '--auth-rate-per-socket', '0',
    ]);
  });
  after(async () => {
    await srv?.stop();
    validator?.close();
    validator?.closeAllConnections();
  });
  afterEach(() => pool.closeAll());

  test('past the limit the address hears rate_limited and the validator is not asked', TEST, async () => {
    const before = await metrics(srv.url);
    // Distinct tokens, so that the identity cache cannot answer for the validator.
    const sockets = [];
    for (const token of ['ok-1', 'ok-2', 'ok-3']) sockets.push(await login(pool, srv.url, token));
    assert.equal(calls.length, 3);

    const late = await connected(pool.v4(srv.url));
    const refusal = await authenticateFails(late, [{ token: 'ok-4' }]);
    assert.equal(refusal.event.code, 'rate_limited');
    assert.equal(refusal.ack.code, 'rate_limited');
    assert.equal(refusal.ack.success, false);
    assert.equal(calls.length, 3, 'the validator was not called for the refused attempt');
    assert.ok(!calls.some((c) => c.token === 'ok-4'));

    // Another address still authenticates, and the address's authenticated sockets still work.
    await login(pool, srv.url, 'ok-5', { localAddress: '127.0.0.2' });
    assert.equal(calls.length, 4);
    assert.equal(calls[3].ip, '127.0.0.2');
    for (const s of sockets) {
      assert.ok(s.connected);
      assert.equal((await subscribeOk(s, { type: 'CALL', customer: 'customer-north-2' })).ack.success, true);
    }
    const after = await metrics(srv.url);
    assert.equal(after.get(limited('auth_per_ip')), before.get(limited('auth_per_ip')) + 1);
    assert.equal(after.get(limited('auth_per_socket')), 0);
  });
});

describe('request-rate-per-socket: request and reply messages of one socket', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--request-rate-per-socket', '3']);
  });
  after(() => srv?.stop());
  afterEach(() => pool.closeAll());

  test('past the limit the ack is {success:false, code:rate_limited}; other sockets are unharmed', TEST, async () => {
    const before = await metrics(srv.url);
    const viewer = await login(pool, srv.url, 'demo-viewer');
    const manager = await login(pool, srv.url, 'demo-manager');
    const delivered = collect(manager, 'REQUEST', 3, T);

    const send = (socket, to, n) =>
      emitAck(socket, T, 'request', { to: { employee: to }, request: 'ping', data: { n } }).then(([a]) => a);
    // Five at once: the socket's burst is three.
    const acks = await Promise.all([1, 2, 3, 4, 5].map((n) => send(viewer, 'emp-manager', n)));
    assert.deepEqual(acks.map((a) => a.success), [true, true, true, false, false], JSON.stringify(acks));
    for (const a of acks.slice(3)) {
      assert.deepEqual(Object.keys(a).sort(), ['code', 'message', 'success']);
      assert.equal(a.code, 'rate_limited');
    }
    const got = await delivered;
    assert.deepEqual(got.map(([r]) => r.data.n).sort(), [1, 2, 3]);

    // The other socket's budget is its own; the limited socket stays connected.
    const other = await send(manager, 'emp-viewer', 6);
    assert.equal(other.success, true, JSON.stringify(other));
    assert.ok(viewer.connected);

    const after = await metrics(srv.url);
    assert.equal(after.get(limited('requests_per_socket')), before.get(limited('requests_per_socket')) + 2);
    assert.equal(
      after.get('txrt_requests_total{kind="request",result="rate_limited"}'),
      before.get('txrt_requests_total{kind="request",result="rate_limited"}') + 2,
    );
  });
});

describe('behind a trusted proxy: limits per X-Forwarded-For address', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp([
      '--trusted-proxies', '127.0.0.1', '--max-connections-per-ip', '1',
      '--auth-rate-per-ip', '1', '--auth-rate-per-socket', '0',
    ]);
  });
  after(() => srv?.stop());
  afterEach(() => pool.closeAll());

  const via = (client) => ({ extraHeaders: { 'X-Forwarded-For': client } });

  test('the proxy is not limited as one address; each client behind it is', TEST, async () => {
    const before = await metrics(srv.url);
    // Every connection comes from the proxy (127.0.0.1): none is refused at accept. Sessions
    // count under the client's address, which may hold one.
    const a = await connected(pool.v4(srv.url, via('203.0.113.1')));
    const second = pool.v4(srv.url, via('203.0.113.1'));
    const [reason] = await once(second, 'disconnect', T, { rejectOn: ['connect'] });
    assert.equal(reason, 'transport close', 'the session over the limit is closed as it opens');
    const c = await connected(pool.v4(srv.url, via('203.0.113.2')));

    // authenticate attempts are counted per client address too (1 a minute here).
    assert.equal((await authenticate(a, { token: 'demo-viewer' })).ack.success, true);
    assert.equal((await authenticate(c, { token: 'demo-manager' })).ack.success, true);
    const refusal = await authenticateFails(a, [{ token: 'demo-owner' }]);
    assert.equal(refusal.ack.code, 'rate_limited');
    assert.equal((await subscribeOk(c, { type: 'PBX', customer: 'customer-north-2' })).ack.success, true);

    const after = await metrics(srv.url);
    assert.equal(after.get(limited('connections_per_ip')), before.get(limited('connections_per_ip')) + 1);
    assert.equal(after.get(limited('auth_per_ip')), before.get(limited('auth_per_ip')) + 1);
  });
});
