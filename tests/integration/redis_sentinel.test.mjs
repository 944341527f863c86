// Redis as production runs it: a Sentinel-managed master with a replica, passwords on both the
// data nodes and the sentinels (different ones). Two txrt nodes find the master through three
// sentinels (quorum 2); clients on both are subscribed, and a request/reply pair crosses the
// nodes. The master is SIGKILLed: within the sentinels' failover (their first +switch-master)
// plus 2 s, events published on the new master reach every subscriber again, request/reply
// works again, GET /ready went 503 and is 200 again, txrt_redis_failovers_total moved by one,
// and no client was disconnected. Then the old master comes back as a replica and nothing
// changes. Also: start-up refuses redis together with redis-sentinels (exit 2).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once, emitAck } from './lib/wait.mjs';
import { RedisClient } from './lib/redis.mjs';
import { scrapeSamples } from './lib/http.mjs';
import {
  T, DEMO, SECRET, TXRT_BIN, startApp, socketPool, connected, authenticate, subscribeOk, Recorder, pollUntil,
  readyStatus,
} from './lib/app.mjs';
import {
  startSentinels, startDataNode, authedClient, role, MASTER_NAME, SENTINEL_PASSWORD,
} from './lib/sentinel.mjs';

const RESUME_MS = 2000; // after the sentinels' failover
const C = 'customer-north-2';
const TEST = { timeout: 120000 };

let seq = 0;
const uniq = (what) => `${what}-${process.pid}-${++seq}`;
const failovers = async (url) => (await scrapeSamples(url)).get('txrt_redis_failovers_total') ?? 0;

