// Tenant isolation (SPEC §3, §5) against the real txrt binary with the real socket.io-client:
// the per-socket subscription bounds, re-authentication as the same employee, client strings
// in logs and REALTIME events, and the start-up refusals (demo tokens on a public address,
// CORS credentials with any origin). Every wait is bounded.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  TXRT_BIN,
  T,
  SECRET,
  startApp,
  socketPool,
  connected,
  authenticate,
  login,
  subscribeOk,
  subscribeFails,
  assertSubscribeFailed,
  publish,
  makeEvent,
  Recorder,
} from './lib/app.mjs';
import { emitAck, once } from './lib/wait.mjs';
import { request, scrapeSamples } from './lib/http.mjs';
import { ROOT } from './lib/values.mjs';

const TEST = { timeout: 30000 };

// Answers of `count` subscribes emitted back to back, without waiting in between.
function burst(socket, subs, verb = 'subscribe') {
  return Promise.all(subs.map((s) => emitAck(socket, T, verb, s).then(([ack]) => ack)));
}

function tally(acks) {
  const out = {};
  for (const a of acks) {
    const k = a.success ? 'ok' : a.code;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

describe('per-socket subscription bounds (SPEC §5)', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--subscribe-rate-per-socket', '0']);
  });
  after(() => srv?.stop());
  afterEach(() => pool.closeAll());

  test('past max-subscriptions-per-socket (100): limit_reached; an identical one is still subscribed', TEST, async () => {
    const s = await login(pool, srv.url, 'demo-personal');
    // The review's 20 000 small subscriptions, in short: 200 at once.
    const subs = Array.from({ length: 200 }, (_, i) => ({ type: 'PBX', customer: 'customer-north-2', events: [`E${i}`] }));
    const acks = await burst(s, subs);
    assert.deepEqual(tally(acks), { ok: 100, limit_reached: 100 });
    const again = await subscribeOk(s, subs[7]);
    assert.deepEqual(again.event, subs[7]);
    const more = await subscribeFails(s, { type: 'CONFIG', customer: 'customer-north-2' });
    assertSubscribeFailed(more, { type: 'CONFIG', customer: 'customer-north-2', code: 'limit_reached' });
    assert.equal(s.connected, true);
    const m = await scrapeSamples(srv.url);
    assert.ok(m.get('txrt_limited_total{limit="subscriptions_per_socket"}') >= 101);
  });

  test('events/types: at most 256 entries of at most 64 bytes, else invalid (the 15 MB review case)', TEST, async () => {
    const s = await login(pool, srv.url, 'demo-personal');
    // 256 entries of 1.5 KB: one of the review's 40 subscriptions of 15 MB in all.
    const big = { type: 'PBX', customer: 'customer-north-2', events: Array.from({ length: 256 }, (_, i) => `${i}`.padEnd(1500, 'x')) };
    assertSubscribeFailed(await subscribeFails(s, big), { type: 'PBX', customer: 'customer-north-2', code: 'invalid' });
    const long = { type: 'PBX', customer: 'customer-north-2', events: ['x'.repeat(65)] };
    const r = await subscribeFails(s, long);
    assertSubscribeFailed(r, { type: 'PBX', customer: 'customer-north-2', code: 'invalid' });
    assert.match(r.event.message, /64 bytes/);
    const many = { type: 'PBX', customer: 'customer-north-2', events: Array.from({ length: 257 }, (_, i) => `E${i}`) };
    assertSubscribeFailed(await subscribeFails(s, many), { type: 'PBX', customer: 'customer-north-2', code: 'invalid' });
    const admin = await login(pool, srv.url, 'demo-admin');
    const types = { type: 'ADMIN', types: Array.from({ length: 257 }, () => 'PBX') };
    assertSubscribeFailed(await subscribeFails(admin, types), { type: 'ADMIN', customer: null, code: 'invalid' });
    // The largest allowed filter is accepted and echoed whole.
    const max = { type: 'PBX', customer: 'customer-north-2', events: Array.from({ length: 256 }, (_, i) => `${i}`.padStart(3, '0').padEnd(64, 'x')) };
    const ok = await subscribeOk(s, max);
    assert.equal(ok.event.events.length, 256);
  });
});

describe('subscribe-rate-per-socket', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(['--subscribe-rate-per-socket', '5']);
  });
  after(() => srv?.stop());
  afterEach(() => pool.closeAll());

  test('past the rate: rate_limited, counted, and the socket stays connected', TEST, async () => {
    const s = await login(pool, srv.url, 'demo-personal');
    const subs = Array.from({ length: 20 }, (_, i) => ({ type: 'PBX', customer: 'customer-north-2', events: [`E${i}`] }));
    const failed = [];
    s.on('subscribe_failed', (e) => failed.push(e));
    const acks = await burst(s, subs);
    const t = tally(acks);
    assert.ok(t.ok >= 5 && t.ok < 20, JSON.stringify(t));
    assert.equal(t.rate_limited, 20 - t.ok);
    assert.equal(failed.length, t.rate_limited);
    assert.deepEqual(Object.keys(failed[0]).sort(), ['code', 'customer', 'message', 'type']);
    assert.equal(s.connected, true);
    const m = await scrapeSamples(srv.url);
    assert.ok(m.get('txrt_limited_total{limit="subscribe_rate_per_socket"}') >= t.rate_limited);
    // The budget comes back: one a fifth of a second.
    await new Promise((resolve) => setTimeout(resolve, 400)); // a refill, which no event announces
    await subscribeOk(s, { type: 'CONFIG', customer: 'customer-north-2' });
  });
});

