// Telecom X `authenticate` (SPEC §3) against the real txrt binary with the demo tokens file:
// success for every login level, every failure code, the disconnect after a failure, the
// authTimeout, and re-authentication.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once, never, emitAck } from './lib/wait.mjs';
import {
  T,
  DEMO,
  startApp,
  socketPool,
  connected,
  authenticate,
  authenticateFails,
  login,
  subscribeOk,
  subscribeFails,
  assertSubscribeFailed,
} from './lib/app.mjs';

const TEST = { timeout: 15000 };

describe('authenticate (auth=file, demo tokens)', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--auth-timeout-ms', '10000']);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => pool.closeAll());

  for (const [token, identity] of Object.entries(DEMO)) {
    test(`${token}: authenticated event and ack carry the identity`, TEST, async () => {
      const socket = await connected(pool.v4(srv.url));
      const { event, ack } = await authenticate(socket, { token });
      assert.deepEqual(event, identity);
      assert.deepEqual(ack, { success: true, ...identity });
      assert.equal(socket.connected, true);
    });
  }

  test('without an ack callback: only the authenticated event', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    const ev = once(socket, 'authenticated', T, { rejectOn: ['unauthorized', 'disconnect'] });
    socket.emit('authenticate', { token: 'demo-viewer' });
    assert.deepEqual((await ev)[0], DEMO['demo-viewer']);
  });

  test('optional client, instanceId and ip are accepted', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    const { ack } = await authenticate(socket, {
      token: 'demo-owner',
      client: 'integration-test',
      instanceId: 'inst-1',
      ip: '198.51.100.4',
    });
    assert.deepEqual(ack, { success: true, ...DEMO['demo-owner'] });
  });

  test('over long-polling (no WebSocket) too', TEST, async () => {
    const socket = await connected(pool.v4(srv.url, { transports: ['polling'] }));
    const { ack } = await authenticate(socket, { token: 'demo-manager' });
    assert.deepEqual(ack, { success: true, ...DEMO['demo-manager'] });
  });

  const FAILURES = [
    ['unknown token', [{ token: 'no-such-token' }], 'invalid_token'],
    ['demo-invalid (success:false)', [{ token: 'demo-invalid' }], 'invalid_token'],
    ['demo-bound from 127.0.0.1', [{ token: 'demo-bound' }], 'invalid_token'],
    ['demo-bound claiming the bound ip (client ip is informational)', [{ token: 'demo-bound', ip: '203.0.113.7' }], 'invalid_token'],
    ['demo-expired', [{ token: 'demo-expired' }], 'expired'],
    ['demo-nologin (NO_LOGIN)', [{ token: 'demo-nologin' }], 'credentials_invalid'],
    ['no token', [{ client: 'x' }], 'credentials_invalid'],
    ['empty token', [{ token: '' }], 'credentials_invalid'],
    ['token a number', [{ token: 42 }], 'credentials_invalid'],
    ['token null', [{ token: null }], 'credentials_invalid'],
    ['token an array', [{ token: ['demo-admin'] }], 'credentials_invalid'],
    ['payload a bare string', ['demo-admin'], 'credentials_invalid'],
    ['no payload at all', [], 'credentials_invalid'],
  ];
  for (const [name, args, code] of FAILURES) {
    test(`${name}: unauthorized {code:${code}}, ack {success:false}, then disconnect`, TEST, async () => {
      const socket = await connected(pool.v4(srv.url));
      const { event, ack, reason, order } = await authenticateFails(socket, args);
      assert.deepEqual(Object.keys(event).sort(), ['code', 'message']);
      assert.equal(event.code, code, `event: ${JSON.stringify(event)}`);
      assert.equal(typeof event.message, 'string');
      assert.equal(ack.success, false);
      assert.equal(ack.code, code);
      assert.equal(typeof ack.message, 'string');
      assert.equal(reason, 'io server disconnect');
      assert.deepEqual(order, ['unauthorized', 'disconnect'], 'unauthorized arrives before the disconnect');
      assert.equal(socket.connected, false);
    });
  }

  test('a failure without an ack callback: unauthorized event, then disconnect', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    const ev = once(socket, 'unauthorized', T, { rejectOn: ['authenticated'] });
    const gone = once(socket, 'disconnect', T);
    socket.emit('authenticate', { token: 'demo-expired' });
    assert.equal((await ev)[0].code, 'expired');
    assert.equal((await gone)[0], 'io server disconnect');
  });

  test('a failing socket does not affect another authenticated socket', TEST, async () => {
    const good = await login(pool, srv.url, 'demo-viewer');
    const bad = await connected(pool.v4(srv.url));
    const goodGone = never(good, 'disconnect', 500);
    await authenticateFails(bad, [{ token: 'nope' }]);
    await goodGone;
    const { ack } = await subscribeOk(good, { type: 'CALL', customer: 'customer-north-2' });
    assert.equal(ack.success, true);
  });

  test('authenticating again replaces the identity', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-viewer');
    // VIEWER may not hold ADMIN.
    assertSubscribeFailed(await subscribeFails(socket, { type: 'ADMIN' }), {
      type: 'ADMIN',
      customer: null,
      code: 'access_denied',
    });
    const { event, ack } = await authenticate(socket, { token: 'demo-admin' });
    assert.deepEqual(event, DEMO['demo-admin']);
    assert.deepEqual(ack, { success: true, ...DEMO['demo-admin'] });
    const sub = await subscribeOk(socket, { type: 'ADMIN' });
    assert.deepEqual(sub.ack, { success: true, type: 'ADMIN' });

    // And back down: ADMIN is denied again for the new identity.
    await authenticate(socket, { token: 'demo-personal' });
    assertSubscribeFailed(await subscribeFails(socket, { type: 'ADMIN:PBX' }), {
      type: 'ADMIN:PBX',
      customer: null,
      code: 'access_denied',
    });
    assertSubscribeFailed(await subscribeFails(socket, { type: 'CALL', customer: 'customer-north-2' }), {
      type: 'CALL',
      customer: 'customer-north-2',
      code: 'access_denied',
    });
  });

  test('a failed re-authentication disconnects an authenticated socket', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-owner');
    const { event, reason } = await authenticateFails(socket, [{ token: 'demo-invalid' }]);
    assert.equal(event.code, 'invalid_token');
    assert.equal(reason, 'io server disconnect');
  });

  test('many sockets authenticate concurrently, each with its own identity', TEST, async () => {
    const tokens = Object.keys(DEMO);
    const sockets = await Promise.all(tokens.map(() => connected(pool.v4(srv.url))));
    const results = await Promise.all(sockets.map((s, i) => authenticate(s, { token: tokens[i] })));
    results.forEach((r, i) => assert.deepEqual(r.event, DEMO[tokens[i]]));
  });
});

