// Several txrt nodes behind haproxy, Redis as the shared bus (SPEC §3 revocation, §6 REALTIME,
// §7 request/reply, §8 load balancer). One cluster for the whole file (lib/cluster.mjs): redis,
// node 1 (--node-id n1, "node-1") and node 2 (n2, "node-2"), and haproxy running
// docker/haproxy.cfg. Clients connect directly to a node where the test is about crossing
// nodes, and through haproxy where it is about the load balancer.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once, never, emitAck } from './lib/wait.mjs';
import { RedisClient } from './lib/redis.mjs';
import {
  T,
  DEMO,
  socketPool,
  connected,
  authenticate,
  authenticateFails,
  subscribeOk,
  Recorder,
  makeEvent,
  pollUntil,
} from './lib/app.mjs';
import { startCluster } from './lib/cluster.mjs';

const TEST = { timeout: 20000 };
const C = 'customer-north-2';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

let cluster;
let N1; // node 1's URL
let N2; // node 2's URL
let LB; // haproxy's URL
let pub; // a Redis connection for PUBLISH and inspection
const pool = socketPool();

before(async () => {
  cluster = await startCluster();
  [N1, N2] = cluster.nodes.map((n) => n.url);
  LB = cluster.lbUrl;
  pub = await RedisClient.connect(cluster.redis.port);
});

after(async () => {
  pool.closeAll();
  pub?.close();
  await cluster?.stop();
});

afterEach(() => pool.closeAll());

// ---------------------------------------------------------------------------------------------
// helpers

let seq = 0;
const uniq = (what) => `${what}-${process.pid}-${++seq}`;

// A v4 client connected to `url` and authenticated as `token` with its own instanceId.
// Resolves { s (the socket), employee, instanceId }.
async function member(url, token, { instanceId = uniq('inst'), client = 'multinode-test', opts = {} } = {}) {
  const s = await connected(pool.v4(url, opts));
  const { ack } = await authenticate(s, { token, instanceId, client });
  assert.equal(ack.success, true, `authenticate ${token}: ${JSON.stringify(ack)}`);
  return { s, employee: DEMO[token].employee, instanceId };
}

// Until `nodes` nodes listen on <prefix>employee:<id> (each node subscribes while it holds a
// socket of that employee) — the condition under which a request can reach all of them.
async function listening(employee, nodes) {
  await pollUntil(
    async () => {
      const [, n] = await pub.command(['PUBSUB', 'NUMSUB', `rt:employee:${employee}`]);
      return n === nodes;
    },
    T,
    `${nodes} node(s) subscribed to rt:employee:${employee}`,
    25,
  );
}

// once(socket, name), its rejection handled until it is awaited: a test failing before it
// awaits the event leaves no unhandled rejection behind.
function next(socket, name) {
  const p = once(socket, name, T);
  p.catch(() => {});
  return p;
}

function request(m, payload) {
  return emitAck(m.s, T, 'request', payload).then(([ack]) => ack);
}
function reply(m, payload) {
  return emitAck(m.s, T, 'reply', payload).then(([ack]) => ack);
}

async function requestOk(m, payload) {
  const ack = await request(m, payload);
  assert.equal(ack?.success, true, `request ${JSON.stringify(payload)}: ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.requestId, 'string');
  assert.ok(ack.requestId.length > 0);
  return ack.requestId;
}

function assertFailure(ack, code, what) {
  assert.equal(ack?.success, false, `${what}: ${JSON.stringify(ack)}`);
  assert.equal(ack.code, code, `${what}: ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.message, 'string', `${what}: message`);
}

const me = (m) => ({ employee: m.employee, instanceId: m.instanceId });

// Every `name` event a socket records, after a quiet window.
async function settled(rec) {
  return (await rec.settle()).map((e) => e.payload);
}

// ---------------------------------------------------------------------------------------------

