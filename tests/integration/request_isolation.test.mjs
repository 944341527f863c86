// Tenant isolation and reply streams in request / reply (SPEC §7), against the real binary with
// real socket.io clients, once on each store the request record can live in: the single-node
// default (the in-memory store) and Redis.
//  - request-ttl-ms: the record lives that long after the request and after each accepted
//    reply, so a stream of replies (CommunicatorLoggerStartStream) outlives it while replies keep
//    coming, and ends after that long a silence;
//  - replyTo obeys the access rule of `to`, checked when the request is sent (the review's leak:
//    a MANAGER of customer-north-2 had an OWNER's replies sent to reseller-south);
//  - a request addressed to one instance is answered by that instance only;
//  - a request the delivering node would drop is not acked success.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { once, emitAck } from './lib/wait.mjs';
import { startRedis, RedisClient } from './lib/redis.mjs';
import { T, DEMO, startApp, socketPool, connected, authenticate, Recorder, pollUntil, readyStatus } from './lib/app.mjs';

const TTL = 2000; // --request-ttl-ms
const TEST = { timeout: 30000 };
const STORES = [
  { name: 'single node, in-memory store (the default)', redis: false },
  { name: 'Redis store', redis: true },
];

let seq = 0;
const uniq = (what) => `${what}-${process.pid}-${++seq}`;
const me = (m) => ({ employee: m.employee, instanceId: m.instanceId });