describe('authTimeout (--auth-timeout-ms 800)', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--auth-timeout-ms', '800']);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => pool.closeAll());

  test('an unauthenticated socket hears unauthorized {code:timeout}, then is disconnected; an authenticated one stays', TEST, async () => {
    const lazy = pool.v4(srv.url);
    const order = [];
    lazy.on('unauthorized', () => order.push('unauthorized'));
    lazy.on('disconnect', () => order.push('disconnect'));
    const unauthorized = once(lazy, 'unauthorized', 5000);
    const gone = once(lazy, 'disconnect', 5000);
    await connected(lazy);
    const started = Date.now();

    const diligent = await login(pool, srv.url, 'demo-viewer');
    let diligentGone = null;
    diligent.on('disconnect', (r) => (diligentGone = r));

    const [event] = await unauthorized;
    assert.equal(event.code, 'timeout');
    assert.equal(typeof event.message, 'string');
    const [reason] = await gone;
    const elapsed = Date.now() - started;
    assert.equal(reason, 'io server disconnect');
    assert.deepEqual(order, ['unauthorized', 'disconnect']);
    assert.ok(elapsed >= 500, `disconnected after ${elapsed} ms, before the 800 ms authTimeout`);
    assert.ok(elapsed < 4000, `disconnected only after ${elapsed} ms`);

    // The authenticated socket outlives the timeout (it connected at the same time).
    await never(diligent, 'disconnect', 600);
    assert.equal(diligentGone, null);
    assert.equal(diligent.connected, true);
    const { ack } = await subscribeOk(diligent, { type: 'REGISTER', customer: 'customer-north-2' });
    assert.equal(ack.success, true);
  });

  test('a refused subscribe before authenticating does not stop the auth timer', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    const started = Date.now();
    assertSubscribeFailed(await subscribeFails(socket, { type: 'PBX', customer: 'customer-north-2' }), {
      type: 'PBX',
      customer: 'customer-north-2',
      code: 'not_authenticated',
    });
    const unauthorized = once(socket, 'unauthorized', 5000);
    const gone = once(socket, 'disconnect', 5000);
    const [event] = await unauthorized;
    assert.equal(event.code, 'timeout');
    const [reason] = await gone;
    assert.equal(reason, 'io server disconnect');
    assert.ok(Date.now() - started < 4000);
  });

  test('authenticating before the timeout, with an ack, keeps the socket', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    const ack = await emitAck(socket, T, 'authenticate', { token: 'demo-admin' });
    assert.deepEqual(ack, [{ success: true, ...DEMO['demo-admin'] }]);
    await never(socket, 'disconnect', 1200);
    assert.equal(socket.connected, true);
  });
});
