// The HTTP side of txrt-conformance: the socket.io client bundle (with ETag / 304), CORS
// preflight and simple requests under the different --cors-* settings, and 404s.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer } from './lib/server.mjs';
import { CONFORMANCE_BIN, ROOT } from './lib/values.mjs';
import { request } from './lib/http.mjs';

const DIST = path.join(ROOT, 'node_modules', 'socket.io-client', 'dist');
const TEST = { timeout: 10000 };

function preflight(srv, origin, method = 'POST') {
  return request(`${srv.url}/socket.io/?EIO=4&transport=polling`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': method },
  });
}

function handshake(srv, origin) {
  return request(`${srv.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } });
}

function varyHasOrigin(res) {
  return (res.headers.vary ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .includes('origin');
}

function assertAllowsMethod(res, method) {
  const allow = res.headers['access-control-allow-methods'];
  if (allow !== undefined) {
    assert.ok(
      allow.split(',').map((s) => s.trim().toUpperCase()).includes(method),
      `Access-Control-Allow-Methods "${allow}" lacks ${method}`,
    );
  }
}

const BUNDLES = [
  ['socket.io.js', /^application\/javascript/],
  ['socket.io.min.js', /^application\/javascript/],
  ['socket.io.esm.min.js', /^application\/javascript/],
  ['socket.io.js.map', /^application\/json/],
  ['socket.io.min.js.map', /^application\/json/],
  ['socket.io.esm.min.js.map', /^application\/json/],
];

describe('client bundle', () => {
  let srv;
  before(async () => {
    srv = await startServer(CONFORMANCE_BIN);
  });
  after(async () => {
    await srv?.stop();
  });

  for (const [file, type] of BUNDLES) {
    test(`GET /socket.io/${file} serves the npm file byte for byte, with an ETag`, TEST, async () => {
      const expected = await readFile(path.join(DIST, file));
      const res = await request(`${srv.url}/socket.io/${file}`);
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type'] ?? '', type);
      assert.ok(res.body.equals(expected), `body differs from ${file} (${res.body.length} vs ${expected.length} bytes)`);
      if (res.headers['content-length'] !== undefined) {
        assert.equal(Number(res.headers['content-length']), expected.length);
      }
      assert.ok(res.headers.etag, 'ETag header present');
    });
  }

  test('If-None-Match with the ETag gives 304 and no body', TEST, async () => {
    const first = await request(`${srv.url}/socket.io/socket.io.js`);
    const etag = first.headers.etag;
    assert.ok(etag);
    const res = await request(`${srv.url}/socket.io/socket.io.js`, { headers: { 'If-None-Match': etag } });
    assert.equal(res.status, 304);
    assert.equal(res.body.length, 0);

    const min = await request(`${srv.url}/socket.io/socket.io.min.js`);
    const minRes = await request(`${srv.url}/socket.io/socket.io.min.js`, { headers: { 'If-None-Match': min.headers.etag } });
    assert.equal(minRes.status, 304);
    assert.equal(minRes.body.length, 0);
  });

  test('If-None-Match with another ETag gives the full file', TEST, async () => {
    const expected = await readFile(path.join(DIST, 'socket.io.js'));
    const res = await request(`${srv.url}/socket.io/socket.io.js`, { headers: { 'If-None-Match': '"not-the-etag"' } });
    assert.equal(res.status, 200);
    assert.ok(res.body.equals(expected));
  });

  test('keep-alive: two bundle requests on one connection both succeed', TEST, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const get = () =>
        new Promise((resolve, reject) => {
          const req = http.get(`${srv.url}/socket.io/socket.io.min.js`, { agent, timeout: 5000 }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
          });
          req.on('timeout', () => req.destroy(new Error('timed out')));
          req.on('error', reject);
        });
      const expected = await readFile(path.join(DIST, 'socket.io.min.js'));
      const a = await get();
      const b = await get();
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.ok(a.body.equals(expected) && b.body.equals(expected));
    } finally {
      agent.destroy();
    }
  });

  test('an unknown file under /socket.io/ is not served', TEST, async () => {
    const res = await request(`${srv.url}/socket.io/foo.js`);
    assert.notEqual(res.status, 200);
  });

  test('an unknown path gives 404', TEST, async () => {
    const res = await request(`${srv.url}/no-such-path`);
    assert.equal(res.status, 404);
    const res2 = await request(`${srv.url}/socket.ioX/socket.io.js`);
    assert.equal(res2.status, 404);
  });
});

describe('CORS', () => {
  const servers = {};
  before(async () => {
    const start = (args) => startServer(CONFORMANCE_BIN, args);
    [servers.any, servers.list, servers.listCreds, servers.anyCreds] = await Promise.all([
      start(['--cors-origins', '*']),
      start(['--cors-origins', 'http://a.example,http://b.example']),
      start(['--cors-origins', 'http://a.example', '--cors-credentials', 'true']),
      start(['--cors-origins', '*', '--cors-credentials', 'true']),
    ]);
  });
  after(async () => {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  });

  test('origins "*": preflight 204 with Access-Control-Allow-Origin: *', TEST, async () => {
    const res = await preflight(servers.any, 'http://anything.example');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
    assertAllowsMethod(res, 'POST');
    const get = await preflight(servers.any, 'http://anything.example', 'GET');
    assert.equal(get.status, 204);
    assert.equal(get.headers['access-control-allow-origin'], '*');
  });

  test('origins "*": the polling handshake carries Access-Control-Allow-Origin: *', TEST, async () => {
    const res = await handshake(servers.any, 'http://anything.example');
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(res.body.toString(), /^0\{/);
  });

  test('origin list: an allowed origin is echoed with Vary: Origin', TEST, async () => {
    for (const origin of ['http://a.example', 'http://b.example']) {
      const res = await preflight(servers.list, origin);
      assert.equal(res.status, 204);
      assert.equal(res.headers['access-control-allow-origin'], origin);
      assert.ok(varyHasOrigin(res), `Vary: ${res.headers.vary}`);
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
      assertAllowsMethod(res, 'POST');
    }
    const hs = await handshake(servers.list, 'http://b.example');
    assert.equal(hs.status, 200);
    assert.equal(hs.headers['access-control-allow-origin'], 'http://b.example');
    assert.ok(varyHasOrigin(hs), `Vary: ${hs.headers.vary}`);
  });

  test('origin list: a disallowed origin gets no Access-Control-Allow-Origin', TEST, async () => {
    const res = await preflight(servers.list, 'http://evil.example');
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
    // A prefix/suffix of an allowed origin is not allowed either.
    const tricky = await preflight(servers.list, 'http://a.example.evil.example');
    assert.equal(tricky.headers['access-control-allow-origin'], undefined);
    const hs = await handshake(servers.list, 'http://evil.example');
    assert.equal(hs.headers['access-control-allow-origin'], undefined);
  });

  test('credentials: the origin is echoed with Access-Control-Allow-Credentials: true', TEST, async () => {
    const res = await preflight(servers.listCreds, 'http://a.example');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'http://a.example');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    const hs = await handshake(servers.listCreds, 'http://a.example');
    assert.equal(hs.status, 200);
    assert.equal(hs.headers['access-control-allow-origin'], 'http://a.example');
    assert.equal(hs.headers['access-control-allow-credentials'], 'true');
    const evil = await preflight(servers.listCreds, 'http://evil.example');
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
  });

  test('origins "*" with credentials: the origin is echoed, never "*"', TEST, async () => {
    const res = await preflight(servers.anyCreds, 'http://c.example');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'http://c.example');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.ok(varyHasOrigin(res), `Vary: ${res.headers.vary}`);
  });
});
