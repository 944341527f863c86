// POST /control (SPEC §3, §12): revocation without Redis. The body of the <prefix>control
// channel, guarded by the publish secret like POST /events; published on <prefix>control, which
// the built-in bus delivers to this node and Redis to every node. Matching sockets get
// `unauthorized {code:'revoked'}` and are disconnected; the others stay.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, RedisClient } from './lib/redis.mjs';
import { request, scrapeSamples } from './lib/http.mjs';
import { once, never, withTimeout } from './lib/wait.mjs';
import { startApp, socketPool, login, SECRET, QUIET_WINDOW, pollUntil, readyStatus } from './lib/app.mjs';

const TEST = { timeout: 15000 };

function postControl(url, body, { secret = SECRET } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (secret !== null) headers.authorization = `Bearer ${secret}`;
  return request(`${url}/control`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// Resolves once `socket` got `unauthorized` and then was disconnected by the server.
async function revoked(socket) {
  const [[event], [reason]] = await Promise.all([once(socket, 'unauthorized'), once(socket, 'disconnect')]);
  assert.deepEqual({ code: event.code, reason }, { code: 'revoked', reason: 'io server disconnect' });
}

async function stillConnected(sockets) {
  await Promise.all(sockets.map((s) => never(s, 'disconnect', QUIET_WINDOW)));
  for (const s of sockets) assert.equal(s.connected, true);
}

describe('POST /control on the built-in bus', () => {
  let srv;
  let closed; // no publish secret
  const pool = socketPool();
  before(async () => {
    [srv, closed] = await Promise.all([startApp(['--publish-secret', SECRET]), startApp()]);
  });
  after(async () => {
    pool.closeAll();
    await Promise.all([srv?.stop(), closed?.stop()]);
  });
  afterEach(() => pool.closeAll());

  test('revoke by employee disconnects every socket of that employee, and only those', TEST, async () => {
    const viewers = [await login(pool, srv.url, 'demo-viewer'), await login(pool, srv.url, 'demo-viewer')];
    const others = [await login(pool, srv.url, 'demo-owner'), await login(pool, srv.url, 'demo-manager')];
    const gone = viewers.map(revoked);
    const res = await postControl(srv.url, { revoke: { employee: 'emp-viewer' } });
    assert.equal(res.status, 202, res.body.toString());
    assert.deepEqual(JSON.parse(res.body), { success: true, message: 'published on rt:control' });
    await Promise.all(gone);
    await stillConnected(others);
  });

  test('revoke by token disconnects the sockets that used that token, and only those', TEST, async () => {
    const managers = [await login(pool, srv.url, 'demo-manager'), await login(pool, srv.url, 'demo-manager')];
    const others = [await login(pool, srv.url, 'demo-viewer'), await login(pool, srv.url, 'demo-owner')];
    const gone = managers.map(revoked);
    const res = await postControl(srv.url, { revoke: { token: 'demo-manager' } });
    assert.equal(res.status, 202, res.body.toString());
    await Promise.all(gone);
    await stillConnected(others);
    assert.ok(!srv.output().includes('demo-manager'), 'the token is not logged');
  });

  test('malformed and unauthorized requests are refused, nothing is revoked', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-viewer');
    const cases = [
      [{ revoke: { employee: 'emp-viewer' } }, null, 401],
      [{ revoke: { employee: 'emp-viewer' } }, 'wrong', 401],
      ['not json', SECRET, 400],
      [{ revoke: 'emp-viewer' }, SECRET, 400],
      [{ revoke: {} }, SECRET, 400],
      [{ revoke: { employee: 5 } }, SECRET, 400],
      [{ employee: 'emp-viewer' }, SECRET, 400],
      [JSON.stringify({ revoke: { employee: 'emp-viewer' }, pad: 'x'.repeat(70 * 1024) }), SECRET, 413],
    ];
    for (const [body, secret, status] of cases) {
      const res = await postControl(srv.url, body, { secret });
      assert.equal(res.status, status, `${JSON.stringify(body).slice(0, 60)}: ${res.status} ${res.body}`);
      assert.equal(JSON.parse(res.body).success, false);
      if (status === 400) assert.match(JSON.parse(res.body).message, /revoke/);
    }
    await stillConnected([socket]);
    const samples = await scrapeSamples(srv.url);
    assert.ok(samples.get('txrt_control_requests_total{result="invalid"}') >= 5);
    assert.ok(samples.get('txrt_control_requests_total{result="unauthorized"}') >= 2);
    assert.ok(samples.get('txrt_control_requests_total{result="too_large"}') >= 1);
  });

  test('without a publish secret the endpoint does not exist (404), like /events', TEST, async () => {
    const socket = await login(pool, closed.url, 'demo-viewer');
    const res = await postControl(closed.url, { revoke: { employee: 'emp-viewer' } });
    assert.equal(res.status, 404);
    await stillConnected([socket]);
  });

  test('GET /control: 405', TEST, async () => {
    const res = await request(`${srv.url}/control`, { headers: { authorization: `Bearer ${SECRET}` } });
    assert.equal(res.status, 405);
  });
});

describe('POST /control with Redis', () => {
  let redis;
  let a; // takes the POST
  let b; // another node on the same Redis
  const pool = socketPool();
  before(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([
      startApp(['--redis', redis.url, '--publish-secret', SECRET]),
      startApp(['--redis', redis.url]),
    ]);
    for (const srv of [a, b]) await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'ready');
  });
  after(async () => {
    pool.closeAll();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });
  afterEach(() => pool.closeAll());

  test('the body is published on rt:control unchanged and every node acts', TEST, async () => {
    const sub = await RedisClient.connect(redis.port);
    try {
      let wake;
      const arrived = new Promise((resolve) => (wake = resolve));
      sub.onPush = (m) => wake(m);
      await sub.command(['SUBSCRIBE', 'rt:control']);
      const onA = await login(pool, a.url, 'demo-viewer');
      const onB = await login(pool, b.url, 'demo-viewer');
      const other = await login(pool, b.url, 'demo-owner');
      const gone = [onA, onB].map(revoked);
      const body = '{ "revoke" : { "employee" : "emp-viewer" } }';
      const res = await postControl(a.url, body);
      assert.equal(res.status, 202, res.body.toString());
      assert.deepEqual(await withTimeout(arrived, 3000, 'the message on rt:control'), ['message', 'rt:control', body]);
      await Promise.all(gone);
      await stillConnected([other]);
    } finally {
      sub.close();
    }
  });

  test('a malformed body is not published', TEST, async () => {
    const sub = await RedisClient.connect(redis.port);
    try {
      const messages = [];
      sub.onPush = (m) => messages.push(m);
      await sub.command(['SUBSCRIBE', 'rt:control']);
      const res = await postControl(a.url, { revoke: { employee: null } });
      assert.equal(res.status, 400);
      await new Promise((r) => setTimeout(r, QUIET_WINDOW));
      assert.deepEqual(messages, []);
    } finally {
      sub.close();
    }
  });
});
