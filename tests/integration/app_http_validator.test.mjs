// auth=http (SPEC §3): txrt asks a Telecom X-like /auth/validateToken endpoint, here a local
// node:http server: GET <url>?token=…&ip=… → 200 {success, employee, customer, accessLevel}
// for a known token, 401/403 otherwise. Also: the `ip` the validator is given is the address
// the server sees; a validator that never answers, or cannot be reached, gives `unavailable`
// well before authTimeout. The same over https://, with a CA and a server certificate made
// here with the openssl CLI: a certificate that verifies works, one that does not is
// `unavailable`.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { freePort } from './lib/redis.mjs';
import {
  startApp,
  TXRT_BIN,
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

// The fake Telecom X validation endpoint. Records every request it gets. `tls` ({key, cert}):
// served over https.
function startValidator(tls = null) {
  const seen = [];
  const hanging = new Set();
  const handler = (req, res) => {
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
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        port,
        url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
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

// A CA, a server certificate it signs for 127.0.0.1 and localhost, and an unrelated CA, made
// with the openssl CLI in `dir` (P-256 keys: quick to make).
function makeCertificates(dir) {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const name of ['ca', 'other-ca'])
    run('req', '-x509', ...key, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=txrt test ${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  run('req', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem',
    '-days', '2', '-extfile', 'ext.cnf');
  // Signed by the right CA, for another host: a chain that verifies is not enough.
  fs.writeFileSync(path.join(dir, 'elsewhere.cnf'), 'subjectAltName=DNS:elsewhere.example\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'elsewhere.pem',
    '-days', '2', '-extfile', 'elsewhere.cnf');
  const read = (f) => fs.readFileSync(path.join(dir, f));
  return {
    ca: path.join(dir, 'ca.pem'),
    otherCa: path.join(dir, 'other-ca.pem'),
    key: read('server.key'),
    cert: read('server.pem'),
    elsewhereCert: read('elsewhere.pem'),
  };
}

describe('auth=http over https://', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-https-'));
  let certs;
  let validator;
  let elsewhere; // a validator whose certificate names another host
  let srv; // --auth-ca-file ca.pem
  let wrongSrv; // --auth-ca-file other-ca.pem
  let nameSrv; // ca.pem, validator `elsewhere`
  const pool = socketPool();
  before(async () => {
    certs = makeCertificates(dir);
    validator = await startValidator({ key: certs.key, cert: certs.cert });
    elsewhere = await startValidator({ key: certs.key, cert: certs.elsewhereCert });
    const url = `${validator.url}/auth/validateToken`;
    [srv, wrongSrv, nameSrv] = await Promise.all([
      startApp(['--auth', 'http', '--auth-url', url, '--auth-ca-file', certs.ca]),
      startApp(['--auth', 'http', '--auth-url', url, '--auth-ca-file', certs.otherCa, '--auth-timeout-ms', '10000']),
      startApp(['--auth', 'http', '--auth-url', `${elsewhere.url}/auth/validateToken`, '--auth-ca-file', certs.ca]),
    ]);
  });
  after(async () => {
    pool.closeAll();
    await Promise.all([srv?.stop(), wrongSrv?.stop(), nameSrv?.stop()]);
    await Promise.all([validator?.close(), elsewhere?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => pool.closeAll());

  test('a certificate that verifies against auth-ca-file: the token is validated over TLS', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    const before = validator.seen.length;
    const { ack } = await authenticate(socket, { token: 'h-viewer' });
    assert.deepEqual(ack, { success: true, employee: 'hv', customer: 'customer-north-2', accessLevel: 'VIEWER' });
    assert.equal(validator.seen[before].token, 'h-viewer');
    const { event } = await authenticateFails(await connected(pool.v4(srv.url)), [{ token: 'h-401' }]);
    assert.equal(event.code, 'invalid_token');
  });

  test('a certificate from another CA: unavailable, the token never sent, logged once', TEST, async () => {
    const before = validator.seen.length;
    for (let i = 0; i < 2; i++) {
      const { event, reason } = await authenticateFails(await connected(pool.v4(wrongSrv.url)), [{ token: 'h-viewer' }], 8000);
      assert.equal(event.code, 'unavailable', JSON.stringify(event));
      assert.equal(reason, 'io server disconnect');
    }
    assert.equal(validator.seen.length, before, 'no request reached the validator');
    const lines = wrongSrv.output().split('\n').filter((l) => /TLS handshake/.test(l));
    assert.equal(lines.length, 1, wrongSrv.output());
    assert.match(lines[0], /certificate/);
    assert.doesNotMatch(wrongSrv.output(), /h-viewer/);
  });

  test('a certificate from the right CA that names another host: unavailable', TEST, async () => {
    const { event } = await authenticateFails(await connected(pool.v4(nameSrv.url)), [{ token: 'h-viewer' }], 8000);
    assert.equal(event.code, 'unavailable', JSON.stringify(event));
    assert.equal(elsewhere.seen.length, 0, 'no request reached the validator');
    assert.match(nameSrv.output(), /TLS handshake with 127\.0\.0\.1 failed: .*does not name 127\.0\.0\.1/);
  });

  test('--check-config accepts an https auth-url and checks auth-ca-file', TEST, () => {
    const check = (...args) => spawnSync(TXRT_BIN, ['--check-config', '--auth', 'http', ...args], { encoding: 'utf8', timeout: 10000 });
    const ok = check('--auth-url', 'https://127.0.0.1:1/v', '--auth-ca-file', certs.ca);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal(check('--auth-url', 'https://auth.example/v').status, 0, 'the system CA store');
    for (const bad of [path.join(dir, 'missing.pem'), path.join(dir, 'ext.cnf')]) {
      const r = check('--auth-url', 'https://127.0.0.1:1/v', '--auth-ca-file', bad);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /auth-ca-file/);
    }
  });
});
