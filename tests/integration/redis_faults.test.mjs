// Redis faults under a running txrt with auth=redis (SPEC §9): Redis down at start, paused
// (CLIENT PAUSE), frozen (SIGSTOP), killed, and restarted on the same port. Throughout: no
// crash, GET /ready follows the bus, `authenticate` answers `unavailable` within
// validator-timeout-ms instead of hanging, an authenticated client stays connected, and once
// Redis is back, published events are delivered again within 2 s and authenticate works.
// Every redis-server is started and stopped (or paused) by its PID.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, RedisClient, freePort } from './lib/redis.mjs';
import { request, scrapeSamples } from './lib/http.mjs';
import { emitAck } from './lib/wait.mjs';
import {
  T, SECRET, startApp, socketPool, connected, authenticate, authenticateFails, subscribeOk,
  publishHttp, Recorder, pollUntil, readyStatus,
} from './lib/app.mjs';

const VALIDATOR_TIMEOUT_MS = 800;
const RESUME_WITHIN_MS = 2000;
const TEST = { timeout: 60000 };
const C = 'customer-north-2';
const ADMIN = '{"employee":"e-admin","customer":"telecomx","accessLevel":"ADMIN"}';
const VIEWER = `{"employee":"e-viewer","customer":"${C}","accessLevel":"VIEWER"}`;

let tokens = 0;
// A token the server has not cached yet (answers are cached 30 s; `unavailable` never is).
const freshToken = () => `tok-${process.pid}-${++tokens}`;

const scrape = (url) => scrapeSamples(url);
const metric = (m, key) => m.get(key) ?? 0;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// authenticate with a token expected to fail with `unavailable`, promptly.
async function authUnavailable(pool, url, token, what) {
  const socket = await connected(pool.v4(url));
  const started = Date.now();
  const { event, ack } = await authenticateFails(socket, [{ token }], VALIDATOR_TIMEOUT_MS + 4000);
  const ms = Date.now() - started;
  assert.equal(event.code, 'unavailable', `${what}: ${JSON.stringify(event)}`);
  assert.equal(ack.code, 'unavailable');
  assert.ok(ms < VALIDATOR_TIMEOUT_MS + 1500, `${what}: unavailable after ${ms} ms (validator-timeout-ms ${VALIDATOR_TIMEOUT_MS})`);
  return ms;
}

async function authOk(pool, url, token, what) {
  const socket = await connected(pool.v4(url));
  const { ack } = await authenticate(socket, { token });
  assert.equal(ack.success, true, `${what}: ${JSON.stringify(ack)}`);
  return socket;
}

// Once Redis is back: authenticate with `token` until it succeeds (each attempt on a new
// socket; `unavailable` is never cached). The session store has its own connection and reconnect
// backoff, so it may come back a little after the bus (and GET /ready). Resolves with the ms
// from `since` and the number of attempts.
async function authWorksAgain(pool, url, token, since) {
  let attempts = 0;
  await pollUntil(async () => {
    attempts += 1;
    const socket = await connected(pool.v4(url));
    const [ack] = await emitAck(socket, T, 'authenticate', { token });
    if (!ack.success) assert.equal(ack.code, 'unavailable', JSON.stringify(ack));
    return ack.success;
  }, RESUME_WITHIN_MS + 1000, 'authenticate to work again', 100);
  return { ms: Date.now() - since, attempts };
}

// Publishes marked PBX events on Redis every 100 ms until `rec` got one; resolves with the ms
// from `since` to the first delivery.
async function deliveryResumes(port, rec, since, what) {
  const pub = await RedisClient.connect(port);
  const mark = `resume-${process.pid}-${Date.now()}`;
  let n = 0;
  try {
    await pollUntil(async () => {
      await pub.publish(`rt:event:PBX:${C}`, JSON.stringify({ event: 'CALL_START', id: `${mark}-${n++}` })).catch(() => {});
      return rec.events.some((e) => String(e.payload?.id).startsWith(mark));
    }, RESUME_WITHIN_MS + 3000, `${what}: an event delivered`, 100);
  } finally {
    pub.close();
  }
  const first = rec.events.find((e) => String(e.payload?.id).startsWith(mark));
  return { ms: Date.now() - since, first };
}

// ==========================================================================================================

