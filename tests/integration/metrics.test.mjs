// GET /metrics: the Prometheus text of a real txrt, scraped while clients connect (WebSocket,
// long-polling, Engine.IO v3), authenticate, subscribe, receive events and leave. Gauges return
// to their previous values when the clients are gone; counters only grow.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startApp, socketPool, connected, authenticate, authenticateFails, login, subscribeOk,
  unsubscribeOk, publish, pollUntil, readyStatus, SECRET, T,
} from './lib/app.mjs';
import { startRedis, RedisClient } from './lib/redis.mjs';
import { once, emitAck } from './lib/wait.mjs';
import { request } from './lib/http.mjs';

let srv;
const pool = socketPool();

before(async () => {
  srv = await startApp(['--publish-secret', SECRET]);
});
after(async () => {
  await srv?.stop();
});
afterEach(() => pool.closeAll());

// Parses the text exposition format: { samples: Map('name{labels}' -> number), types: Map }.
function parseMetrics(text) {
  const samples = new Map();
  const types = new Map();
  const helps = new Set();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
    if (m) {
      types.set(m[1], m[2]);
      continue;
    }
    m = /^# HELP (\S+) .+$/.exec(line);
    if (m) {
      helps.add(m[1]);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const value = Number(m[3] === '+Inf' ? Infinity : m[3]);
    assert.ok(!Number.isNaN(value), `not a number: ${line}`);
    samples.set(m[1] + (m[2] ?? ''), value);
  }
  return { samples, types, helps };
}

async function scrape(url = srv.url) {
  const res = await request(`${url}/metrics`);
  assert.equal(res.status, 200);
  return parseMetrics(res.body.toString());
}

function value(scraped, key) {
  assert.ok(scraped.samples.has(key), `no sample ${key}`);
  return scraped.samples.get(key);
}