describe('request / reply across nodes (SPEC §7)', () => {
  test('node 1 → node 2: REQUEST with the sender as from, then REPLY back to replyTo', TEST, async () => {
    const mgr = await member(N1, 'demo-manager');
    const viewer = await member(N2, 'demo-viewer');
    await listening('emp-viewer', 1);
    const gotRequest = next(viewer.s, 'REQUEST');
    const requestId = await requestOk(mgr, {
      to: me(viewer),
      request: 'CommunicatorGetStatus',
      data: { verbose: true, list: [1, 'two'] },
      replyTo: me(mgr),
    });
    const [req] = await gotRequest;
    assert.deepEqual(req, {
      from: me(mgr),
      request: 'CommunicatorGetStatus',
      requestId,
      data: { verbose: true, list: [1, 'two'] },
      replyTo: me(mgr),
    });

    const gotReply = next(mgr.s, 'REPLY');
    const ack = await reply(viewer, { to: req.replyTo, request: req.request, requestId, data: { status: 'ok' } });
    assert.equal(ack?.success, true, `reply: ${JSON.stringify(ack)}`);
    const [rep] = await gotReply;
    assert.deepEqual(rep, {
      from: me(viewer),
      to: me(mgr),
      request: 'CommunicatorGetStatus',
      requestId,
      data: { status: 'ok' },
    });
  });

  test('node 2 → node 1: data and replyTo absent are null; several replies to one request', TEST, async () => {
    const owner = await member(N2, 'demo-owner');
    const mgr = await member(N1, 'demo-manager');
    await listening('emp-manager', 1);
    await listening('emp-owner', 1);

    // No data, no replyTo.
    const plain = next(mgr.s, 'REQUEST');
    const id1 = await requestOk(owner, { to: { employee: 'emp-manager' }, request: 'CommunicatorReload' });
    assert.deepEqual((await plain)[0], {
      from: me(owner),
      request: 'CommunicatorReload',
      requestId: id1,
      data: null,
      replyTo: null,
    });

    // A stream: one request, several replies; a reply without to.instanceId goes to
    // replyTo.instanceId, and a reply without data carries data null.
    const streamed = next(mgr.s, 'REQUEST');
    const id2 = await requestOk(owner, {
      to: { employee: 'emp-manager', instanceId: mgr.instanceId },
      request: 'CommunicatorLoggerStartStream',
      replyTo: me(owner),
    });
    const [req] = await streamed;
    assert.equal(req.requestId, id2);
    const rec = new Recorder(owner.s, ['REPLY']);
    for (const data of [{ line: 1 }, { line: 2 }, undefined]) {
      const payload = { to: { employee: 'emp-owner' }, request: req.request, requestId: id2 };
      if (data !== undefined) payload.data = data;
      const ack = await reply(mgr, payload);
      assert.equal(ack?.success, true, `reply ${JSON.stringify(payload)}: ${JSON.stringify(ack)}`);
    }
    await rec.waitFor((e) => e.payload.data === null, T, 'the third REPLY');
    const base = { from: me(mgr), to: me(owner), request: 'CommunicatorLoggerStartStream', requestId: id2 };
    assert.deepEqual(await settled(rec), [
      { ...base, data: { line: 1 } },
      { ...base, data: { line: 2 } },
      { ...base, data: null },
    ]);
  });

  test('to.instanceId reaches that instance only; without it every instance on every node, once each', TEST, async () => {
    const mgr = await member(N1, 'demo-manager');
    const va = await member(N1, 'demo-viewer');
    const vb = await member(N2, 'demo-viewer');
    await listening('emp-viewer', 2);
    const recA = new Recorder(va.s, ['REQUEST', 'REPLY']);
    const recB = new Recorder(vb.s, ['REQUEST', 'REPLY']);

    // To the instance on node 2 (sender on node 1) ...
    const idB = await requestOk(mgr, { to: me(vb), request: 'CommunicatorGetStatus' });
    // ... to the instance on node 1 (same node as the sender) ...
    const idA = await requestOk(mgr, { to: me(va), request: 'CommunicatorDevtoolsShow' });
    // ... and to all of emp-viewer's instances.
    const idAll = await requestOk(mgr, { to: { employee: 'emp-viewer' }, request: 'CommunicatorTerminate' });

    await recA.waitFor((e) => e.payload.requestId === idAll, T, 'the broadcast on node 1');
    await recB.waitFor((e) => e.payload.requestId === idAll, T, 'the broadcast on node 2');
    const gotA = await settled(recA);
    const gotB = await settled(recB);
    assert.deepEqual(gotA.map((r) => r.requestId).sort(), [idA, idAll].sort(), 'node 1 instance');
    assert.deepEqual(gotB.map((r) => r.requestId).sort(), [idB, idAll].sort(), 'node 2 instance');
    for (const r of [...gotA, ...gotB]) assert.deepEqual(r.from, me(mgr));
  });

  test('a reply to a replyTo without instanceId reaches every instance of that employee', TEST, async () => {
    const m1 = await member(N1, 'demo-manager');
    const m2 = await member(N2, 'demo-manager');
    const viewer = await member(N2, 'demo-viewer');
    await listening('emp-viewer', 1);
    await listening('emp-manager', 2);
    const gotRequest = next(viewer.s, 'REQUEST');
    const requestId = await requestOk(m1, {
      to: { employee: 'emp-viewer' },
      request: 'CommunicatorGetStatus',
      replyTo: { employee: 'emp-manager' },
    });
    const [req] = await gotRequest;
    assert.deepEqual(req.replyTo, { employee: 'emp-manager', instanceId: null });
    const rec1 = new Recorder(m1.s, ['REPLY']);
    const rec2 = new Recorder(m2.s, ['REPLY']);
    const ack = await reply(viewer, { to: { employee: 'emp-manager' }, request: req.request, requestId, data: 7 });
    assert.equal(ack?.success, true, JSON.stringify(ack));
    const expected = {
      from: me(viewer),
      to: { employee: 'emp-manager', instanceId: null },
      request: 'CommunicatorGetStatus',
      requestId,
      data: 7,
    };
    await rec1.waitFor(() => true, T, 'REPLY on node 1');
    await rec2.waitFor(() => true, T, 'REPLY on node 2');
    assert.deepEqual(await settled(rec1), [expected]);
    assert.deepEqual(await settled(rec2), [expected]);
  });

  test('CommunicatorZeroTier* between two instances of one employee on different nodes is delivered', TEST, async () => {
    const a = await member(N1, 'demo-viewer');
    const b = await member(N2, 'demo-viewer');
    await listening('emp-viewer', 2);
    const got = next(b.s, 'REQUEST');
    const requestId = await requestOk(a, {
      to: me(b),
      request: 'CommunicatorZeroTierJoin',
      data: { network: '8056c2e21c000001' },
      replyTo: me(a),
    });
    assert.deepEqual((await got)[0], {
      from: me(a),
      request: 'CommunicatorZeroTierJoin',
      requestId,
      data: { network: '8056c2e21c000001' },
      replyTo: me(a),
    });
  });

  test('a from in the payload is ignored: the server sets it from the sender (request and reply)', TEST, async () => {
    const mgr = await member(N1, 'demo-manager');
    const viewer = await member(N2, 'demo-viewer');
    await listening('emp-viewer', 1);
    const forged = { employee: 'emp-admin', instanceId: 'forged-instance' };
    const gotRequest = next(viewer.s, 'REQUEST');
    const requestId = await requestOk(mgr, {
      from: forged,
      to: me(viewer),
      request: 'CommunicatorGetStatus',
      replyTo: me(mgr),
    });
    const [req] = await gotRequest;
    assert.deepEqual(req.from, me(mgr));

    const gotReply = next(mgr.s, 'REPLY');
    const ack = await reply(viewer, { from: forged, to: me(mgr), request: req.request, requestId, data: 'x' });
    assert.equal(ack?.success, true, JSON.stringify(ack));
    assert.deepEqual((await gotReply)[0].from, me(viewer));
  });
});

