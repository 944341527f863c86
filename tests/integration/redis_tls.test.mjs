// Redis over TLS (issue 17): a test CA and certificates made here with `openssl`, Debian's
// redis-server listening on a TLS port only (--port 0 --tls-port N), txrt connected with
// rediss:// and redis-tls-ca-file. A TLS client PUBLISHes: the event reaches a subscribed
// socket.io client, and an authenticate writes the employee -> customer hash over TLS. A wrong
// CA is refused at connect with a clear log line and the node stays not-ready; a server that
// demands client certificates takes txrt's redis-tls-cert-file / redis-tls-key-file, and keeps
// a txrt without them not-ready. With Sentinel (redis-tls true) the sentinel and the master are
// both reached over TLS. Start-up refuses TLS files that cannot be used (exit 2).
// Every wait is bounded; every process is stopped by its PID.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from './lib/wait.mjs';
import { startRedis, RedisClient, freePort } from './lib/redis.mjs';
import {
  T, TXRT_BIN, startApp, socketPool, login, subscribeOk, pollUntil, readyStatus,
} from './lib/app.mjs';

const TEST = { timeout: 30000 };
const C = 'customer-north-2';
const NOT_READY_MS = 2500; // a wrong certificate: /ready is watched this long (several retries)

function openssl(dir, args) {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr || r.error}`);
}

// A CA, and a certificate it signs for `cn` with `san`; EC keys (fast to make).
function makeCa(dir, name) {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=txrt test ${name}`]);
  return path.join(dir, `${name}.crt`);
}
function makeCert(dir, ca, name, ext) {
  fs.writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`,
    '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

// redis-server with TLS only: its plain port is 0 (off).
async function startTlsRedis(files, { authClients = false } = {}) {
  const tlsPort = await freePort();
  const redis = await startRedis(undefined, {
    args: ['--port', '0', '--tls-port', String(tlsPort), '--tls-cert-file', files.server.cert,
      '--tls-key-file', files.server.key, '--tls-ca-cert-file', files.ca,
      '--tls-auth-clients', authClients ? 'yes' : 'no'],
  });
  return { redis, port: tlsPort, url: `rediss://127.0.0.1:${tlsPort}` };
}

function tlsClient(files, port, withCert = false) {
  const read = (f) => fs.readFileSync(f);
  return RedisClient.connectTls(port, {
    ca: read(files.ca),
    ...(withCert ? { cert: read(files.client.cert), key: read(files.client.key) } : {}),
  });
}