// A tokens file with one employee under two tokens of different levels.
function tokensFile() {
  const demo = JSON.parse(fs.readFileSync(path.join(ROOT, 'data', 'demo-tokens.json'), 'utf8'));
  demo.tokens['t-owner'] = { employee: 'emp-x', customer: 'customer-north-2', accessLevel: 'OWNER' };
  demo.tokens['t-owner-2'] = { employee: 'emp-x', customer: 'customer-north-2', accessLevel: 'OWNER' };
  demo.tokens['t-personal'] = { employee: 'emp-x', customer: 'customer-north-2', accessLevel: 'PERSONAL' };
  demo.tokens['t-other'] = { employee: 'emp-y', customer: 'customer-north-2', accessLevel: 'OWNER' };
  const file = path.join(os.tmpdir(), `txrt-tenant-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify(demo));
  return file;
}

describe('re-authentication as the same employee (SPEC §3)', () => {
  let srv;
  let file;
  const pool = socketPool();
  before(async () => {
    file = tokensFile();
    srv = await startApp(['--auth-file', file, '--publish-secret', SECRET]);
  });
  after(async () => {
    await srv?.stop();
    fs.rmSync(file, { force: true });
  });
  afterEach(() => pool.closeAll());

  test('a refreshed token keeps every subscription: no event lost or doubled across it', TEST, async () => {
    const s = await login(pool, srv.url, 't-owner');
    await subscribeOk(s, { type: 'PBX', customer: 'customer-north-2' });
    const rec = new Recorder(s, ['PBX', 'unsubscribed']);
    const sent = [];
    const publishing = (async () => {
      for (let i = 0; i < 30; i += 1) {
        const e = makeEvent('TICK', { customer: 'customer-north-2' });
        sent.push(e.id);
        await publish(srv.url, 'PBX', 'customer-north-2', e);
      }
    })();
    for (const token of ['t-owner-2', 't-owner', 't-owner-2']) await authenticate(s, { token });
    await publishing;
    await rec.waitFor((e) => e.payload?.id === sent.at(-1), T, 'the last event');
    const got = (await rec.settle()).filter((e) => e.name === 'PBX').map((e) => e.payload.id);
    assert.deepEqual(got, sent);
    assert.equal(rec.events.filter((e) => e.name === 'unsubscribed').length, 0);
  });

  test('less access: what it may not hold is removed with reason access_changed, the rest stays', TEST, async () => {
    const s = await login(pool, srv.url, 't-owner');
    await subscribeOk(s, { type: 'PBX', customer: 'customer-north-2' });
    await subscribeOk(s, { type: 'CALL', customer: 'customer-north-2', events: ['CALL_START'] });
    const gone = once(s, 'unsubscribed', T);
    await authenticate(s, { token: 't-personal' });
    const [dropped] = await gone;
    assert.deepEqual(dropped, { type: 'CALL', customer: 'customer-north-2', events: ['CALL_START'], reason: 'access_changed' });
    const rec = new Recorder(s, ['PBX', 'CALL', 'unsubscribed']);
    const call = makeEvent('CALL_START');
    await publish(srv.url, 'CALL', 'customer-north-2', call);
    const pbx = makeEvent('TICK');
    await publish(srv.url, 'PBX', 'customer-north-2', pbx);
    await rec.waitFor((e) => e.name === 'PBX' && e.payload.id === pbx.id);
    assert.deepEqual((await rec.settle()).map((e) => e.name), ['PBX']);
  });

  test('another employee drops every subscription', TEST, async () => {
    const s = await login(pool, srv.url, 't-owner');
    await subscribeOk(s, { type: 'PBX', customer: 'customer-north-2' });
    await authenticate(s, { token: 't-other' });
    const rec = new Recorder(s, ['PBX']);
    const control = await login(pool, srv.url, 't-other');
    await subscribeOk(control, { type: 'PBX', customer: 'customer-north-2' });
    const controlRec = new Recorder(control, ['PBX']);
    const e = makeEvent('TICK');
    await publish(srv.url, 'PBX', 'customer-north-2', e);
    await controlRec.waitFor((x) => x.payload.id === e.id);
    assert.deepEqual(await rec.settle(), []);
  });
});

describe('client strings in logs and REALTIME events', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp([]);
  });
  after(() => srv?.stop());
  afterEach(() => pool.closeAll());

  test('a crafted client cannot forge a log line; a cut inside a character keeps REALTIME valid', TEST, async () => {
    const admin = await login(pool, srv.url, 'demo-admin');
    await subscribeOk(admin, { type: 'ADMIN:REALTIME' });
    const rec = new Recorder(admin, ['REALTIME']);
    const forged = '[2026-12-01 10:00:00.000] [info] authenticate: socket=x employee=emp-admin FORGED';
    const s = await connected(pool.v4(srv.url));
    // 255 ASCII bytes then 'é': the 256-byte cut falls inside it.
    const client = `ok\n${forged}\r\u2028${'a'.repeat(248 - forged.length)}é`;
    assert.equal(Buffer.byteLength(client), 257);
    await authenticate(s, { token: 'demo-viewer', client, instanceId: 'i\u0007d', ip: '1.2.3.4 x=y' });
    const seen = await rec.waitFor((e) => e.payload.event === 'AUTHENTICATED' && e.payload.employee === 'emp-viewer', T, 'AUTHENTICATED');
    assert.equal(seen.payload.data.client, client.slice(0, -1));
    assert.equal(seen.payload.data.instanceId, 'i\u0007d');
    const lines = srv.output().split('\n');
    assert.equal(lines.filter((l) => l.includes('FORGED')).length, 1, srv.output());
    const line = lines.find((l) => l.includes('FORGED'));
    assert.match(line, /authenticate: socket=\S+ employee=emp-viewer .*client=ok\\n\[2026-12-01\\x20/);
    assert.match(line, /instanceId=i\\x07d ip=1\.2\.3\.4\\x20x=y /);
  });
});

// Runs the binary to completion (start-up refusals): { status, output }.
function runTxrt(args) {
  const r = spawnSync(TXRT_BIN, args, { encoding: 'utf8', timeout: 10000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('start-up refusals', () => {
  test('the demo tokens on a non-loopback address: exit 2 saying what to do; allowed with --allow-demo-tokens', TEST, async () => {
    for (const extra of [[], ['--check-config']]) {
      const r = runTxrt(['--listen', '0.0.0.0:0', ...extra]);
      assert.equal(r.status, 2, r.output);
      assert.match(r.output, /allow-demo-tokens/);
      assert.match(r.output, /--auth-file/);
    }
    assert.equal(runTxrt(['--listen', '0.0.0.0:0', '--allow-demo-tokens', 'true', '--check-config']).status, 0);
    const srv = await startApp(['--listen', '0.0.0.0:0', '--allow-demo-tokens', 'true']);
    try {
      assert.match(srv.output(), /warn.*demo tokens/);
    } finally {
      await srv.stop();
    }
    // Loopback needs nothing.
    assert.equal(runTxrt(['--listen', '127.0.0.1:0', '--check-config']).status, 0);
  });

  test('--cors-credentials true with cors-origins *: exit 2 naming both keys', TEST, () => {
    for (const extra of [[], ['--check-config']]) {
      const r = runTxrt(['--listen', '127.0.0.1:0', '--cors-credentials', 'true', ...extra]);
      assert.equal(r.status, 2, r.output);
      assert.match(r.output, /cors-credentials/);
      assert.match(r.output, /cors-origins/);
    }
    const ok = runTxrt(['--listen', '127.0.0.1:0', '--cors-credentials', 'true', '--cors-origins', 'https://app.example', '--check-config']);
    assert.equal(ok.status, 0, ok.output);
  });
});

describe('GET /clients with Token <ADMIN token>', () => {
  let srv;
  before(async () => {
    srv = await startApp(['--publish-secret', SECRET, '--trusted-proxies', '127.0.0.1',
      '--auth-rate-per-ip', '2']);
  });
  after(() => srv?.stop());

  const clients = (headers) => request(`${srv.url}/clients`, { headers });

  test('attempts count under auth-rate-per-ip, per client address behind the proxy', TEST, async () => {
    const before = await scrapeSamples(srv.url);
    const from = (ip, token) => ({ authorization: `Token ${token}`, 'x-forwarded-for': ip });
    // Two attempts a minute from 203.0.113.20: a wrong token and a right one are both counted.
    assert.equal((await clients(from('203.0.113.20', 'demo-viewer'))).status, 401);
    assert.equal((await clients(from('203.0.113.20', 'demo-admin'))).status, 200);
    const third = await clients(from('203.0.113.20', 'demo-admin'));
    assert.equal(third.status, 429, third.body.toString());
    assert.equal(JSON.parse(third.body.toString()).code, 'rate_limited');
    // Another client behind the same proxy has its own budget.
    assert.equal((await clients(from('203.0.113.21', 'demo-admin'))).status, 200);
    const after = await scrapeSamples(srv.url);
    const limited = 'txrt_limited_total{limit="auth_per_ip"}';
    assert.equal(after.get(limited), before.get(limited) + 1);
  });
});