function assertFailure(ack, code, what) {
  assert.equal(ack?.success, false, `${what}: ${JSON.stringify(ack)}`);
  assert.equal(ack.code, code, `${what}: ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.message, 'string', `${what}: message`);
}

// once(socket, name), its rejection handled until it is awaited.
function next(socket, name) {
  const p = once(socket, name, T);
  p.catch(() => {});
  return p;
}

for (const store of STORES) {
  describe(`request isolation and reply streams — ${store.name}`, () => {
    let srv;
    let redis;
    let rc; // a Redis connection for inspection (Redis store only)
    const pool = socketPool();
    const used = new Set(); // employees with sockets in the current test

    before(async () => {
      const args = ['--request-ttl-ms', String(TTL)];
      if (store.redis) {
        redis = await startRedis();
        args.push('--redis', redis.url);
      }
      srv = await startApp(args);
      if (store.redis) {
        await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'GET /ready 200 with Redis up');
        rc = await RedisClient.connect(redis.port);
      }
    });

    after(async () => {
      pool.closeAll();
      rc?.close();
      await srv?.stop();
      await redis?.stop();
    });

    // With Redis, the next test's subscriptions must not race this test's unsubscriptions: wait
    // until the node has let go of every employee channel this test used.
    afterEach(async () => {
      pool.closeAll();
      if (rc) for (const e of used) await subscribers(e, 0);
      used.clear();
    });

    async function subscribers(employee, n) {
      if (!rc) return;
      await pollUntil(
        async () => (await rc.command(['PUBSUB', 'NUMSUB', `rt:employee:${employee}`]))[1] === n,
        T,
        `${n} subscriber(s) of rt:employee:${employee}`,
        25,
      );
    }

    // A v4 client authenticated as `token` with its own instanceId; with Redis, once the node
    // listens on the employee's channel (a request can reach it).
    async function member(token, { instanceId = uniq('inst') } = {}) {
      const s = await connected(pool.v4(srv.url));
      const { ack } = await authenticate(s, { token, instanceId, client: 'request-isolation-test' });
      assert.equal(ack.success, true, `authenticate ${token}: ${JSON.stringify(ack)}`);
      const employee = DEMO[token].employee;
      used.add(employee);
      await subscribers(employee, 1);
      return { s, employee, instanceId };
    }

    const request = (m, payload) => emitAck(m.s, T, 'request', payload).then(([ack]) => ack);
    const reply = (m, payload) => emitAck(m.s, T, 'reply', payload).then(([ack]) => ack);

    async function requestOk(m, payload) {
      const ack = await request(m, payload);
      assert.equal(ack?.success, true, `request ${JSON.stringify(payload)}: ${JSON.stringify(ack)}`);
      return ack.requestId;
    }

    const settled = async (rec) => (await rec.settle()).map((e) => e.payload);

    test(`a reply stream outlives request-ttl-ms (${TTL} ms) while replies keep coming; 2.5 s of silence ends it`, TEST, async () => {
      const owner = await member('demo-owner');
      const mgr = await member('demo-manager');
      const gotRequest = next(mgr.s, 'REQUEST');
      const requestId = await requestOk(owner, {
        to: me(mgr),
        request: 'CommunicatorLoggerStartStream',
        replyTo: me(owner),
      });
      const [req] = await gotRequest;
      const rec = new Recorder(owner.s, ['REPLY']);
      const line = (n) => ({ to: me(owner), request: req.request, requestId, data: { line: n } });

      // A reply every 700 ms for 6 s: 0, 0.7, ..., 5.6 s, nearly three TTLs.
      const start = Date.now();
      const sent = [];
      for (let n = 0; n * 700 <= 6000; n++) {
        await delay(Math.max(0, start + n * 700 - Date.now())); // the cadence under test
        const ack = await reply(mgr, line(n));
        assert.equal(ack?.success, true, `reply ${n} at ${Date.now() - start} ms: ${JSON.stringify(ack)}`);
        sent.push(n);
      }
      assert.ok(Date.now() - start >= 2.5 * TTL, 'the stream outlived the TTL');
      await rec.waitFor((e) => e.payload.data?.line === sent.at(-1), T, 'the last REPLY');
      const got = await settled(rec);
      assert.deepEqual(got.map((r) => r.data.line), sent, 'every reply, once, in order');
      for (const r of got) assert.deepEqual(r.from, me(mgr));
      if (rc) {
        const pttl = await rc.command(['PTTL', `rt:request:${requestId}`]);
        assert.ok(pttl > 0 && pttl <= TTL, `PTTL ${pttl}`);
      }

      await delay(2500); // silence: longer than the TTL since the last accepted reply
      assertFailure(await reply(mgr, line(99)), 'unknown_request', 'a reply after 2.5 s of silence');
      if (rc) assert.equal(await rc.command(['EXISTS', `rt:request:${requestId}`]), 0);
      assert.equal((await settled(rec)).length, got.length, 'nothing more arrived');
    });

    test('replyTo across resellers is refused when the request is sent (the review\'s reproduction)', TEST, async () => {
      const mgr = await member('demo-manager'); // MANAGER, customer-north-2
      const owner = await member('demo-owner'); // OWNER, customer-north-2
      const south = await member('demo-reseller-admin'); // reseller-south
      const viewer = await member('demo-viewer'); // customer-north-2
      const recOwner = new Recorder(owner.s, ['REQUEST']);
      const recSouth = new Recorder(south.s, ['REQUEST', 'REPLY']);
      const ask = (replyTo, request = 'CommunicatorGetStatus') => ({ to: me(owner), request, data: { q: 1 }, replyTo });

      const leak = await request(mgr, ask(me(south)));
      assertFailure(leak, 'access_denied', 'replyTo an employee of reseller-south');
      // An employee no node has seen: its customer is unknown, so it is refused (fail closed).
      assertFailure(await request(mgr, ask({ employee: 'emp-personal' })), 'access_denied', 'replyTo unknown');
      // CommunicatorZeroTier*: replies only to the sender's own employee, even a colleague's.
      const mgr2 = await member('demo-manager');
      assertFailure(
        await request(mgr, { to: me(mgr2), request: 'CommunicatorZeroTierJoin', replyTo: me(viewer) }),
        'access_denied',
        'ZeroTier replyTo another employee',
      );
      // A name that differs from CommunicatorZeroTier* only by case is no way around it.
      assertFailure(await request(mgr, ask(me(viewer), 'communicatorZeroTierJoin')), 'invalid', 'case lookalike');

      // Positive controls: replyTo a colleague the sender reaches, and the sender itself; the
      // owner's reply reaches the colleague.
      const toViewer = await requestOk(mgr, ask(me(viewer)));
      const toSelf = await requestOk(mgr, ask(me(mgr)));
      await requestOk(mgr, { to: me(mgr2), request: 'CommunicatorZeroTierJoin', replyTo: me(mgr) });
      await recOwner.waitFor((e) => e.payload.requestId === toSelf, T, 'the allowed REQUESTs');
      const recViewer = new Recorder(viewer.s, ['REPLY']);
      const ack = await reply(owner, { to: me(viewer), request: 'CommunicatorGetStatus', requestId: toViewer, data: 'ok' });
      assert.equal(ack?.success, true, JSON.stringify(ack));
      await recViewer.waitFor((e) => e.payload.data === 'ok', T, 'the REPLY to the colleague');

      assert.deepEqual((await settled(recOwner)).map((r) => r.requestId), [toViewer, toSelf], 'the owner got the allowed ones only');
      assert.deepEqual(await settled(recSouth), [], 'reseller-south got nothing');
    });

    test('a reseller\'s replyTo is checked through the directory, like its to', TEST, async () => {
      const reseller = await member('demo-reseller'); // reseller-north
      const viewer = await member('demo-viewer'); // customer-north-2, below reseller-north
      const south = await member('demo-org-reseller'); // customer-south-1, below reseller-south
      const recSouth = new Recorder(south.s, ['REQUEST', 'REPLY']);
      const ask = (replyTo) => ({ to: me(viewer), request: 'CommunicatorGetStatus', replyTo });
      // Recording from before the request: the REQUEST may arrive before the sender's ack.
      const recViewer = new Recorder(viewer.s, ['REQUEST']);
      assertFailure(await request(reseller, ask(me(south))), 'access_denied', 'replyTo outside its tree');
      const id = await requestOk(reseller, ask({ employee: 'emp-viewer' }));
      await recViewer.waitFor((e) => e.payload.requestId === id, T, 'the allowed REQUEST');
      assert.deepEqual(await settled(recSouth), []);
    });

    test('a request addressed to one instance is answered by that instance only', TEST, async () => {
      const owner = await member('demo-owner');
      const a = await member('demo-manager');
      const b = await member('demo-manager');
      const gotA = next(a.s, 'REQUEST');
      const requestId = await requestOk(owner, { to: me(a), request: 'CommunicatorGetStatus', replyTo: me(owner) });
      const [req] = await gotA;
      assert.equal(req.requestId, requestId);
      const rec = new Recorder(owner.s, ['REPLY']);
      const answer = (data) => ({ to: me(owner), request: 'CommunicatorGetStatus', requestId, data });

      assertFailure(await reply(b, answer('from b')), 'access_denied', 'the other instance of the same employee');
      const ack = await reply(a, answer('from a'));
      assert.equal(ack?.success, true, JSON.stringify(ack));
      await rec.waitFor((e) => e.payload.data === 'from a', T, 'the addressed instance\'s REPLY');
      assert.deepEqual((await settled(rec)).map((r) => r.data), ['from a']);

      // Addressed to every instance: either may answer.
      const all = await requestOk(owner, { to: { employee: 'emp-manager' }, request: 'CommunicatorGetStatus', replyTo: me(owner) });
      for (const m of [a, b]) {
        const ok = await reply(m, { ...answer(m.instanceId), requestId: all });
        assert.equal(ok?.success, true, JSON.stringify(ok));
      }
    });

    test('a request acked success is delivered: a cut instanceId stays UTF-8 end to end', TEST, async () => {
      const viewer = await member('demo-viewer');
      const rec = new Recorder(viewer.s, ['REQUEST']);
      // authenticate keeps at most 256 bytes of instanceId: 1 + 140 × 2 bytes is cut, on a
      // character boundary. (Before, the cut split an "é": the sending node acked success and
      // the delivering node dropped the envelope as malformed. The sending node now also
      // refuses a sender it could not deliver for — unit-tested in request_isolation_test,
      // since no client can produce that state any more.)
      const long = `x${'é'.repeat(140)}`;
      const cut = await member('demo-manager', { instanceId: long });
      const id = await requestOk(cut, { to: me(viewer), request: 'CommunicatorGetStatus' });
      const got = await rec.waitFor((e) => e.payload.requestId === id, T, 'the REQUEST from the cut instanceId');
      const from = got.payload.from.instanceId;
      assert.ok(long.startsWith(from), 'a prefix of what the client sent');
      assert.equal(Buffer.byteLength(from), 255, 'cut before the character that would pass 256 bytes');
      assert.deepEqual((await settled(rec)).map((r) => r.requestId), [id]);
    });
  });
}
