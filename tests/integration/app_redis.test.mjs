// txrt with Redis as the bus and as the token validator (SPEC §3, §6, §9). Every test group
// starts its own redis-server on a free port and stops it (and txrt) by PID.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once, collect, never, withTimeout } from './lib/wait.mjs';
import { startRedis, RedisClient, withRedis, freePort } from './lib/redis.mjs';
import {
  T,
  SECRET,
  startApp,
  socketPool,
  connected,
  authenticate,
  authenticateFails,
  login,
  subscribeOk,
  subscribeFails,
  assertSubscribeFailed,
  publishHttp,
  Recorder,
  makeEvent,
  pollUntil,
  readyStatus,
} from './lib/app.mjs';

const TEST = { timeout: 20000 };
const C = 'customer-north-2';
const NAMES = ['PBX', 'CONFIG', 'CALL', 'REGISTER', 'TRUNK', 'REDIS'];

async function expectExactly(rec, expected, what = '') {
  if (expected.length > 0) {
    const [name, payload] = expected[expected.length - 1];
    await rec.waitFor((e) => e.name === name && e.payload?.id === payload.id, T, `${what}: ${name} ${payload.id}`);
  }
  const got = await rec.settle();
  assert.deepEqual(got.map((e) => [e.name, e.payload]), expected, what);
}

async function subscribed(pool, url, token, subs) {
  const socket = await login(pool, url, token);
  for (const sub of subs) await subscribeOk(socket, sub);
  return socket;
}