// Polls /metrics until every expectation holds (values change asynchronously); bounded.
async function eventually(expect, { ms = T, url = srv.url } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = await scrape(url);
    const wrong = Object.entries(expect).filter(([k, v]) => (typeof v === 'function' ? !v(value(m, k)) : value(m, k) !== v));
    if (wrong.length === 0) return m;
    if (Date.now() > deadline)
      assert.fail(`metrics still differ after ${ms} ms: ${wrong.map(([k, v]) => `${k}=${value(m, k)} (want ${typeof v === 'function' ? v : v})`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const WS4 = 'txrt_connections{transport="websocket",protocol="4"}';
const WS3 = 'txrt_connections{transport="websocket",protocol="3"}';
const POLL4 = 'txrt_connections{transport="polling",protocol="4"}';
const OPENED = 'txrt_connections_opened_total';
const QUEUE = 'txrt_outbound_queue_bytes';
const auth = (r) => `txrt_auth_total{result="${r}"}`;
const level = (l) => `txrt_authenticated_sockets{level="${l}"}`;
const subs = (t) => `txrt_subscriptions{type="${t}"}`;
const closedSum = (m) => [...m.samples].filter(([k]) => k.startsWith('txrt_connections_closed_total{')).reduce((a, [, v]) => a + v, 0);

test('GET /metrics is Prometheus text with HELP and TYPE for every txrt_ metric', async () => {
  const res = await request(`${srv.url}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const m = parseMetrics(res.body.toString());
  for (const key of m.samples.keys()) {
    const name = key.replace(/\{.*$/, '');
    assert.match(name, /^txrt_/);
    const family = m.types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(m.types.has(family), `no # TYPE for ${key}`);
    assert.ok(m.helps.has(family), `no # HELP for ${key}`);
  }
  assert.equal(m.types.get('txrt_connections'), 'gauge');
  assert.equal(m.types.get('txrt_connections_closed_total'), 'counter');
  assert.equal(m.types.get('txrt_validator_duration_seconds'), 'histogram');
  for (const key of [WS4, WS3, POLL4, OPENED, QUEUE, 'txrt_deliveries_total', 'txrt_redis_connected',
    'txrt_redis_reconnects_total', 'txrt_events_dropped_total{reason="not_json"}',
    'txrt_events_in_total{type="PBX"}', 'txrt_requests_total{kind="reply",result="offline"}',
    'txrt_validator_duration_seconds_bucket{le="+Inf"}', 'txrt_validator_duration_seconds_count',
    subs('CONFIG-NOT-IPTV'), level('RESELLER_ADMIN'), auth('timeout')])
    assert.ok(m.samples.has(key), `no sample ${key}`);
  assert.equal(value(m, 'txrt_redis_connected'), 0, 'no Redis: built-in bus');
});

test('connections, authentication, subscriptions and deliveries move, and gauges come back', async () => {
  const base = await scrape();
  const b = (k) => value(base, k);

  // A WebSocket viewer, a long-polling admin and a v2 (Engine.IO v3) client.
  const viewer = await login(pool, srv.url, 'demo-viewer');
  const admin = await connected(pool.v4(srv.url, { transports: ['polling'] }));
  const { ack } = await authenticate(admin, { token: 'demo-admin' });
  assert.equal(ack.success, true);
  const old = await connected(pool.v2(srv.url));
  await eventually({
    [WS4]: b(WS4) + 1,
    [POLL4]: b(POLL4) + 1,
    [WS3]: b(WS3) + 1,
    [OPENED]: b(OPENED) + 3,
    [level('VIEWER')]: b(level('VIEWER')) + 1,
    [level('ADMIN')]: b(level('ADMIN')) + 1,
    [auth('success')]: b(auth('success')) + 2,
  });

  // A refused token, and a request before authenticating.
  const stranger = await connected(pool.v4(srv.url));
  const [ackReq] = await emitAck(stranger, T, 'request', { to: { employee: 'x' }, request: 'R' });
  assert.equal(ackReq.code, 'not_authenticated');
  await authenticateFails(stranger, [{ token: 'no-such-token' }]);
  await eventually({
    [auth('invalid_token')]: b(auth('invalid_token')) + 1,
    'txrt_requests_total{kind="request",result="not_authenticated"}':
      b('txrt_requests_total{kind="request",result="not_authenticated"}') + 1,
  });

  // Subscriptions, then one event delivered to both subscribers.
  await subscribeOk(viewer, { type: 'PBX', customer: 'customer-north-2' });
  await subscribeOk(admin, { type: 'ADMIN' });
  await eventually({ [subs('PBX')]: b(subs('PBX')) + 1, [subs('ADMIN')]: b(subs('ADMIN')) + 1 });
  const got = [once(viewer, 'PBX', T), once(admin, 'PBX', T)];
  await publish(srv.url, 'PBX', 'customer-north-2', { event: 'CALL_STARTED' });
  await Promise.all(got);
  await eventually({
    'txrt_events_in_total{type="PBX"}': b('txrt_events_in_total{type="PBX"}') + 1,
    txrt_deliveries_total: b('txrt_deliveries_total') + 2,
  });

  await unsubscribeOk(viewer, { type: 'PBX', customer: 'customer-north-2' });
  await eventually({ [subs('PBX')]: b(subs('PBX')) });

  // Everyone leaves: the gauges are back where they were, the counters have grown.
  for (const s of [viewer, admin, old]) s.disconnect();
  const end = await eventually({
    [WS4]: b(WS4),
    [POLL4]: b(POLL4),
    [WS3]: b(WS3),
    [level('VIEWER')]: b(level('VIEWER')),
    [level('ADMIN')]: b(level('ADMIN')),
    [subs('ADMIN')]: b(subs('ADMIN')),
    [QUEUE]: b(QUEUE),
  });
  assert.ok(closedSum(end) >= closedSum(base) + 4, 'txrt_connections_closed_total grew by every session');
});

test('an upgraded session moves from polling to websocket', async () => {
  const base = await scrape();
  const s = pool.v4(srv.url, { transports: ['polling', 'websocket'] });
  await connected(s);
  if (s.io.engine.transport.name !== 'websocket') await once(s.io.engine, 'upgrade', T);
  await eventually({ [POLL4]: value(base, POLL4), [WS4]: value(base, WS4) + 1 });
  s.disconnect();
  await eventually({ [WS4]: value(base, WS4), [QUEUE]: value(base, QUEUE) });
});

describe('with Redis as the bus and the validator', () => {
  let redis;
  let app;
  let cmd;
  const REDIS_CONNECTED = 'txrt_redis_connected';
  const RECONNECTS = 'txrt_redis_reconnects_total';
  const VALIDATED = 'txrt_validator_duration_seconds_count';
  before(async () => {
    redis = await startRedis();
    cmd = await RedisClient.connect(redis.port);
    await cmd.pipeline([['SET', 'rt:session:tok-m', '{"employee":"m1","customer":"customer-north-2","accessLevel":"VIEWER"}']]);
    app = await startApp(['--auth', 'redis', '--redis', redis.url]);
    await pollUntil(async () => (await readyStatus(app.url)) === 200, 10000, 'GET /ready 200 with Redis up');
  });
  after(async () => {
    pool.closeAll();
    cmd?.close();
    await app?.stop();
    await redis?.stop();
  });

  test('Redis state, reconnects, validator round trips and dropped bus messages', { timeout: 40000 }, async () => {
    const url = app.url;
    const base = await eventually({ [REDIS_CONNECTED]: 1 }, { url });
    const b = (k) => value(base, k);

    const socket = await connected(pool.v4(url));
    assert.equal((await authenticate(socket, { token: 'tok-m' })).ack.success, true);
    await eventually({ [VALIDATED]: (v) => v >= b(VALIDATED) + 1, [level('VIEWER')]: b(level('VIEWER')) + 1 }, { url });

    await cmd.publish('rt:event:PBX:customer-north-2', 'not json');
    await cmd.publish('rt:event:NOPE:customer-north-2', '{}');
    await eventually({
      'txrt_events_dropped_total{reason="not_json"}': b('txrt_events_dropped_total{reason="not_json"}') + 1,
      'txrt_events_dropped_total{reason="bad_channel"}': b('txrt_events_dropped_total{reason="bad_channel"}') + 1,
    }, { url });

    const port = redis.port;
    cmd.close();
    cmd = null;
    await redis.stop('SIGKILL');
    await eventually({ [REDIS_CONNECTED]: 0 }, { url });
    redis = await startRedis(port);
    await eventually({ [REDIS_CONNECTED]: 1, [RECONNECTS]: (v) => v >= b(RECONNECTS) + 1 }, { url, ms: 15000 });
  });
});