describe('request / reply rejections (SPEC §7)', () => {
  test('not_authenticated: request and reply before authenticate', TEST, async () => {
    const viewer = await member(N2, 'demo-viewer');
    await listening('emp-viewer', 1);
    const rec = new Recorder(viewer.s, ['REQUEST', 'REPLY']);
    const anon = await connected(pool.v4(N1));
    assertFailure(await request({ s: anon }, { to: me(viewer), request: 'CommunicatorGetStatus' }), 'not_authenticated', 'request');
    assertFailure(
      await reply({ s: anon }, { to: me(viewer), request: 'CommunicatorGetStatus', requestId: 'whatever' }),
      'not_authenticated',
      'reply',
    );
    assert.ok(anon.connected, 'the unauthenticated socket stays connected');
    assert.deepEqual(await settled(rec), []);
  });

  test('invalid: malformed request and reply payloads', TEST, async () => {
    const mgr = await member(N1, 'demo-manager');
    const viewer = await member(N2, 'demo-viewer');
    await listening('emp-viewer', 1);
    const rec = new Recorder(viewer.s, ['REQUEST', 'REPLY']);
    const to = { employee: 'emp-viewer' };
    const badRequests = [
      'a string',
      42,
      null,
      [to, 'CommunicatorGetStatus'],
      {},
      { request: 'CommunicatorGetStatus' },
      { to: 'emp-viewer', request: 'CommunicatorGetStatus' },
      { to: {}, request: 'CommunicatorGetStatus' },
      { to: { employee: 5 }, request: 'CommunicatorGetStatus' },
      { to: { employee: '' }, request: 'CommunicatorGetStatus' },
      { to: { employee: 'emp-viewer', instanceId: 5 }, request: 'CommunicatorGetStatus' },
      { to },
      { to, request: '' },
      { to, request: 7 },
      { to, request: 'CommunicatorGetStatus', replyTo: 'emp-manager' },
      { to, request: 'CommunicatorGetStatus', replyTo: { instanceId: 'x' } },
    ];
    for (const p of badRequests) assertFailure(await request(mgr, p), 'invalid', `request ${JSON.stringify(p)}`);
    // No payload at all: only the ack callback.
    assertFailure((await emitAck(mgr.s, T, 'request'))[0], 'invalid', 'request without payload');

    const badReplies = [
      'a string',
      {},
      { to, request: 'CommunicatorGetStatus' },
      { to, request: 'CommunicatorGetStatus', requestId: '' },
      { to, request: 'CommunicatorGetStatus', requestId: 12 },
      { to: 'emp-viewer', request: 'CommunicatorGetStatus', requestId: 'r' },
      { to, requestId: 'r' },
    ];
    for (const p of badReplies) assertFailure(await reply(mgr, p), 'invalid', `reply ${JSON.stringify(p)}`);

    // Still served: a valid request goes through afterwards.
    const requestId = await requestOk(mgr, { to, request: 'CommunicatorGetStatus' });
    await rec.waitFor((e) => e.payload.requestId === requestId, T, 'the valid request');
    assert.equal((await settled(rec)).length, 1);
  });

  test('access_denied: no access to the recipient\'s customer; CommunicatorZeroTier* between different employees', TEST, async () => {
    const resellerAdmin = await member(N2, 'demo-reseller-admin'); // reseller-south
    const admin = await member(N2, 'demo-admin'); // telecomx
    const viewer = await member(N2, 'demo-viewer'); // customer-north-2
    const orgReseller = await member(N2, 'demo-org-reseller'); // customer-south-1
    await Promise.all(['emp-reseller-admin', 'emp-admin', 'emp-viewer', 'emp-org-reseller'].map((e) => listening(e, 1)));
    const recs = [resellerAdmin, admin, viewer, orgReseller].map((m) => new Recorder(m.s, ['REQUEST']));

    const owner = await member(N1, 'demo-owner'); // customer-north-2, OWNER
    const reseller = await member(N1, 'demo-reseller'); // reseller-north
    const ask = (to) => ({ to: { employee: to }, request: 'CommunicatorGetStatus' });

    assertFailure(await request(owner, ask('emp-reseller-admin')), 'access_denied', 'OWNER → another customer');
    assertFailure(await request(owner, ask('emp-admin')), 'access_denied', 'OWNER → telecomx');
    assertFailure(await request(reseller, ask('emp-org-reseller')), 'access_denied', 'RESELLER → outside its tree');
    assertFailure(await request(reseller, ask('emp-reseller-admin')), 'access_denied', 'RESELLER → its parent\'s sibling');
    // ZeroTier: only between one employee's instances, whatever the access.
    assertFailure(
      await request(owner, { to: me(viewer), request: 'CommunicatorZeroTierJoin', data: { network: 'n' } }),
      'access_denied',
      'ZeroTierJoin OWNER → VIEWER of the same customer',
    );
    assertFailure(await request(admin, { to: me(viewer), request: 'CommunicatorZeroTierStatus' }), 'access_denied', 'ZeroTierStatus ADMIN → VIEWER');
    assertFailure(await request(owner, { to: me(viewer), request: 'CommunicatorZeroTierLeave' }), 'access_denied', 'ZeroTierLeave');

    // Positive controls (access through the reseller tree and organizationResellers), last, so
    // that the recipients' quiet windows cover every refused request.
    const ids = [
      await requestOk(reseller, ask('emp-viewer')), // reseller-north → customer-north-2 (below it)
      await requestOk(orgReseller, ask('emp-viewer')), // organizationResellers: reseller-north
      await requestOk(admin, ask('emp-org-reseller')),
      await requestOk(resellerAdmin, ask('emp-viewer')),
    ];
    await recs[2].waitFor((e) => e.payload.requestId === ids[3], T, 'the last allowed request to emp-viewer');
    const got = await Promise.all(recs.map(settled));
    assert.deepEqual(got[0], [], 'emp-reseller-admin got nothing');
    assert.deepEqual(got[1], [], 'emp-admin got nothing');
    assert.deepEqual(got[2].map((r) => r.requestId), [ids[0], ids[1], ids[3]], 'emp-viewer: the allowed ones only');
    assert.deepEqual(got[3].map((r) => r.requestId), [ids[2]], 'emp-org-reseller: the allowed one only');
  });

  test('offline: an employee connected on no node (never, or no longer)', TEST, async () => {
    const reseller = await member(N1, 'demo-reseller');
    // emp-personal never connected to this cluster.
    assertFailure(
      await request(reseller, { to: { employee: 'emp-personal' }, request: 'CommunicatorGetStatus' }),
      'offline',
      'never connected',
    );
    // emp-subreseller connects on node 2, then leaves.
    const sub = await member(N2, 'demo-subreseller');
    await listening('emp-subreseller', 1);
    await requestOk(reseller, { to: { employee: 'emp-subreseller' }, request: 'CommunicatorGetStatus' });
    const gone = once(sub.s, 'disconnect', T);
    sub.s.disconnect();
    await gone;
    await listening('emp-subreseller', 0);
    assertFailure(
      await request(reseller, { to: { employee: 'emp-subreseller' }, request: 'CommunicatorGetStatus' }),
      'offline',
      'disconnected',
    );
  });

  test('unknown_request: an unknown requestId; a requestId delivered to someone else', TEST, async () => {
    const mgr = await member(N1, 'demo-manager');
    const viewer = await member(N2, 'demo-viewer');
    const owner = await member(N2, 'demo-owner'); // same customer as both: access is not the issue
    await listening('emp-viewer', 1);
    await listening('emp-manager', 1);
    const recMgr = new Recorder(mgr.s, ['REPLY']);

    assertFailure(
      await reply(viewer, { to: me(mgr), request: 'CommunicatorGetStatus', requestId: 'no-such-request' }),
      'unknown_request',
      'unknown requestId',
    );

    const gotRequest = next(viewer.s, 'REQUEST');
    const requestId = await requestOk(mgr, { to: me(viewer), request: 'CommunicatorGetStatus', replyTo: me(mgr) });
    await gotRequest;
    // Spoofed replies: by an employee the request was not delivered to (on the recipient's node
    // and on the sender's), and by the sender itself.
    const spoof = { to: me(mgr), request: 'CommunicatorGetStatus', requestId, data: 'spoofed' };
    assertFailure(await reply(owner, spoof), 'unknown_request', 'reply by emp-owner');
    const admin = await member(N1, 'demo-admin');
    assertFailure(await reply(admin, spoof), 'unknown_request', 'reply by emp-admin');
    assertFailure(await reply(mgr, spoof), 'unknown_request', 'reply by the requester');

    // Positive control: the real recipient's reply is the only one that arrives.
    const ack = await reply(viewer, { ...spoof, data: 'genuine' });
    assert.equal(ack?.success, true, JSON.stringify(ack));
    await recMgr.waitFor((e) => e.payload.data === 'genuine', T, 'the genuine REPLY');
    assert.deepEqual((await settled(recMgr)).map((r) => r.data), ['genuine']);
  });

  test('access_denied for a reply not towards replyTo, or to a request without replyTo', TEST, async () => {
    const mgr = await member(N1, 'demo-manager');
    const viewer = await member(N2, 'demo-viewer');
    const owner = await member(N1, 'demo-owner');
    const mgr2 = await member(N2, 'demo-manager');
    await listening('emp-viewer', 1);
    await listening('emp-manager', 2);
    await listening('emp-owner', 1);
    const recOwner = new Recorder(owner.s, ['REPLY']);
    const recMgr2 = new Recorder(mgr2.s, ['REPLY']);
    const recMgr = new Recorder(mgr.s, ['REPLY']);

    const recViewer = new Recorder(viewer.s, ['REQUEST']);
    const delivered = (id) => recViewer.waitFor((e) => e.payload.requestId === id, T, `REQUEST ${id}`);
    const withReplyTo = await requestOk(mgr, { to: me(viewer), request: 'CommunicatorGetStatus', replyTo: me(mgr) });
    await delivered(withReplyTo);
    // Towards another employee than replyTo (who exists and is reachable).
    assertFailure(
      await reply(viewer, { to: me(owner), request: 'CommunicatorGetStatus', requestId: withReplyTo, data: 'x' }),
      'access_denied',
      'reply to emp-owner instead of replyTo emp-manager',
    );
    // To replyTo's employee but another instance than replyTo.instanceId.
    assertFailure(
      await reply(viewer, { to: me(mgr2), request: 'CommunicatorGetStatus', requestId: withReplyTo, data: 'x' }),
      'access_denied',
      'reply to another instance than replyTo.instanceId',
    );
    // A request that asked for no reply.
    const noReplyTo = await requestOk(mgr, { to: me(viewer), request: 'CommunicatorReload' });
    await delivered(noReplyTo);
    assertFailure(
      await reply(viewer, { to: me(mgr), request: 'CommunicatorReload', requestId: noReplyTo, data: 'x' }),
      'access_denied',
      'reply to a request without replyTo',
    );

    // Positive control: the reply towards replyTo reaches replyTo's instance only.
    const ack = await reply(viewer, { to: me(mgr), request: 'CommunicatorGetStatus', requestId: withReplyTo, data: 'ok' });
    assert.equal(ack?.success, true, JSON.stringify(ack));
    await recMgr.waitFor((e) => e.payload.data === 'ok', T, 'the REPLY to replyTo');
    assert.deepEqual((await settled(recMgr)).map((r) => r.data), ['ok']);
    assert.deepEqual(await settled(recMgr2), [], 'the other instance of emp-manager got nothing');
    assert.deepEqual(await settled(recOwner), [], 'emp-owner got nothing');
  });
});

