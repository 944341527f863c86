// auth=http (SPEC §3): txrt asks a Telecom X-like /auth/validateToken endpoint, here a local
// node:http server: GET <url>?token=…&ip=… → 200 {success, employee, customer, accessLevel}
// for a known token, 401/403 otherwise. Also: the `ip` the validator is given is the address
// the server sees; a validator that never answers, or cannot be reached, gives `unavailable`
// well before authTimeout.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { freePort } from './lib/redis.mjs';
import {
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
const SPECIAL_TOKEN = 'tok with spaces/&=?#%é+😀';

const IDENTITIES = {
  'h-viewer': { success: true, employee: 'hv', customer: 'customer-north-2', accessLevel: 'VIEWER', name: 'H Viewer' },
  'h-admin': { success: true, employee: 'ha', customer: 'telecomx', accessLevel: 'ADMIN' },
  'h-reseller': { success: true, employee: 'hr', customer: 'reseller-north', accessLevel: 'RESELLER' },
  'h-nologin': { success: true, employee: 'hn', customer: 'customer-north-2', accessLevel: 'NO_LOGIN' },
  'h-false': { success: false },
  [SPECIAL_TOKEN]: { success: true, employee: 'hs', customer: 'customer-south-1', accessLevel: 'OWNER' },
};

// The fake Telecom X validation endpoint. Records every request it gets.
function startValidator() {
  const seen = [];
  const hanging = new Set();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const entry = { method: req.method, path: url.pathname, token: url.searchParams.get('token'), ip: url.searchParams.get('ip') };
    seen.push(entry);
    if (url.pathname === '/hang') {
      hanging.add(res); // never answered
      return;
    }
    if (url.pathname !== '/auth/validateToken' || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    if (entry.token === 'h-401') {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"success":false}');
      return;
    }
    const identity = IDENTITIES[entry.token];
    if (!identity) {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"success":false,"message":"invalid token"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(identity));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        seen,
        close() {
          for (const res of hanging) res.destroy();
          server.closeAllConnections?.();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}

describe('auth=http', () => {
  let validator;
  let srv; // --auth-url …/auth/validateToken
  let hangSrv; // --auth-url …/hang
  let downSrv; // --auth-url to a closed port
  const pool = socketPool();
  before(async () => {
    validator = await startValidator();
    const closedPort = await freePort();
    [srv, hangSrv, downSrv] = await Promise.all([
      startApp(['--auth', 'http', '--auth-url', `${validator.url}/auth/validateToken`]),
      startApp(['--auth', 'http', '--auth-url', `${validator.url}/hang`, '--auth-timeout-ms', '10000', '--validator-timeout-ms', '1000']),
      startApp(['--auth', 'http', '--auth-url', `http://127.0.0.1:${closedPort}/auth/validateToken`, '--auth-timeout-ms', '10000']),
    ]);
  });
  after(async () => {
    pool.closeAll();
    await Promise.all([srv?.stop(), hangSrv?.stop(), downSrv?.stop()]);
    await validator?.close();
  });
  afterEach(() => pool.closeAll());

  test('a known token authenticates; the validator gets the token and the peer address as ip', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    const before = validator.seen.length;
    const { event, ack } = await authenticate(socket, { token: 'h-viewer', ip: '198.51.100.77', client: 'test' });
    const who = { employee: 'hv', customer: 'customer-north-2', accessLevel: 'VIEWER' };
    assert.deepEqual(event, who);
    assert.deepEqual(ack, { success: true, ...who });
    const calls = validator.seen.slice(before);
    assert.ok(calls.length >= 1, 'the validator was asked');
    for (const call of calls) assert.deepEqual(call, { method: 'GET', path: '/auth/validateToken', token: 'h-viewer', ip: '127.0.0.1' });
    // The identity is used for subscriptions (directory from the demo file).
    assert.equal((await subscribeOk(socket, { type: 'CALL', customer: 'customer-north-2' })).ack.success, true);
    assertSubscribeFailed(await subscribeFails(socket, { type: 'CALL', customer: 'customer-north-1a' }), {
      type: 'CALL',
      customer: 'customer-north-1a',
      code: 'access_denied',
    });
  });

  test('a token with reserved and non-ASCII characters reaches the validator intact', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    const before = validator.seen.length;
    const { ack } = await authenticate(socket, { token: SPECIAL_TOKEN });
    assert.deepEqual(ack, { success: true, employee: 'hs', customer: 'customer-south-1', accessLevel: 'OWNER' });
    const calls = validator.seen.slice(before);
    assert.ok(calls.length >= 1, 'the validator was asked');
    assert.equal(calls[0].token, SPECIAL_TOKEN);
    assert.equal(calls[0].ip, '127.0.0.1');
  });

  test('ADMIN and RESELLER identities from the validator get their rights', TEST, async () => {
    const admin = await login(pool, srv.url, 'h-admin');
    assert.deepEqual((await subscribeOk(admin, { type: 'ADMIN' })).ack, { success: true, type: 'ADMIN' });
    const reseller = await login(pool, srv.url, 'h-reseller');
    assert.equal((await subscribeOk(reseller, { type: 'PBX', customer: 'customer-north-1a' })).ack.success, true);
    assertSubscribeFailed(await subscribeFails(reseller, { type: 'PBX', customer: 'customer-south-1' }), {
      type: 'PBX',
      customer: 'customer-south-1',
      code: 'access_denied',
    });
  });

  for (const [token, code, why] of [
    ['h-unknown', 'invalid_token', '403'],
    ['h-401', 'invalid_token', '401'],
    ['h-false', 'invalid_token', '200 {success:false}'],
    ['h-nologin', 'credentials_invalid', 'NO_LOGIN'],
  ]) {
    test(`${why} from the validator: ${code}, then disconnect`, TEST, async () => {
      const socket = await connected(pool.v4(srv.url));
      const before = validator.seen.length;
      const { event, ack, reason } = await authenticateFails(socket, [{ token }]);
      assert.equal(event.code, code, JSON.stringify(event));
      assert.equal(ack.code, code);
      assert.equal(reason, 'io server disconnect');
      assert.ok(validator.seen.slice(before).some((c) => c.token === token), 'the validator was asked');
    });
  }

  test('malformed payloads are refused without asking the validator', TEST, async () => {
    const before = validator.seen.length;
    for (const payload of [{}, { token: '' }, { token: 5 }]) {
      const socket = await connected(pool.v4(srv.url));
      const { event } = await authenticateFails(socket, [payload]);
      assert.equal(event.code, 'credentials_invalid');
    }
    assert.equal(validator.seen.length, before);
  });

  test('a validator that never answers: unavailable well before authTimeout', TEST, async () => {
    const socket = await connected(pool.v4(hangSrv.url));
    const before = validator.seen.filter((c) => c.path === '/hang').length;
    const started = Date.now();
    const { event, ack, reason } = await authenticateFails(socket, [{ token: 'h-viewer' }], 8000);
    const elapsed = Date.now() - started;
    assert.equal(event.code, 'unavailable', JSON.stringify(event));
    assert.equal(ack.code, 'unavailable');
    assert.equal(reason, 'io server disconnect');
    assert.ok(elapsed < 5000, `unavailable after ${elapsed} ms (authTimeout 10000 ms, validator timeout 1000 ms)`);
    assert.ok(validator.seen.filter((c) => c.path === '/hang').length > before, 'the validator was asked');
  });

  test('a validator that cannot be reached: unavailable at once', TEST, async () => {
    const socket = await connected(pool.v4(downSrv.url));
    const started = Date.now();
    const { event, ack, reason } = await authenticateFails(socket, [{ token: 'h-viewer' }], 8000);
    const elapsed = Date.now() - started;
    assert.equal(event.code, 'unavailable', JSON.stringify(event));
    assert.equal(ack.code, 'unavailable');
    assert.equal(reason, 'io server disconnect');
    assert.ok(elapsed < 5000, `unavailable after ${elapsed} ms (authTimeout 10000 ms)`);
  });
});