describe('Redis as the bus', () => {
  let redis;
  let srv;
  let pub;
  const pool = socketPool();
  before(async () => {
    redis = await startRedis();
    srv = await startApp(['--redis', redis.url, '--publish-secret', SECRET]);
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'GET /ready 200 with Redis up');
    pub = await RedisClient.connect(redis.port);
  });
  after(async () => {
    pool.closeAll();
    pub?.close();
    await srv?.stop();
    await redis?.stop();
  });
  afterEach(() => pool.closeAll());

  test('PUBLISH rt:event:<TYPE>:<customer> is delivered exactly as published', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-viewer', [{ type: 'CALL', customer: C }]);
    const got = once(socket, 'CALL', T);
    const raw = '{"zz":true, "event":"CALL_START","id":"r-1","text":"ünï 😀 \\u00e9","n":[1.5,1e2] , "a":{}}';
    const receivers = await pub.publish(`rt:event:CALL:${C}`, raw);
    assert.ok(receivers >= 1, `PUBLISH reached ${receivers} subscribers: the node listens on Redis`);
    const [payload] = await got;
    assert.deepEqual(payload, JSON.parse(raw));
    assert.equal(JSON.stringify(payload), JSON.stringify(JSON.parse(raw)), 'key order kept');
  });

  test('rt:event:<TYPE> (no customer) reaches ADMIN, not customer subscribers', TEST, async () => {
    const admin = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN' }]);
    const owner = await subscribed(pool, srv.url, 'demo-owner', [{ type: 'PBX', customer: C }, { type: 'CALL', customer: C }]);
    const recA = new Recorder(admin, NAMES);
    const recO = new Recorder(owner, NAMES);
    const trunk = makeEvent('TRUNK_DOWN');
    const call = makeEvent('CALL_START');
    const control = makeEvent('CALL_END');
    await pub.publish('rt:event:TRUNK', JSON.stringify(trunk));
    await pub.publish('rt:event:CALL', JSON.stringify(call));
    await pub.publish(`rt:event:CALL:${C}`, JSON.stringify(control));
    // Same-channel order only is guaranteed: compare ADMIN's set, then each channel's order.
    await recA.waitFor((e) => e.payload?.id === control.id);
    await recA.waitFor((e) => e.payload?.id === trunk.id);
    await recA.waitFor((e) => e.payload?.id === call.id);
    const gotA = await recA.settle();
    assert.equal(gotA.length, 3, JSON.stringify(gotA));
    await expectExactly(recO, [['CALL', control]], 'customer subscriber');
  });

  test('POST /events publishes on Redis, on the event channel, the event text unchanged', TEST, async () => {
    const sub = await RedisClient.connect(redis.port);
    try {
      const messages = [];
      let wake;
      sub.onPush = (m) => {
        messages.push(m);
        wake?.();
      };
      await sub.command(['SUBSCRIBE', `rt:event:PBX:${C}`]);
      const rawEvent = '{ "event" : "CALL_START", "id":"post-1", "x":[1 ,2] }';
      const arrived = new Promise((resolve) => (wake = resolve));
      const res = await publishHttp(srv.url, `{"type":"PBX","customer":"${C}","event":${rawEvent}}`);
      assert.equal(res.status, 202, `${res.status} ${res.body}`);
      await withTimeout(arrived, 3000, 'the POSTed event on Redis');
      assert.deepEqual(messages[0], ['message', `rt:event:PBX:${C}`, rawEvent]);
    } finally {
      sub.close();
    }
  });

  test('2000 events published in one pipeline arrive in order, none lost', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-viewer', [{ type: 'REGISTER', customer: C }]);
    const N = 2000;
    const all = collect(socket, 'REGISTER', N, 15000);
    const replies = await pub.pipeline(
      Array.from({ length: N }, (_, i) => ['PUBLISH', `rt:event:REGISTER:${C}`, JSON.stringify({ event: 'REGISTERED', seq: i, pad: 'p'.repeat(i % 50) })]),
    );
    assert.equal(replies.length, N);
    const got = await all;
    const seqs = got.map(([e]) => e.seq);
    const firstBad = seqs.findIndex((s, i) => s !== i);
    assert.equal(firstBad, -1, `out of order or lost at index ${firstBad}: got ${seqs[firstBad]}`);
    await never(socket, 'REGISTER', 300);
  });

  test('a publisher sending non-JSON (or a non-object) is dropped; the next valid event is delivered', TEST, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-admin', [{ type: 'ADMIN' }, { type: 'PBX', customer: C }]);
    const rec = new Recorder(socket, NAMES);
    const ch = `rt:event:PBX:${C}`;
    for (const bad of ['not json', '[1,2]', '"a string"', '42', 'null', '{"event":"CALL_START"', '', '{"a":1} trailing']) {
      await pub.publish(ch, bad);
    }
    // Malformed channels: unknown type, empty customer, no prefix.
    await pub.publish(`rt:event:NOPE:${C}`, JSON.stringify(makeEvent('BAD_TYPE')));
    await pub.publish(`event:PBX:${C}`, JSON.stringify(makeEvent('NO_PREFIX')));
    const good = makeEvent('CALL_START');
    await pub.publish(ch, JSON.stringify(good));
    await expectExactly(rec, [['PBX', good]], 'only the valid event, once');
  });

  test('GET /ready is 200 while Redis is connected', TEST, async () => {
    assert.equal(await readyStatus(srv.url), 200);
  });
});

