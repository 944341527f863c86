// Operations (SPEC §8) against the real txrt binary: graceful shutdown on SIGTERM, SIGHUP
// reloading the tokens file and the log level, --check-config, GET /clients and JSON logs.
// Every wait is bounded.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once, withTimeout } from './lib/wait.mjs';
import { request } from './lib/http.mjs';
import {
  T,
  SECRET,
  TXRT_BIN,
  startApp,
  socketPool,
  connected,
  authenticate,
  login,
  subscribeOk,
  pollUntil,
} from './lib/app.mjs';

const TEST = { timeout: 20000 };

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-ops-'));
}

function tokensFile(tokens) {
  const entries = {};
  for (const t of tokens) {
    entries[t] = { employee: `emp-${t}`, customer: 'c1', accessLevel: 'VIEWER' };
  }
  return JSON.stringify({ customers: { c1: { name: 'C1', parent: null } }, tokens: entries });
}

function runTxrt(args) {
  return spawnSync(TXRT_BIN, args, { encoding: 'utf8', timeout: 10000 });
}

describe('graceful shutdown', () => {
  const pool = socketPool();
  after(() => pool.closeAll());

  test('SIGTERM: v4 and v2 clients see disconnect, the process exits 0 in time', TEST, async () => {
    const timeoutMs = 2000;
    const srv = await startApp(['--shutdown-timeout-ms', String(timeoutMs)]);
    try {
      const v4 = await login(pool, srv.url, 'demo-viewer');
      const v2 = await connected(pool.v2(srv.url));
      await authenticate(v2, { token: 'demo-admin' });
      const polling = await connected(pool.v4(srv.url, { transports: ['polling'] }));
      const seen = Promise.all([v4, v2, polling].map((s) => once(s, 'disconnect', T)));
      const started = Date.now();
      process.kill(srv.pid, 'SIGTERM');
      await seen;
      const { code, signal } = await withTimeout(srv.exited, timeoutMs + 1500, 'txrt exit');
      assert.equal(signal, null);
      assert.equal(code, 0, srv.output());
      assert.ok(Date.now() - started < timeoutMs + 1500);
      assert.match(srv.output(), /shutting down/);
    } finally {
      await srv.stop('SIGKILL');
    }
  });
});

describe('--check-config and --help', () => {
  const dir = tempDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a good file: "configuration OK", exit 0', TEST, () => {
    const file = path.join(dir, 'good.conf');
    fs.writeFileSync(file, 'listen = 127.0.0.1:0\nlog-format = json\nshutdown-timeout-ms = 3000\n');
    const r = runTxrt(['--check-config', '--config', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /configuration OK/);
  });

  const bad = [
    ['auth = http\n', /auth-url/],
    ['auth = http\nauth-url = ftp://example.com/\n', /auth-url/],
    ['redis = nonsense://x\n', /redis/],
    ['auth-file = /nonexistent/tokens.json\n', /auth-file/],
    ['ping-interval-ms = soon\n', /ping-interval-ms/],
    ['log-format = xml\n', /log-format/],
    ['listen = localhost:99999\n', /listen/],
  ];
  for (const [text, key] of bad) {
    test(`a bad file names the key: ${text.trim().replace(/\n/g, '; ')}`, TEST, () => {
      const file = path.join(dir, 'bad.conf');
      fs.writeFileSync(file, text);
      const r = runTxrt(['--check-config', '--config', file]);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, key);
      assert.doesNotMatch(r.stdout, /configuration OK/);
    });
  }

  test('--help lists every key with its default', TEST, () => {
    const r = runTxrt(['--help']);
    assert.equal(r.status, 0);
    // Options taking a value, less --config FILE (the one that is not a key).
    const keys = (r.stdout.match(/^ {2}--[a-z0-9-]+ [A-Z:]+/gm) ?? []).filter((k) => !k.includes('--config'));
    assert.ok(keys.length >= 25, r.stdout);
    for (const k of ['shutdown-timeout-ms', 'log-format', 'log-level', 'publish-secret', 'listen']) {
      assert.match(r.stdout, new RegExp(`--${k} `));
    }
    // Every key's paragraph carries "[default: ...; env TXRT_...]".
    const envs = r.stdout.replace(/\s+/g, ' ').match(/\[default: [^\]]*; env TXRT_[A-Z0-9_]+\]/g) ?? [];
    assert.equal(envs.length, keys.length, r.stdout);
  });
});