describe('Redis down when txrt starts (auth=redis)', () => {
  let redis;
  let srv;
  const pool = socketPool();
  after(async () => {
    pool.closeAll();
    await srv?.stop();
    await redis?.stop();
  });
  afterEach(() => pool.closeAll());

  test('txrt starts, /ready is 503, authenticate answers unavailable; all works once Redis is up', TEST, async (t) => {
    const port = await freePort();
    srv = await startApp(['--auth', 'redis', '--redis', `redis://127.0.0.1:${port}`, '--publish-secret', SECRET,
      '--validator-timeout-ms', String(VALIDATOR_TIMEOUT_MS)]);
    assert.equal(await readyStatus(srv.url), 503);
    const m = await scrape(srv.url);
    assert.equal(metric(m, 'txrt_redis_connected'), 0);
    assert.equal((await request(`${srv.url}/health`)).status, 200, 'alive while not ready');
    const ms = await authUnavailable(pool, srv.url, freshToken(), 'Redis never reached');
    t.diagnostic(`unavailable after ${ms} ms`);
    assert.ok(metric(await scrape(srv.url), 'txrt_auth_total{result="unavailable"}') >= 1);
    // POST /events has no bus to publish on.
    const res = await publishHttp(srv.url, { type: 'PBX', customer: C, event: { event: 'X' } });
    assert.equal(res.status, 503, `POST /events with the bus down: ${res.status} ${res.body}`);

    redis = await startRedis(port);
    const up = Date.now();
    const token = freshToken();
    const c = await RedisClient.connect(port);
    await c.command(['SET', `rt:session:${token}`, VIEWER]).finally(() => c.close());
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 15000, 'GET /ready 200 once Redis is up');
    t.diagnostic(`ready ${Date.now() - up} ms after Redis started`);
    const { ms: authMs, attempts } = await authWorksAgain(pool, srv.url, token, up);
    t.diagnostic(`authenticate ok ${authMs} ms after Redis started (attempt ${attempts})`);
    assert.ok(authMs <= RESUME_WITHIN_MS + 300, `authenticate worked ${authMs} ms after Redis started`);
    const socket = await authOk(pool, srv.url, token, 'authenticate once Redis is up');
    await subscribeOk(socket, { type: 'PBX', customer: C });
    const rec = new Recorder(socket, ['PBX']);
    const { ms: deliveredMs } = await deliveryResumes(port, rec, Date.now(), 'after Redis came up');
    t.diagnostic(`first event delivered ${deliveredMs} ms after publishing began`);
    assert.equal(metric(await scrape(srv.url), 'txrt_redis_connected'), 1);
  });
});

// ==========================================================================================================