describe('Redis restarted under a running server', () => {
  let redis;
  let srv;
  const pool = socketPool();
  before(async () => {
    redis = await startRedis();
    srv = await startApp(['--redis', redis.url]);
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'GET /ready 200 with Redis up');
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
    await redis?.stop();
  });

  test('clients stay connected, /ready is 503 while down and 200 after, delivery resumes', { timeout: 45000 }, async () => {
    const socket = await subscribed(pool, srv.url, 'demo-owner', [{ type: 'PBX', customer: C }]);
    const reasons = [];
    socket.on('disconnect', (r) => reasons.push(r));

    // Works before the restart.
    let pub = await RedisClient.connect(redis.port);
    const first = makeEvent('CALL_START');
    const got1 = once(socket, 'PBX', T);
    await pub.publish(`rt:event:PBX:${C}`, JSON.stringify(first));
    assert.deepEqual((await got1)[0], first);
    pub.close();

    const port = redis.port;
    await redis.stop('SIGKILL');
    await pollUntil(async () => (await readyStatus(srv.url)) === 503, 5000, 'GET /ready 503 with Redis down');
    assert.equal(socket.connected, true);

    redis = await startRedis(port);
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 15000, 'GET /ready 200 after Redis is back');

    // Delivery resumes: publish until one arrives (the node may still be re-subscribing).
    pub = await RedisClient.connect(redis.port);
    try {
      const seen = [];
      socket.on('PBX', (e) => seen.push(e));
      let n = 0;
      await pollUntil(
        async () => {
          await pub.publish(`rt:event:PBX:${C}`, JSON.stringify(makeEvent('CALL_START', { attempt: n++ })));
          return seen.length > 0;
        },
        10000,
        'an event delivered after the Redis restart',
        200,
      );
      assert.equal(seen[0].event, 'CALL_START');
    } finally {
      pub.close();
    }
    // The subscription itself survived: a marked event arrives too.
    const rec = new Recorder(socket, ['PBX']);
    const last = makeEvent('CALL_END');
    await withRedis(redis.port, (p) => p.publish(`rt:event:PBX:${C}`, JSON.stringify(last)));
    await rec.waitFor((e) => e.payload?.id === last.id, T, 'the event after the restart');
    assert.deepEqual(reasons, [], 'no client was dropped');
    assert.equal(socket.connected, true);
  });
});

describe('Redis down when the server starts', () => {
  let redis;
  let srv;
  const pool = socketPool();
  after(async () => {
    pool.closeAll();
    await srv?.stop();
    await redis?.stop();
  });

  test('the server starts anyway, /ready is 503, then 200 and delivering once Redis is up', { timeout: 30000 }, async () => {
    const port = await freePort();
    srv = await startApp(['--redis', `redis://127.0.0.1:${port}`]);
    assert.equal(await readyStatus(srv.url), 503);
    // Clients can connect and authenticate (auth=file) meanwhile.
    const socket = await subscribed(pool, srv.url, 'demo-viewer', [{ type: 'CALL', customer: C }]);
    redis = await startRedis(port);
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 15000, 'GET /ready 200 once Redis is up');
    const ev = makeEvent('CALL_START');
    const got = once(socket, 'CALL', T);
    await withRedis(port, (p) => p.publish(`rt:event:CALL:${C}`, JSON.stringify(ev)));
    assert.deepEqual((await got)[0], ev);
    assert.equal(socket.connected, true);
  });
});