describe('SIGHUP', () => {
  const dir = tempDir();
  const pool = socketPool();
  let srv;
  const tokens = path.join(dir, 'tokens.json');
  const conf = path.join(dir, 'txrt.conf');
  before(async () => {
    fs.writeFileSync(tokens, tokensFile(['tok-old']));
    fs.writeFileSync(conf, `auth-file = ${tokens}\nlog-level = info\n`);
    srv = await startApp(['--config', conf]);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => pool.closeAll());

  test('reloads the tokens file: a new token works after the rewrite', TEST, async () => {
    await login(pool, srv.url, 'tok-old');
    fs.writeFileSync(tokens, tokensFile(['tok-old', 'tok-new']));
    process.kill(srv.pid, 'SIGHUP');
    await pollUntil(() => /tokens file .* reloaded: 2 tokens/.test(srv.output()), T, 'reload logged');
    const s = await login(pool, srv.url, 'tok-new');
    assert.ok(s.connected);
  });

  test('a bad file keeps the previous tokens and logs an error naming it', TEST, async () => {
    fs.writeFileSync(tokens, '{ not json');
    process.kill(srv.pid, 'SIGHUP');
    await pollUntil(() => srv.output().includes(`not reloaded, keeping the previous tokens: ${tokens}`), T,
      'error logged');
    await login(pool, srv.url, 'tok-new');
  });

  test('reloads the log level from the --config file', TEST, async () => {
    fs.writeFileSync(tokens, tokensFile(['tok-old']));
    fs.writeFileSync(conf, `auth-file = ${tokens}\nlog-level = debug\n`);
    process.kill(srv.pid, 'SIGHUP');
    await pollUntil(() => /log-level changed from info to debug/.test(srv.output()), T, 'level change logged');
  });
});

describe('GET /clients', () => {
  const pool = socketPool();
  let srv;
  before(async () => {
    srv = await startApp(['--publish-secret', SECRET]);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });

  test('lists the connected sockets (bearer secret or ADMIN token), 401 otherwise', TEST, async () => {
    const a = await login(pool, srv.url, 'demo-viewer');
    await subscribeOk(a, { type: 'PBX', customer: 'customer-north-2' });
    const b = await connected(pool.v2(srv.url));
    await authenticate(b, { token: 'demo-admin', client: 'ops-test', instanceId: 'i-1', ip: '10.1.2.3' });

    const res = await request(`${srv.url}/clients`, { headers: { authorization: `Bearer ${SECRET}` } });
    assert.equal(res.status, 200, String(res.body));
    const list = JSON.parse(res.body);
    assert.equal(list.length, 2, String(res.body));
    const viewer = list.find((c) => c.employee === 'emp-viewer');
    assert.equal(viewer.customer, 'customer-north-2');
    assert.equal(viewer.accessLevel, 'VIEWER');
    assert.equal(viewer.transport, 'websocket');
    assert.equal(viewer.remoteAddress, '127.0.0.1');
    assert.ok(!Number.isNaN(Date.parse(viewer.connected)), viewer.connected);
    assert.deepEqual(viewer.subscriptions, [{ type: 'PBX', customer: 'customer-north-2' }]);
    const admin = list.find((c) => c.employee === 'emp-admin');
    assert.equal(admin.accessLevel, 'ADMIN');
    assert.equal(admin.client, 'ops-test');
    assert.equal(admin.instanceId, 'i-1');
    assert.equal(admin.ip, '10.1.2.3');
    assert.deepEqual(admin.subscriptions, []);

    const asAdmin = await request(`${srv.url}/clients`, { headers: { authorization: 'Token demo-admin' } });
    assert.equal(asAdmin.status, 200);
    assert.equal(JSON.parse(asAdmin.body).length, 2);

    for (const authorization of [undefined, 'Bearer wrong', 'Token demo-viewer', 'Token nope']) {
      const headers = authorization ? { authorization } : {};
      const r = await request(`${srv.url}/clients`, { headers });
      assert.equal(r.status, 401, `${authorization}: ${r.status}`);
    }
  });

  test('404 when no publish-secret is set', TEST, async () => {
    const other = await startApp([]);
    try {
      const r = await request(`${other.url}/clients`, { headers: { authorization: `Bearer ${SECRET}` } });
      assert.equal(r.status, 404);
    } finally {
      await other.stop();
    }
  });
});

describe('log-format json', () => {
  const pool = socketPool();
  after(() => pool.closeAll());

  test('every line is one JSON object with time, level and message; no token', TEST, async () => {
    const srv = await startApp(['--log-format', 'json']);
    let result;
    try {
      await login(pool, srv.url, 'demo-admin');
      pool.closeAll();
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      result = await srv.stop();
    }
    assert.equal(result.code, 0);
    const lines = srv.output().split('\n').filter((l) => l.length > 0);
    assert.ok(lines.length >= 3, srv.output());
    for (const line of lines) {
      const entry = JSON.parse(line);
      assert.deepEqual(Object.keys(entry), ['time', 'level', 'message'], line);
      assert.ok(!Number.isNaN(Date.parse(entry.time)), entry.time);
    }
    assert.ok(lines.some((l) => JSON.parse(l).message.startsWith('listening on')));
    assert.doesNotMatch(srv.output(), /demo-admin/);
  });
});
