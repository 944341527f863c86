// Credentials on live sockets (SPEC §12) against the real txrt binary: expiry at its moment, a
// token refresh that keeps the socket and its events, SIGHUP's reload applied at once to live
// sockets, and in redis mode a deleted session, an `exp` in the document and a customer moved
// out of a reseller's tree. Every wait is bounded; sleeps only where elapsed time is the subject.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once, never } from './lib/wait.mjs';
import { startRedis, RedisClient } from './lib/redis.mjs';
import {
  T,
  SECRET,
  startApp,
  socketPool,
  connected,
  authenticate,
  login,
  subscribeOk,
  publish,
  Recorder,
  pollUntil,
  readyStatus,
} from './lib/app.mjs';

const TEST = { timeout: 20000 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// `unauthorized {code}` then the disconnect, within `ms`; resolves the time it arrived.
async function dropped(socket, code, ms = T) {
  const gone = once(socket, 'disconnect', ms);
  const [event] = await once(socket, 'unauthorized', ms, { rejectOn: [] });
  const at = Date.now();
  assert.equal(event.code, code, JSON.stringify(event));
  await gone;
  return at;
}

function tokensFile(tokens) {
  return JSON.stringify({ customers: { c1: { parent: null } }, tokens });
}
const viewer = (employee, extra = {}) => ({ employee, customer: 'c1', accessLevel: 'VIEWER', ...extra });

describe('credentials on live sockets, auth=file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-cred-'));
  const file = path.join(dir, 'tokens.json');
  const pool = socketPool();
  let srv;
  // Rewrites the tokens file and sends SIGHUP; resolves once the reload is logged.
  async function reload(tokens) {
    fs.writeFileSync(file, tokensFile(tokens));
    const before = (srv.output().match(/reloaded: /g) ?? []).length;
    process.kill(srv.pid, 'SIGHUP');
    await pollUntil(() => (srv.output().match(/reloaded: /g) ?? []).length > before, T, 'reload logged')
      .catch((err) => { throw new Error(`${err.message}\n${srv.output().slice(-2000)}`); });
  }
  before(async () => {
    fs.writeFileSync(file, tokensFile({ 'tok-v': viewer('e-v') }));
    srv = await startApp(['--auth-file', file, '--publish-secret', SECRET, '--log-level', 'info']);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => pool.closeAll());

  test('a token expiring in ~2 s disconnects its socket with expired at that moment', TEST, async () => {
    const expires = Date.now() + 2000;
    await reload({ 'tok-exp': viewer('e-exp', { expires: new Date(expires).toISOString() }) });
    const socket = await login(pool, srv.url, 'tok-exp');
    const at = await dropped(socket, 'expired');
    assert.ok(Math.abs(at - expires) <= 1000, `expired ${at - expires} ms from its deadline`);
  });

  test('a refresh before expiry keeps the socket and its subscription, no event lost', TEST, async () => {
    const expires = new Date(Date.now() + 2000).toISOString();
    await reload({
      'tok-old': viewer('e-r', { expires }),
      'tok-new': viewer('e-r', { expires: new Date(Date.now() + 60000).toISOString() }),
    });
    const socket = await login(pool, srv.url, 'tok-old');
    await subscribeOk(socket, { type: 'PBX', customer: 'c1' });
    const rec = new Recorder(socket, ['PBX', 'unauthorized', 'unsubscribed']);
    let n = 0;
    let refreshed = false;
    const until = Date.now() + 3500; // well past the old token's expiry
    while (Date.now() < until) {
      n += 1;
      await publish(srv.url, 'PBX', 'c1', { event: 'TICK', n });
      if (!refreshed && Date.now() > until - 2800) {
        refreshed = true;
        const { ack } = await authenticate(socket, { token: 'tok-new' });
        assert.equal(ack.success, true);
      }
      await sleep(50); // the steady stream of events is the subject
    }
    await rec.waitFor((e) => e.name === 'PBX' && e.payload.n === n, T, `PBX ${n}`);
    const got = await rec.settle();
    assert.deepEqual(got.map((e) => (e.name === 'PBX' ? e.payload.n : e.name)), Array.from({ length: n }, (_, i) => i + 1));
    assert.ok(socket.connected);
  });

  test('SIGHUP removing a token disconnects its live socket with revoked', TEST, async () => {
    await reload({ 'tok-gone': viewer('e-g'), 'tok-v': viewer('e-v') });
    const socket = await login(pool, srv.url, 'tok-gone');
    const other = await login(pool, srv.url, 'tok-v');
    const drop = dropped(socket, 'revoked');
    await reload({ 'tok-v': viewer('e-v') });
    await drop;
    assert.ok(other.connected);
  });

  test('SIGHUP demoting VIEWER to PERSONAL removes CALL with access_changed, PBX flows', TEST, async () => {
    await reload({ 'tok-d': viewer('e-d') });
    const socket = await login(pool, srv.url, 'tok-d');
    await subscribeOk(socket, { type: 'PBX', customer: 'c1' });
    await subscribeOk(socket, { type: 'CALL', customer: 'c1' });
    const gone = once(socket, 'unsubscribed', T);
    await reload({ 'tok-d': { ...viewer('e-d'), accessLevel: 'PERSONAL' } });
    const [ev] = await gone;
    assert.deepEqual(ev, { type: 'CALL', customer: 'c1', reason: 'access_changed' });
    const pbx = once(socket, 'PBX', T);
    const noCall = never(socket, 'CALL', 500);
    await publish(srv.url, 'CALL', 'c1', { event: 'CALL_START' });
    await publish(srv.url, 'PBX', 'c1', { event: 'PBX_UP' });
    await pbx;
    await noCall;
    assert.ok(socket.connected);
  });
});