// GET /ready sampled every 50 ms (no event announces it): the statuses seen, in order.
function sampleReady(url) {
  const seen = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const status = await readyStatus(url).catch(() => 0);
      if (seen.at(-1)?.status !== status) seen.push({ status, at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    seen,
    async stop() {
      running = false;
      await done;
    },
  };
}

// The first +switch-master any of the sentinels announces: when the failover is done.
async function watchSwitch(sentinels) {
  const clients = [];
  let resolve;
  const first = new Promise((r) => (resolve = r));
  for (const s of sentinels) {
    const c = await authedClient(s.port, SENTINEL_PASSWORD);
    c.onPush = (msg) => {
      if (Array.isArray(msg) && msg[0] === 'message' && msg[1] === '+switch-master')
        resolve({ at: Date.now(), payload: msg[2] });
    };
    await c.command(['SUBSCRIBE', '+switch-master']);
    clients.push(c);
  }
  return { first, close: () => clients.forEach((c) => c.close()) };
}

describe('Sentinel failover under two txrt nodes', () => {
  let redis;
  const nodes = [];
  const pool = socketPool();
  let mgr; // emp-manager on node 1
  let viewer; // emp-viewer on node 2
  const recs = [];
  const disconnects = [];
  let failedOver = false; // the first test got as far as the failover

  before(async () => {
    redis = await startSentinels();
    for (const [id, name] of [['n1', 'node-1'], ['n2', 'node-2']]) {
      nodes.push(await startApp([...redis.flags, '--node-id', id, '--server-name', name,
        '--publish-secret', SECRET, '--validator-timeout-ms', '1000']));
    }
    for (const n of nodes)
      await pollUntil(async () => (await readyStatus(n.url)) === 200, 15000, 'GET /ready 200 via Sentinel');
    const member = async (url, token) => {
      const s = await connected(pool.v4(url));
      const instanceId = uniq('inst');
      const { ack } = await authenticate(s, { token, instanceId, client: 'sentinel-test' });
      assert.equal(ack.success, true, `authenticate ${token}: ${JSON.stringify(ack)}`);
      await subscribeOk(s, { type: 'PBX', customer: C });
      s.on('disconnect', (reason) => disconnects.push({ token, reason }));
      recs.push(new Recorder(s, ['PBX']));
      return { s, employee: DEMO[token].employee, instanceId };
    };
    mgr = await member(nodes[0].url, 'demo-manager');
    viewer = await member(nodes[1].url, 'demo-viewer');
  });

  after(async () => {
    pool.closeAll();
    for (const n of nodes) await n.stop();
    await redis?.stop();
  });

  // Publishes marked PBX events on the server at `port` every 100 ms until every subscriber
  // got one, within `ms`. Resolves when that happened.
  async function eventsReachEveryone(port, ms, what) {
    const pub = await authedClient(port);
    const mark = uniq('ev');
    let n = 0;
    try {
      await pollUntil(async () => {
        await pub.publish(`rt:event:PBX:${C}`, JSON.stringify({ event: 'CALL_START', customer: C, id: `${mark}-${n++}` }));
        return recs.every((r) => r.events.some((e) => String(e.payload?.id).startsWith(mark)));
      }, ms, `${what}: an event reaches both subscribers`, 100);
    } finally {
      pub.close();
    }
    return Date.now();
  }

  // mgr (node 1) → viewer (node 2): REQUEST, then REPLY back; while the nodes are not back on a
  // master the request is refused (unavailable, or offline until node 2 re-subscribed): try again.
  async function requestReplyWorks(ms, what) {
    const refusals = [];
    let requestId;
    const gotRequest = [];
    const onRequest = (req) => gotRequest.push(req);
    viewer.s.on('REQUEST', onRequest);
    try {
      await pollUntil(async () => {
        const [ack] = await emitAck(mgr.s, T, 'request', {
          to: { employee: viewer.employee }, request: 'CommunicatorGetStatus', data: { n: ++seq },
          replyTo: { employee: mgr.employee, instanceId: mgr.instanceId },
        });
        if (!ack.success) {
          assert.ok(['unavailable', 'offline'].includes(ack.code), `${what}: ${JSON.stringify(ack)}`);
          refusals.push(ack.code);
          return false;
        }
        requestId = ack.requestId;
        return true;
      }, ms, `${what}: a request accepted`, 100).catch((err) => {
        throw new Error(`${err.message}; refused: ${refusals.join(',')}\nnode 1:\n${nodes[0].output().slice(-3000)}`);
      });
      await pollUntil(() => gotRequest.some((r) => r.requestId === requestId), T, `${what}: REQUEST delivered`, 20);
    } finally {
      viewer.s.off('REQUEST', onRequest);
    }
    const req = gotRequest.find((r) => r.requestId === requestId);
    assert.deepEqual(req.from, { employee: mgr.employee, instanceId: mgr.instanceId });
    assert.deepEqual(req.replyTo, { employee: mgr.employee, instanceId: mgr.instanceId });
    const reply = once(mgr.s, 'REPLY', T);
    const [ack] = await emitAck(viewer.s, T, 'reply', { to: req.replyTo, request: req.request, requestId, data: { ok: true } });
    assert.equal(ack.success, true, `${what}: reply ${JSON.stringify(ack)}`);
    const [got] = await reply;
    assert.equal(got.requestId, requestId);
    assert.deepEqual(got.data, { ok: true });
    return { at: Date.now(), refusals };
  }

  test('the master is killed: everything resumes on the new master within failover + 2 s', TEST, async (t) => {
    // Positive controls on the first master.
    await eventsReachEveryone(redis.master.port, T, 'before the failover');
    await requestReplyWorks(T, 'before the failover');
    for (const n of nodes) assert.equal(await failovers(n.url), 0, 'no failover counted yet');

    // What the nodes wrote (employee → customer) is on the replica before the master goes:
    // replication is asynchronous, and this test is about txrt, not about lost writes.
    const m = await authedClient(redis.master.port);
    assert.equal(await m.command(['WAIT', '1', '5000'], 6000), 1, 'the replica acknowledged every write');
    m.close();
    const samplers = nodes.map((n) => sampleReady(n.url));
    const sw = await watchSwitch(redis.sentinels);
    const killed = Date.now();
    await redis.master.stop('SIGKILL');
    let switched;
    try {
      switched = await Promise.race([
        sw.first,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no +switch-master within 30 s')), 30000)),
      ]);
    } finally {
      sw.close();
    }
    t.diagnostic(`+switch-master ${switched.at - killed} ms after the kill: ${switched.payload}`);
    const [name, , oldPort, , newPort] = switched.payload.split(' ');
    assert.equal(name, MASTER_NAME);
    assert.equal(Number(oldPort), redis.master.port);
    assert.equal(Number(newPort), redis.replica.port, 'the replica was promoted');
    const deadline = switched.at + RESUME_MS;
    failedOver = true;

    const eventsAt = await eventsReachEveryone(redis.replica.port, Math.max(deadline - Date.now(), 100), 'after the failover');
    t.diagnostic(`events reach both subscribers ${eventsAt - switched.at} ms after +switch-master`);
    const rr = await requestReplyWorks(Math.max(deadline - Date.now(), 100), 'after the failover');
    t.diagnostic(`request/reply works ${rr.at - switched.at} ms after +switch-master (refused meanwhile: ${rr.refusals.join(',') || 'none'})`);
    for (const n of nodes) {
      await pollUntil(async () => (await readyStatus(n.url)) === 200, Math.max(deadline - Date.now(), 100), `${n.url}: GET /ready 200 again`);
    }
    assert.ok(Date.now() <= deadline + 200, `resumed ${Date.now() - switched.at} ms after +switch-master`);
    for (const s of samplers) await s.stop();
    for (const [i, s] of samplers.entries()) {
      const statuses = s.seen.map((x) => x.status);
      t.diagnostic(`node ${i + 1} /ready: ${statuses.join(' → ')}`);
      assert.ok(statuses.includes(503), `node ${i + 1}: /ready went 503 (${statuses})`);
      assert.equal(statuses.at(-1), 200, `node ${i + 1}: /ready is 200 again`);
    }
    for (const n of nodes) assert.equal(await failovers(n.url), 1, `${n.url}: txrt_redis_failovers_total`);
    assert.deepEqual(disconnects, [], 'no client was disconnected');
    assert.ok(mgr.s.connected && viewer.s.connected);
    for (const n of nodes) assert.match(n.output(), /master 'txrtmaster' switched from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+/);
  });

  test('the old master comes back as a replica: nothing changes', TEST, async (t) => {
    if (!failedOver) return t.skip('no failover happened (the previous test failed)');
    const samplers = nodes.map((n) => sampleReady(n.url));
    const back = await startDataNode(redis.dir, redis.master.port);
    redis.started.push(back);
    redis.master = back;
    // Started as a master (empty); the sentinels turn it into a replica of the new master.
    const since = Date.now();
    await pollUntil(async () => (await role(back.port)) === 'slave', 40000, 'the old master is a replica', 200);
    t.diagnostic(`the old master is a replica ${Date.now() - since} ms after it came back`);
    await eventsReachEveryone(redis.replica.port, T, 'with the old master back');
    await requestReplyWorks(T, 'with the old master back');
    for (const s of samplers) await s.stop();
    for (const [i, s] of samplers.entries())
      assert.deepEqual(s.seen.map((x) => x.status), [200], `node ${i + 1}: /ready stayed 200`);
    for (const n of nodes) assert.equal(await failovers(n.url), 1, `${n.url}: no failover counted`);
    assert.deepEqual(disconnects, [], 'no client was disconnected');
  });
});

describe('Sentinel configuration at start-up', () => {
  test('redis and redis-sentinels together: exit 2 with a message', { timeout: 20000 }, async () => {
    const srv = startApp(['--redis', 'redis://127.0.0.1:6379', '--redis-sentinels', '127.0.0.1:26379',
      '--redis-master-name', MASTER_NAME]);
    await assert.rejects(srv, (err) => {
      assert.match(err.message, /exited \(2\)/);
      assert.match(err.message, /redis-sentinels: give either redis .* or redis-sentinels/);
      return true;
    });
  });

  test('--check-config: the Sentinel keys checked without the network', { timeout: 20000 }, () => {
    const check = (...args) => spawnSync(TXRT_BIN, ['--check-config', ...args], { encoding: 'utf8', timeout: 10000 });
    const sentinel = ['--redis-sentinels', '127.0.0.1:26379,127.0.0.1:26380', '--redis-master-name', MASTER_NAME,
      '--redis-password', 'm', '--redis-sentinel-password', 's'];
    let r = check(...sentinel, '--auth', 'redis');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /configuration OK/);
    r = check(...sentinel, '--redis', 'redis://127.0.0.1:6379');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /redis-sentinels: give either redis/);
    r = check('--redis-sentinels', '127.0.0.1:26379');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /redis-master-name: required by redis-sentinels/);
    r = check('--redis-sentinels', '127.0.0.1:0', '--redis-master-name', MASTER_NAME);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /redis-sentinels: '127\.0\.0\.1:0': bad port/);
    r = check('--redis', 'redis://:pw@127.0.0.1:6379', '--redis-password', 'other');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /redis-password: the redis URL has a password already/);
  });
});