describe('events across nodes (SPEC §6)', () => {
  test('one event published once on Redis reaches the subscribers on both nodes exactly once each', TEST, async () => {
    const subs = [];
    for (const [url, token] of [
      [N1, 'demo-viewer'],
      [N2, 'demo-owner'],
      [N2, 'demo-admin'],
    ]) {
      const m = await member(url, token);
      subs.push(m);
    }
    await subscribeOk(subs[0].s, { type: 'PBX', customer: C });
    await subscribeOk(subs[1].s, { type: 'PBX', customer: C });
    await subscribeOk(subs[1].s, { type: 'PBX', customer: C, events: ['CALL_START'] }); // overlapping
    await subscribeOk(subs[2].s, { type: 'ADMIN' });
    await subscribeOk(subs[2].s, { type: 'ADMIN:PBX' }); // overlapping
    const recs = subs.map((m) => new Recorder(m.s, ['PBX']));
    const ev = makeEvent('CALL_START');
    const receivers = await pub.publish(`rt:event:PBX:${C}`, JSON.stringify(ev));
    assert.ok(receivers >= 2, `PUBLISH reached ${receivers} Redis subscribers: both nodes listen`);
    for (const rec of recs) await rec.waitFor((e) => e.payload.id === ev.id, T, 'the event');
    for (const rec of recs) assert.deepEqual(await settled(rec), [ev]);
  });

  test('REALTIME: a client of node 2 is seen by ADMIN:REALTIME on node 1 and ADMIN on node 2, not by PBX subscribers', TEST, async () => {
    const rt1 = await member(N1, 'demo-admin');
    await subscribeOk(rt1.s, { type: 'ADMIN:REALTIME' });
    const all2 = await member(N2, 'demo-admin');
    await subscribeOk(all2.s, { type: 'ADMIN' });
    const pbx1 = await member(N1, 'demo-owner');
    await subscribeOk(pbx1.s, { type: 'PBX', customer: C });
    const pbx2 = await member(N2, 'demo-manager');
    await subscribeOk(pbx2.s, { type: 'PBX', customer: C });
    const recRt1 = new Recorder(rt1.s, ['REALTIME']);
    const recAll2 = new Recorder(all2.s, ['REALTIME']);
    const recPbx = [pbx1, pbx2].map((m) => new Recorder(m.s, ['REALTIME', 'PBX']));

    const instanceId = uniq('rt');
    const newcomer = await connected(pool.v4(N2));
    const { ack } = await authenticate(newcomer, { token: 'demo-viewer', client: 'Realtime test', instanceId, ip: '10.9.8.7' });
    assert.equal(ack.success, true);
    const mine = (name) => (e) => e.payload.event === name && e.payload.data?.instanceId === instanceId;

    for (const rec of [recRt1, recAll2]) {
      const { payload: auth } = await rec.waitFor(mine('AUTHENTICATED'), T, 'AUTHENTICATED');
      assert.deepEqual(Object.keys(auth).sort(), ['customer', 'data', 'employee', 'event']);
      assert.equal(auth.customer, C);
      assert.equal(auth.employee, 'emp-viewer');
      const { connected: at, ...data } = auth.data;
      assert.deepEqual(data, {
        client: 'Realtime test',
        instanceId,
        ip: '10.9.8.7',
        remoteAddress: '127.0.0.1',
        server: 'node-2',
      });
      assert.match(at, ISO);
      // CONNECTED carries no identity; it is this client's when it has the same connection time.
      const { payload: conn } = await rec.waitFor(
        (e) => e.payload.event === 'CONNECTED' && e.payload.data?.server === 'node-2' && e.payload.data?.connected === at,
        T,
        'CONNECTED of the newcomer',
      );
      assert.deepEqual(conn, {
        event: 'CONNECTED',
        customer: null,
        employee: null,
        data: { client: null, instanceId: null, ip: null, remoteAddress: '127.0.0.1', server: 'node-2', connected: at },
      });
    }

    newcomer.disconnect();
    for (const rec of [recRt1, recAll2]) {
      const { payload: disc } = await rec.waitFor(mine('DISCONNECTED'), T, 'DISCONNECTED');
      assert.equal(disc.customer, C);
      assert.equal(disc.employee, 'emp-viewer');
      assert.equal(disc.data.server, 'node-2');
      assert.equal(disc.data.client, 'Realtime test');
      assert.match(disc.data.connected, ISO);
    }

    // Positive control for the PBX subscribers, then: no REALTIME at all.
    const ev = makeEvent('CALL_END');
    await pub.publish(`rt:event:PBX:${C}`, JSON.stringify(ev));
    for (const rec of recPbx) {
      await rec.waitFor((e) => e.name === 'PBX' && e.payload.id === ev.id, T, 'the PBX control event');
      assert.deepEqual((await rec.settle()).map((e) => [e.name, e.payload]), [['PBX', ev]]);
    }
  });
});