describe('auth=redis (sessions in <prefix>session:<token>)', () => {
  let redis;
  let srv;
  let cmd;
  const pool = socketPool();
  before(async () => {
    redis = await startRedis();
    cmd = await RedisClient.connect(redis.port);
    await cmd.pipeline([
      ['SET', 'rt:session:tok-e1', '{"employee":"e1","customer":"customer-north-2","accessLevel":"VIEWER"}'],
      ['SET', 'rt:session:tok-ok', '{"success":true,"employee":"e2","customer":"cust-a","accessLevel":"OWNER","name":"E Two"}'],
      ['SET', 'rt:session:tok-false', '{"success":false}'],
      ['SET', 'rt:session:tok-nologin', '{"employee":"e3","customer":"cust-a","accessLevel":"NO_LOGIN"}'],
      ['SET', 'rt:session:tok-reseller', '{"employee":"e4","customer":"res-a","accessLevel":"RESELLER"}'],
      ['SET', 'rt:session:tok-late', '{"employee":"e5","customer":"cust-a","accessLevel":"VIEWER"}'],
      ['HSET', 'rt:customer:parent', 'cust-a', 'res-a', 'res-a', 'root', 'cust-b', 'res-b', 'res-b', 'root'],
    ]);
    srv = await startApp(['--auth', 'redis', '--redis', redis.url, '--auth-timeout-ms', '10000']);
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'GET /ready 200 with Redis up');
  });
  after(async () => {
    pool.closeAll();
    cmd?.close();
    await srv?.stop();
    await redis?.stop();
  });
  afterEach(() => pool.closeAll());

  test('a session key authenticates with its identity', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    const { event, ack } = await authenticate(socket, { token: 'tok-e1' });
    const who = { employee: 'e1', customer: 'customer-north-2', accessLevel: 'VIEWER' };
    assert.deepEqual(event, who);
    assert.deepEqual(ack, { success: true, ...who });
    assert.equal((await subscribeOk(socket, { type: 'CALL', customer: 'customer-north-2' })).ack.success, true);
    assertSubscribeFailed(await subscribeFails(socket, { type: 'CALL', customer: 'cust-a' }), {
      type: 'CALL',
      customer: 'cust-a',
      code: 'access_denied',
    });
  });

  test('a session with success:true and extra fields', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    const { ack } = await authenticate(socket, { token: 'tok-ok' });
    assert.deepEqual(ack, { success: true, employee: 'e2', customer: 'cust-a', accessLevel: 'OWNER' });
  });

  for (const [token, code] of [
    ['no-such-token', 'invalid_token'],
    ['tok-false', 'invalid_token'],
    ['tok-nologin', 'credentials_invalid'],
  ]) {
    test(`${token}: ${code}`, TEST, async () => {
      const socket = await connected(pool.v4(srv.url));
      const { event, ack, reason } = await authenticateFails(socket, [{ token }]);
      assert.equal(event.code, code);
      assert.equal(ack.code, code);
      assert.equal(reason, 'io server disconnect');
    });
  }

  test('the customer directory comes from <prefix>customer:parent', TEST, async () => {
    const socket = await login(pool, srv.url, 'tok-reseller');
    assert.equal((await subscribeOk(socket, { type: 'PBX', customer: 'res-a' })).ack.success, true);
    assert.equal((await subscribeOk(socket, { type: 'PBX', customer: 'cust-a' })).ack.success, true);
    assertSubscribeFailed(await subscribeFails(socket, { type: 'PBX', customer: 'cust-b' }), {
      type: 'PBX',
      customer: 'cust-b',
      code: 'access_denied',
    });
  });

  test('CONFIG CUSTOMER_UPDATED for a customer refreshes its cached parent chain', TEST, async () => {
    await cmd.command(['HSET', 'rt:customer:parent', 'cust-c', 'res-b']);
    const reseller = await login(pool, srv.url, 'tok-reseller');
    assertSubscribeFailed(await subscribeFails(reseller, { type: 'PBX', customer: 'cust-c' }), {
      type: 'PBX',
      customer: 'cust-c',
      code: 'access_denied',
    });
    // cust-c moves below res-a; the publisher announces it.
    await cmd.command(['HSET', 'rt:customer:parent', 'cust-c', 'res-a']);
    const watcher = await login(pool, srv.url, 'tok-reseller');
    await subscribeOk(watcher, { type: 'CONFIG', customer: 'res-a' });
    const updated = makeEvent('CUSTOMER_UPDATED', { customer: 'cust-c' });
    const control = makeEvent('USER_UPDATED');
    await cmd.publish('rt:event:CONFIG:cust-c', JSON.stringify(updated));
    await cmd.publish('rt:event:CONFIG:res-a', JSON.stringify(control));
    // Both channels go through the same bus connection: once the control arrived, the
    // CUSTOMER_UPDATED before it has been seen by the node.
    const [got] = await once(watcher, 'CONFIG', T);
    assert.equal(got.id, control.id);
    const { ack } = await subscribeOk(reseller, { type: 'PBX', customer: 'cust-c' });
    assert.equal(ack.success, true);
  });

  // Last in this group: it stops Redis.
  test('Redis stopped: authenticate answers unavailable, well before authTimeout', TEST, async () => {
    cmd.close();
    await redis.stop('SIGKILL');
    const socket = await connected(pool.v4(srv.url));
    const started = Date.now();
    const { event, ack, reason } = await authenticateFails(socket, [{ token: 'tok-late' }], 8000);
    const elapsed = Date.now() - started;
    assert.equal(event.code, 'unavailable', JSON.stringify(event));
    assert.equal(ack.code, 'unavailable');
    assert.equal(reason, 'io server disconnect');
    assert.ok(elapsed < 5000, `unavailable after ${elapsed} ms (authTimeout 10000 ms)`);
  });
});