describe('Redis paused, frozen, killed and restarted under a running txrt (auth=redis)', () => {
  let redis;
  let srv;
  let cmd;
  let healthy;
  let rec;
  let drops;
  const pool = socketPool();
  const side = socketPool();

  async function setSessions(client, ...tokenDocs) {
    await client.pipeline(tokenDocs.map(([tok, doc]) => ['SET', `rt:session:${tok}`, doc]));
  }

  before(async () => {
    redis = await startRedis();
    cmd = await RedisClient.connect(redis.port);
    srv = await startApp(['--auth', 'redis', '--redis', redis.url, '--publish-secret', SECRET,
      '--validator-timeout-ms', String(VALIDATOR_TIMEOUT_MS)]);
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'GET /ready 200 with Redis up');
    const adminToken = freshToken();
    await setSessions(cmd, [adminToken, ADMIN]);
    healthy = await authOk(pool, srv.url, adminToken, 'the healthy client');
    await subscribeOk(healthy, { type: 'ADMIN' });
    rec = new Recorder(healthy, ['PBX']);
    drops = [];
    healthy.on('disconnect', (r) => drops.push(r));
  });
  after(async () => {
    side.closeAll();
    pool.closeAll();
    cmd?.close();
    if (redis?.pid && alive(redis.pid)) process.kill(redis.pid, 'SIGCONT');
    const r = await srv?.stop();
    await redis?.stop();
    if (r) assert.equal(r.signal ?? r.code, 0, `txrt exit ${JSON.stringify(r)}`);
  });
  afterEach(() => side.closeAll());

  test('CLIENT PAUSE (Redis slow): authenticate answers unavailable in time, then works; events flow after', TEST, async (t) => {
    const before = await scrape(srv.url);
    const token = freshToken();
    await setSessions(cmd, [token, VIEWER]);
    await cmd.command(['CLIENT', 'PAUSE', '2000', 'ALL']);
    const paused = Date.now();
    const ms = await authUnavailable(side, srv.url, token, 'Redis paused');
    t.diagnostic(`unavailable after ${ms} ms; /ready while paused: ${await readyStatus(srv.url)}`);
    assert.ok(healthy.connected, 'the authenticated client stays connected');
    assert.ok(metric(await scrape(srv.url), 'txrt_auth_total{result="unavailable"}') > metric(before, 'txrt_auth_total{result="unavailable"}'));
    // After the pause: the same token (never cached as unavailable) authenticates; events flow.
    await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (Date.now() - paused)) + 100));
    const { ms: resumed } = await deliveryResumes(redis.port, rec, Date.now(), 'after CLIENT PAUSE');
    t.diagnostic(`delivery ${resumed} ms after the pause ended`);
    assert.ok(resumed <= RESUME_WITHIN_MS, `delivery resumed ${resumed} ms after the pause`);
    await authOk(side, srv.url, token, 'authenticate after the pause');
    assert.deepEqual(drops, []);
  });

  test('SIGSTOP (Redis frozen, TCP still up): unavailable in time, no crash; SIGCONT: works again', TEST, async (t) => {
    const token = freshToken();
    await setSessions(cmd, [token, VIEWER]);
    process.kill(redis.pid, 'SIGSTOP');
    let stoppedFor;
    try {
      const ms = await authUnavailable(side, srv.url, token, 'Redis frozen');
      const again = await authUnavailable(side, srv.url, freshToken(), 'Redis frozen, second attempt');
      t.diagnostic(`unavailable after ${ms} / ${again} ms; /ready while frozen: ${await readyStatus(srv.url)}`);
      assert.equal((await request(`${srv.url}/health`)).status, 200);
      assert.ok(healthy.connected);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
      stoppedFor = Date.now();
    }
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'GET /ready 200 after SIGCONT');
    const { ms: resumed } = await deliveryResumes(redis.port, rec, stoppedFor, 'after SIGCONT');
    t.diagnostic(`delivery ${resumed} ms after SIGCONT`);
    assert.ok(resumed <= RESUME_WITHIN_MS + 500, `delivery resumed ${resumed} ms after SIGCONT`);
    await authOk(side, srv.url, token, 'authenticate after SIGCONT');
    assert.deepEqual(drops, []);
  });

  test('killed mid-run: no crash, /ready 503, unavailable; restarted on the same port: delivery and authenticate within 2 s', TEST, async (t) => {
    const before = await scrape(srv.url);
    const port = redis.port;
    cmd.close();
    await redis.stop('SIGKILL');
    await pollUntil(async () => (await readyStatus(srv.url)) === 503, 5000, 'GET /ready 503 with Redis killed');
    assert.ok(alive(srv.pid), 'txrt is still running');
    assert.equal(metric(await scrape(srv.url), 'txrt_redis_connected'), 0);
    assert.equal((await request(`${srv.url}/health`)).status, 200);
    await authUnavailable(side, srv.url, freshToken(), 'Redis killed');
    const res = await publishHttp(srv.url, { type: 'PBX', customer: C, event: { event: 'X' } });
    assert.equal(res.status, 503, 'POST /events with the bus down');
    assert.ok(healthy.connected, 'clients stay connected while Redis is down');
    // Down for a while: the reconnect backoff grows towards its cap (2 s).
    await new Promise((r) => setTimeout(r, 1500));

    redis = await startRedis(port);
    const restarted = Date.now();
    cmd = await RedisClient.connect(port);
    const token = freshToken();
    await setSessions(cmd, [token, VIEWER]); // no persistence: the restarted Redis is empty
    const { ms } = await deliveryResumes(port, rec, restarted, 'after the restart');
    t.diagnostic(`first event delivered ${ms} ms after Redis was back; /ready ${await readyStatus(srv.url)}`);
    assert.ok(ms <= RESUME_WITHIN_MS + 300, `delivery resumed ${ms} ms after the restart`);
    const { ms: authMs, attempts } = await authWorksAgain(side, srv.url, token, restarted);
    t.diagnostic(`authenticate ok ${authMs} ms after the restart (attempt ${attempts})`);
    assert.ok(authMs <= RESUME_WITHIN_MS + 300, `authenticate worked again ${authMs} ms after the restart`);
    // Ready needs the bus loop's connections (the recovery marker); an authenticate may have gone
    // through another loop's command connection, which can come back first (each has its own
    // backoff): ready within the same bound, not necessarily before the authenticate.
    await pollUntil(async () => (await readyStatus(srv.url)) === 200,
      Math.max(0, restarted + RESUME_WITHIN_MS + 300 - Date.now()), 'GET /ready 200 within 2 s of the restart');
    const after = await scrape(srv.url);
    assert.equal(metric(after, 'txrt_redis_connected'), 1);
    assert.ok(metric(after, 'txrt_redis_reconnects_total') > metric(before, 'txrt_redis_reconnects_total'), 'txrt_redis_reconnects_total grew');
    assert.deepEqual(drops, [], 'the healthy client was never dropped');
    assert.ok(healthy.connected);
  });
});