describe('revocation across nodes (SPEC §3)', () => {
  // Resolves with the order of `unauthorized` and `disconnect` on a socket, and the payload.
  function revoked(s) {
    const order = [];
    s.on('unauthorized', () => order.push('unauthorized'));
    s.on('disconnect', () => order.push('disconnect'));
    return Promise.all([once(s, 'unauthorized', T), once(s, 'disconnect', T)]).then(([[payload]]) => ({ payload, order }));
  }

  async function expectRevoked(victims, bystanders, message) {
    const recs = bystanders.map((m) => new Recorder(m.s, ['unauthorized', 'disconnect']));
    const results = victims.map((m) => revoked(m.s));
    for (const r of results) r.catch(() => {}); // awaited below
    const receivers = await pub.publish('rt:control', JSON.stringify(message));
    assert.ok(receivers >= 2, `PUBLISH rt:control reached ${receivers}: both nodes listen`);
    for (const { payload, order } of await Promise.all(results)) {
      assert.equal(payload.code, 'revoked');
      assert.equal(typeof payload.message, 'string');
      assert.deepEqual(order, ['unauthorized', 'disconnect']);
    }
    // The others are untouched: still connected and served (a request between their nodes).
    assert.ok(bystanders.every((m) => m.s.connected));
    const [a, b] = bystanders;
    const got = next(b.s, 'REQUEST');
    const id = await requestOk(a, { to: me(b), request: 'CommunicatorGetStatus' });
    assert.equal((await got)[0].requestId, id);
    for (const rec of recs) assert.deepEqual(await settled(rec), []);
  }

  test('{"revoke":{"employee"}} disconnects that employee\'s sockets on every node, nobody else\'s', TEST, async () => {
    const victims = [await member(N1, 'demo-viewer'), await member(N2, 'demo-viewer')];
    const bystanders = [await member(N1, 'demo-manager'), await member(N2, 'demo-manager')];
    await listening('emp-manager', 2);
    await expectRevoked(victims, bystanders, { revoke: { employee: 'emp-viewer' } });
  });

  test('{"revoke":{"token"}} disconnects the sockets of that token on every node, nobody else\'s', TEST, async () => {
    const victims = [await member(N1, 'demo-owner'), await member(N2, 'demo-owner')];
    const bystanders = [await member(N2, 'demo-manager'), await member(N1, 'demo-manager')];
    await listening('emp-manager', 2);
    await expectRevoked(victims, bystanders, { revoke: { token: 'demo-owner' } });
  });
});