// One redis-sentinel on a TLS port only, monitoring the TLS master on `masterPort` (quorum 1;
// tls-replication: it talks TLS to the master too). Resolves once it names the master.
async function startTlsSentinel(dir, files, masterPort) {
  const port = await freePort();
  const conf = path.join(dir, `sentinel-${port}.conf`);
  fs.writeFileSync(conf, [
    'port 0', `tls-port ${port}`, 'bind 127.0.0.1', 'daemonize no', `dir ${dir}`,
    `tls-cert-file ${files.server.cert}`, `tls-key-file ${files.server.key}`,
    `tls-ca-cert-file ${files.ca}`, 'tls-auth-clients no', 'tls-replication yes',
    `sentinel monitor tlsmaster 127.0.0.1 ${masterPort} 1`, '',
  ].join('\n'));
  const child = spawn('redis-sentinel', [conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGKILL');
    return exited;
  };
  try {
    await pollUntil(async () => {
      if (child.exitCode !== null) throw new Error(`redis-sentinel exited:\n${output}`);
      const c = await tlsClient(files, port);
      try {
        const addr = await c.command(['SENTINEL', 'get-master-addr-by-name', 'tlsmaster'], 2000);
        return Array.isArray(addr) && Number(addr[1]) === masterPort;
      } finally {
        c.close();
      }
    }, 10000, `redis-sentinel on TLS port ${port} names the master`, 100);
  } catch (err) {
    await stop();
    throw new Error(`${err.message}\n${output}`);
  }
  return { port, stop };
}

// /ready stays 503 for `ms` (sampled: nothing announces that it did not change).
async function staysNotReady(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    assert.equal(await readyStatus(url), 503, 'GET /ready while Redis refuses us');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('Redis over TLS', () => {
  let dir;
  const files = {};
  const stops = [];
  const pool = socketPool();

  before(() => {
    const v = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
    assert.equal(v.status, 0, 'redis-server is installed');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-redis-tls-'));
    files.ca = makeCa(dir, 'ca');
    files.wrongCa = makeCa(dir, 'wrong-ca');
    files.server = makeCert(dir, 'ca', 'server',
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
    files.client = makeCert(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth');
    // A certificate for another name: verifies against the CA, but does not name 127.0.0.1.
    files.otherName = makeCert(dir, 'ca', 'other', 'subjectAltName=DNS:redis.example.org');
  });
  after(async () => {
    pool.closeAll();
    for (const stop of stops.reverse()) await stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('rediss:// with the CA: ready, events published over TLS arrive, the kv store works', TEST, async () => {
    const { redis, port, url } = await startTlsRedis(files);
    stops.push(() => redis.stop());
    const srv = await startApp(['--redis', url, '--redis-tls-ca-file', files.ca]);
    stops.push(() => srv.stop());
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'GET /ready 200 over TLS');
    assert.match(srv.output(), new RegExp(`connected to 127\\.0\\.0\\.1:${port}`));

    const pub = await tlsClient(files, port);
    stops.push(() => pub.close());
    const socket = await login(pool, srv.url, 'demo-viewer');
    await subscribeOk(socket, { type: 'CALL', customer: C });
    const got = once(socket, 'CALL', T);
    const event = { event: 'CALL_START', id: `tls-${process.pid}`, data: { over: 'tls' } };
    const receivers = await pub.publish(`rt:event:CALL:${C}`, JSON.stringify(event));
    assert.ok(receivers >= 1, 'txrt subscribes over TLS');
    assert.deepEqual((await got)[0], event);

    // authenticate recorded the employee's customer in Redis, through the TLS command connection.
    const customer = await pollUntil(
      () => pub.command(['HGET', 'rt:employee:customer', 'emp-viewer']), T, 'employee hash written');
    assert.equal(customer, C);
    assert.doesNotMatch(srv.output(), /TLS handshake .* failed/);
  });

  test('a wrong CA is refused at connect with a clear log line; /ready stays 503', TEST, async () => {
    const { redis, port, url } = await startTlsRedis(files);
    stops.push(() => redis.stop());
    const srv = await startApp(['--redis', url, '--redis-tls-ca-file', files.wrongCa]);
    stops.push(() => srv.stop());
    const line = new RegExp(`TLS handshake with 127\\.0\\.0\\.1:${port} failed: certificate verify failed`);
    await pollUntil(() => line.test(srv.output()), 10000, 'the TLS failure logged');
    await staysNotReady(srv.url, NOT_READY_MS);
    assert.doesNotMatch(srv.output(), /connected to 127/);
    // Logged once per outage, not on every retry: one line per connection (the bus' subscriber,
    // and a command connection per loop), each connection named once.
    const lines = srv.output().split('\n').filter((l) => /TLS handshake with/.test(l));
    const names = lines.map((l) => /redis (\S+):/.exec(l)?.[1]);
    assert.ok(lines.length >= 1 && new Set(names).size === names.length,
      `one line per connection, not per retry:\n${lines.join('\n')}`);
  });

  test('a certificate that does not name the address is refused', TEST, async () => {
    const { redis, port, url } = await startTlsRedis({ ...files, server: files.otherName });
    stops.push(() => redis.stop());
    const srv = await startApp(['--redis', url, '--redis-tls-ca-file', files.ca]);
    stops.push(() => srv.stop());
    const line = new RegExp(`TLS handshake with 127\\.0\\.0\\.1:${port} failed: certificate verify failed`);
    await pollUntil(() => line.test(srv.output()), 10000, 'the host mismatch logged');
    await staysNotReady(srv.url, 1000);
  });

  test('client certificates: taken with redis-tls-cert-file/-key-file, not-ready without', TEST, async () => {
    const { redis, port, url } = await startTlsRedis(files, { authClients: true });
    stops.push(() => redis.stop());
    const withCert = await startApp(['--redis', url, '--redis-tls-ca-file', files.ca,
      '--redis-tls-cert-file', files.client.cert, '--redis-tls-key-file', files.client.key]);
    stops.push(() => withCert.stop());
    const without = await startApp(['--redis', url, '--redis-tls-ca-file', files.ca]);
    stops.push(() => without.stop());
    await pollUntil(async () => (await readyStatus(withCert.url)) === 200, 10000, 'ready with a client cert');

    const pub = await tlsClient(files, port, true);
    stops.push(() => pub.close());
    const socket = await login(pool, withCert.url, 'demo-owner');
    await subscribeOk(socket, { type: 'PBX', customer: C });
    const got = once(socket, 'PBX', T);
    const event = { event: 'PBX_UP', id: `mtls-${process.pid}` };
    await pub.publish(`rt:event:PBX:${C}`, JSON.stringify(event));
    assert.deepEqual((await got)[0], event);

    await staysNotReady(without.url, NOT_READY_MS);
    assert.doesNotMatch(without.output(), /connected to 127/);
  });

  test('Sentinel over TLS (redis-tls true): sentinel and master both TLS', TEST, async () => {
    const { redis, port } = await startTlsRedis(files);
    stops.push(() => redis.stop());
    const sentinel = await startTlsSentinel(dir, files, port);
    stops.push(() => sentinel.stop());
    const srv = await startApp(['--redis-sentinels', `127.0.0.1:${sentinel.port}`,
      '--redis-master-name', 'tlsmaster', '--redis-tls', 'true', '--redis-tls-ca-file', files.ca]);
    stops.push(() => srv.stop());
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'ready through a TLS sentinel');
    assert.match(srv.output(), new RegExp(`connected to 127\\.0\\.0\\.1:${port} \\(master\\)`));

    const pub = await tlsClient(files, port);
    stops.push(() => pub.close());
    const socket = await login(pool, srv.url, 'demo-manager');
    await subscribeOk(socket, { type: 'CONFIG', customer: C });
    const got = once(socket, 'CONFIG', T);
    const event = { event: 'USER_UPDATED', id: `sentinel-tls-${process.pid}` };
    await pub.publish(`rt:event:CONFIG:${C}`, JSON.stringify(event));
    assert.deepEqual((await got)[0], event);
  });

  test('start-up refuses TLS files that cannot be used (exit 2)', TEST, () => {
    const run = (args) => spawnSync(TXRT_BIN, ['--check-config', ...args], { encoding: 'utf8', timeout: 10000 });
    const cases = [
      [['--redis', 'rediss://127.0.0.1:1', '--redis-tls-ca-file', path.join(dir, 'missing.crt')],
        /redis-tls-ca-file: cannot read/],
      [['--redis', 'rediss://127.0.0.1:1', '--redis-tls-ca-file', files.server.key],
        /redis-tls-ca-file: .* holds no PEM certificate/],
      [['--redis', 'rediss://127.0.0.1:1', '--redis-tls-cert-file', files.client.cert],
        /redis-tls-cert-file: needs redis-tls-key-file/],
      [['--redis', 'rediss://127.0.0.1:1', '--redis-tls-cert-file', files.client.cert,
        '--redis-tls-key-file', files.server.key], /redis-tls-key-file: .* is not the key/],
      [['--redis', 'redis://127.0.0.1:1', '--redis-tls-ca-file', files.ca], /redis-tls-ca-file: only with TLS/],
      [['--redis', 'rediss://127.0.0.1:1', '--redis-tls', 'true'], /redis-tls: only with redis-sentinels/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      assert.equal(r.status, 2, `--check-config ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout + r.stderr, message);
    }
    // And a real start (not only --check-config) exits 2 with the message.
    const r = spawnSync(TXRT_BIN, ['--listen', '127.0.0.1:0', '--redis', 'rediss://127.0.0.1:1',
      '--redis-tls-ca-file', path.join(dir, 'missing.crt')], { encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /redis-tls-ca-file: cannot read/);
    const ok = run(['--redis', 'rediss://127.0.0.1:1', '--redis-tls-ca-file', files.ca,
      '--redis-tls-cert-file', files.client.cert, '--redis-tls-key-file', files.client.key]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  });
});