describe('credentials on live sockets, auth=redis', () => {
  const INTERVAL = 600;
  const pool = socketPool();
  let redis;
  let cmd;
  let srv;
  before(async () => {
    redis = await startRedis();
    cmd = await RedisClient.connect(redis.port);
    await cmd.pipeline([['HSET', 'rt:customer:parent', 'cust-a', 'res-a', 'res-a', 'root', 'res-b', 'root']]);
    srv = await startApp(['--auth', 'redis', '--redis', redis.url, '--revalidate-interval-ms', String(INTERVAL)]);
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'GET /ready 200 with Redis up');
  });
  after(async () => {
    pool.closeAll();
    cmd?.close();
    await srv?.stop();
    await redis?.stop();
  });
  afterEach(() => pool.closeAll());

  test('a deleted session key is revoked within one interval', TEST, async () => {
    await cmd.pipeline([['SET', 'rt:session:tok-del', JSON.stringify({ employee: 'e1', customer: 'cust-a', accessLevel: 'VIEWER' })]]);
    const socket = await login(pool, srv.url, 'tok-del');
    const drop = dropped(socket, 'revoked');
    const start = Date.now();
    await cmd.pipeline([['DEL', 'rt:session:tok-del']]);
    const at = await drop;
    // One interval, plus the identity cache (no longer than one interval) and some slack.
    assert.ok(at - start <= 2 * INTERVAL + 1000, `revoked after ${at - start} ms`);
  });

  test('an exp in the identity document is enforced', TEST, async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    await cmd.pipeline([['SET', 'rt:session:tok-exp', JSON.stringify({ employee: 'e2', customer: 'cust-a', accessLevel: 'VIEWER', exp })]]);
    const socket = await login(pool, srv.url, 'tok-exp');
    const at = await dropped(socket, 'expired');
    assert.ok(Math.abs(at - exp * 1000) <= 1000, `expired ${at - exp * 1000} ms from exp`);
  });

  test("a customer moved out of a reseller's tree loses that reseller's subscription", TEST, async () => {
    await cmd.pipeline([
      ['HSET', 'rt:customer:parent', 'cust-m', 'res-a'],
      ['SET', 'rt:session:tok-res', JSON.stringify({ employee: 'e4', customer: 'res-a', accessLevel: 'RESELLER' })],
    ]);
    const socket = await login(pool, srv.url, 'tok-res');
    await subscribeOk(socket, { type: 'PBX', customer: 'cust-m' });
    await subscribeOk(socket, { type: 'PBX', customer: 'cust-a' });
    const gone = once(socket, 'unsubscribed', T);
    await cmd.pipeline([
      ['HSET', 'rt:customer:parent', 'cust-m', 'res-b'],
      ['PUBLISH', 'rt:event:CONFIG:cust-m', JSON.stringify({ event: 'CUSTOMER_UPDATED' })],
    ]);
    const [ev] = await gone;
    assert.deepEqual(ev, { type: 'PBX', customer: 'cust-m', reason: 'access_changed' });
    assert.equal(await never(socket, 'unsubscribed', 500).then(() => true), true);
    assert.ok(socket.connected);
  });
});