describe('through haproxy (docker/haproxy.cfg, SPEC §8)', () => {
  const nodeOf = (s) => s.io.engine.id.slice(0, 3);

  // Authenticates, subscribes to PBX and receives one event published on Redis.
  async function roundTrip(s, what) {
    const { ack } = await authenticate(s, { token: 'demo-viewer', instanceId: uniq(what) });
    assert.equal(ack.success, true, `${what}: ${JSON.stringify(ack)}`);
    await subscribeOk(s, { type: 'PBX', customer: C });
    const ev = makeEvent(`VIA_LB_${what}`);
    const got = once(s, 'PBX', T);
    await pub.publish(`rt:event:PBX:${C}`, JSON.stringify(ev));
    assert.deepEqual((await got)[0], ev, what);
  }

  test('polling-only v4 clients: every request of a session reaches the node that opened it', TEST, async () => {
    // Two sessions in a row: round-robin puts one on each node.
    const sockets = [];
    for (let i = 0; i < 2; i++) sockets.push(await connected(pool.v4(LB, { transports: ['polling'] })));
    assert.deepEqual(sockets.map(nodeOf).sort(), ['n1_', 'n2_'], 'one session per node');
    // Many polling requests per session (handshake, CONNECT, authenticate, subscribe, the event),
    // each of which would fail with "Session ID unknown" on the other node.
    for (const [i, s] of sockets.entries()) {
      await roundTrip(s, `polling${i}`);
      assert.equal(s.io.engine.transport.name, 'polling');
      assert.ok(s.connected);
    }
  });

  test('polling-only v2 client (EIO=3) through haproxy', TEST, async () => {
    const s = pool.v2(LB, { transports: ['polling'] });
    await connected(s);
    assert.match(s.io.engine.id, /^n[12]_/);
    await roundTrip(s, 'v2polling');
    assert.equal(s.io.engine.transport.name, 'polling');
  });

  test('websocket-only v4 client through haproxy', TEST, async () => {
    const s = await connected(pool.v4(LB, { transports: ['websocket'] }));
    assert.match(s.io.engine.id, /^n[12]_/);
    await roundTrip(s, 'websocket');
  });

  test('polling then upgrade to WebSocket through haproxy (the upgrade request carries the sid)', TEST, async () => {
    const s = pool.v4(LB, { transports: ['polling', 'websocket'] });
    const upgraded = once(s.io, 'open', T).then(() => once(s.io.engine, 'upgrade', T));
    upgraded.catch(() => {}); // awaited below
    await connected(s);
    await upgraded;
    assert.equal(s.io.engine.transport.name, 'websocket');
    await roundTrip(s, 'upgrade');
  });

  test('remoteAddress in REALTIME is the X-Forwarded-For haproxy adds (127.0.0.1)', TEST, async () => {
    const admin = await member(N1, 'demo-admin');
    await subscribeOk(admin.s, { type: 'ADMIN:REALTIME' });
    const rec = new Recorder(admin.s, ['REALTIME']);
    const instanceId = uniq('lb');
    const s = await connected(pool.v4(LB, { transports: ['websocket'] }));
    const { ack } = await authenticate(s, { token: 'demo-viewer', instanceId });
    assert.equal(ack.success, true);
    const { payload } = await rec.waitFor(
      (e) => e.payload.event === 'AUTHENTICATED' && e.payload.data?.instanceId === instanceId,
      T,
      'AUTHENTICATED of the client behind haproxy',
    );
    assert.equal(payload.data.remoteAddress, '127.0.0.1');
    assert.equal(payload.data.server, nodeOf(s) === 'n1_' ? 'node-1' : 'node-2');
  });

  test('X-Forwarded-For is believed from a trusted peer only; haproxy drops a client\'s own', TEST, async () => {
    // demo-bound is valid only from 203.0.113.7 (data/README.md).
    const xff = { extraHeaders: { 'X-Forwarded-For': '203.0.113.7' } };
    const admin = await member(N1, 'demo-admin');
    await subscribeOk(admin.s, { type: 'ADMIN:REALTIME' });
    const rec = new Recorder(admin.s, ['REALTIME']);

    // From 127.0.0.1 (a trusted proxy) directly to node 2: the header is the client's address.
    const trusted = await connected(pool.v4(N2, xff));
    const instanceId = uniq('xff');
    const { ack } = await authenticate(trusted, { token: 'demo-bound', instanceId });
    assert.equal(ack.success, true, JSON.stringify(ack));
    const { payload } = await rec.waitFor(
      (e) => e.payload.event === 'AUTHENTICATED' && e.payload.data?.instanceId === instanceId,
      T,
      'AUTHENTICATED of the trusted-peer client',
    );
    assert.equal(payload.data.remoteAddress, '203.0.113.7');

    // From 127.0.0.2, not a trusted proxy: the header is ignored.
    const untrusted = await connected(pool.v4(N2, { ...xff, localAddress: '127.0.0.2' }));
    const denied = await authenticateFails(untrusted, [{ token: 'demo-bound' }]);
    assert.equal(denied.event.code, 'invalid_token');

    // Through haproxy: the client's header is removed, haproxy's own (127.0.0.1) is used.
    const viaLb = await connected(pool.v4(LB, { ...xff, transports: ['websocket'] }));
    const deniedLb = await authenticateFails(viaLb, [{ token: 'demo-bound' }]);
    assert.equal(deniedLb.event.code, 'invalid_token');
  });

  test('haproxy health-checks GET /ready on both nodes and sees them up', TEST, async () => {
    // haproxy's CSV statistics: one row per server, with its state and last check result.
    const rows = await pollUntil(
      async () => {
        const res = await fetch(`${cluster.statsUrl}/stats;csv`, { signal: AbortSignal.timeout(2000) });
        const [header, ...lines] = (await res.text()).split('\n');
        const cols = header.replace(/^# /, '').split(',');
        const servers = lines
          .map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])))
          .filter((r) => r.pxname === 'txrt_nodes' && r.svname?.startsWith('node'));
        return servers.length === 2 && servers.every((r) => r.check_status === 'L7OK') && servers;
      },
      8000,
      'both servers checked (L7OK)',
      200,
    );
    for (const r of rows) {
      assert.match(r.status, /^UP/, `${r.svname}: ${r.status}`);
      assert.equal(r.check_code, '200', `${r.svname}: GET /ready answered ${r.check_code}`);
    }
  });
});
