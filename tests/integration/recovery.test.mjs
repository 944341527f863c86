// Connection state recovery (SPEC §11, issue 13) with the official socket.io-client 4.8, which
// recovers by itself: the server's CONNECT answer carries `pid`, every Telecom X event carries
// a string offset as its last argument, and a reconnecting client adds {pid, offset} to its
// CONNECT auth. A client back within --recovery-window-ms (default 120000) gets
// socket.recovered === true, the same socket.id, its identity and subscriptions without
// authenticating again, and every event it missed, once each, in order, before newer ones; past
// the window, with its state gone or its token revoked, a fresh session that receives nothing
// until it authenticates and subscribes again.
//
// A network drop is made with a TCP gate between the client and the node (lib/recovery.mjs):
// the gate is cut (both ends see the connection end) and held shut, so the client keeps trying
// to reconnect by itself, with the pid and offset it holds, until the test opens it — after the
// node has counted the session as closed and the missed events have been published. Clients of
// a two-node cluster go through haproxy (docker/haproxy.cfg); there the node itself dies.
//
//   (a) one node (built-in bus; Redis), WebSocket and long-polling, no offset yet, filters,
//       half-open old connection, a small history, v2 clients
//   (b, c) two nodes: SIGTERM / SIGKILL of the clients' node; a rolling deploy
//   graceful SIGTERM: transport-level closes, spread over --shutdown-spread-ms
//   (d) past the window, state gone (restart), token removed / demoted / revoked / deleted
//   (e) the seed's client code across a drop, an event every 20 ms
//   (f) hostile pid / offset, the pid's privacy; recovery off
// recovery_chaos.test.mjs: 200 clients through 60 s of node stops and restarts.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { once, emitAck } from './lib/wait.mjs';
import { request } from './lib/http.mjs';
import { startServer } from './lib/server.mjs';
import { startRedis, RedisClient } from './lib/redis.mjs';
import { startCluster } from './lib/cluster.mjs';
import {
  T,
  SECRET,
  TXRT_BIN,
  socketPool,
  connected,
  authenticate,
  subscribeOk,
  subscribeFails,
  publish,
  pollUntil,
  readyStatus,
} from './lib/app.mjs';
import {
  sleep,
  startGate,
  ArgsRecorder,
  ticker,
  sequenceReport,
  sequenceOk,
  recoveryMetrics,
  openSessions,
  sessionsBecome,
  haproxyStatus,
} from './lib/recovery.mjs';

const TEST = { timeout: 30000 };
const C = 'customer-north-2';
// A short heartbeat, so that a long-polling session whose connection was cut is over within
// ~2 s even if the node only learns it from the missed pong.
const HEARTBEAT = ['--ping-interval-ms', '1000', '--ping-timeout-ms', '1000'];
// The client reconnects by itself, quickly: first retry after 100..150 ms, then at most 400 ms.
const RECONNECT = { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 400, randomizationFactor: 0.5 };
const RECONNECT_WAIT = 10000; // bound on one reconnection (gate opened, or node gone behind haproxy)

let seq = 0;
const uniq = (what) => `${what}-${process.pid}-${++seq}`;

// One txrt on the built-in bus (or Redis), with the publish secret, on a free port.
function startNode(args = []) {
  return startServer(TXRT_BIN, [...HEARTBEAT, '--publish-secret', SECRET, ...args]);
}

const nodeOf = (s) => s.io.engine?.id?.split('_')[0];

// Whether a TCP connection to the port is refused.
function refused(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.setTimeout(2000, () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(true));
  });
}

// A v4 client with the seed's flow (realtime.txt): `authenticate` on every `connect`, `subscribe`
// on every `authenticated`. Resolves once the first `subscribed` arrived.
async function seedClient(pool, url, { token = 'demo-viewer', sub = { type: 'PBX', customer: C }, opts = {} } = {}) {
  const s = pool.v4(url, { ...RECONNECT, ...opts, autoConnect: false });
  const instanceId = uniq('seed');
  s.on('connect', () => s.emit('authenticate', { token, client: 'recovery test', instanceId }));
  s.on('authenticated', () => s.emit('subscribe', sub));
  const rec = new ArgsRecorder(s, ['PBX', 'authenticated', 'subscribed', 'unauthorized', 'unsubscribed', 'subscribe_failed']);
  const first = once(s, 'subscribed', T, { rejectOn: ['unauthorized', 'subscribe_failed', 'connect_error'] });
  s.connect();
  await first;
  return { s, rec };
}

// Drops the client's connection at the gate and holds the gate shut; resolves once the client
// saw the disconnect and the node counts one session less.
async function dropAt(gate, s, nodeUrl) {
  const sessions = await openSessions(nodeUrl);
  const gone = once(s, 'disconnect', T);
  gate.block();
  gate.cut();
  const [reason] = await gone;
  await sessionsBecome(nodeUrl, sessions - 1);
  return reason;
}

// Opens the gate; resolves once the client reconnected by itself.
async function reopen(gate, s) {
  const back = once(s, 'connect', RECONNECT_WAIT);
  gate.open();
  await back;
}

const pbxSeqs = (rec) => rec.of('PBX').map((e) => e.payload.seq);

// After a test: close its sockets and wait until the node counts none, so that the next test's
// dropAt() sees only its own session go away.
async function closeAndWait(pool, srv) {
  pool.closeAll();
  if (srv) await sessionsBecome(srv.url, 0);
}

// ---------------------------------------------------------------------------------------------
// (a) one node: drop the transport, miss 5 events, come back

// The scenario of (a), for a node at nodeUrl, publishing through `publishEvent(event)`.
async function dropMissAndRecover(pool, nodeUrl, publishEvent, transports) {
  const gate = await startGate(new URL(nodeUrl).port);
  try {
    const s = await connected(pool.v4(gate.url, { transports, ...RECONNECT }));
    assert.equal(s.io.engine.transport.name, transports[0]);
    assert.equal(typeof s._pid, 'string', 'the CONNECT answer carries a pid (recovery is on by default)');
    assert.ok(s._pid.length > 0);
    assert.notEqual(s._pid, s.id, 'the private pid is not the public socket id');
    const { ack } = await authenticate(s, { token: 'demo-viewer', instanceId: uniq('a') });
    assert.equal(ack.success, true);
    await subscribeOk(s, { type: 'PBX', customer: C });
    const rec = new ArgsRecorder(s, ['PBX', 'authenticated', 'unauthorized', 'unsubscribed']);
    const run = uniq('run');
    const ev = (n) => ({ event: 'RECOVERY_TEST', customer: C, run, seq: n });

    await publishEvent(ev(0));
    const first = await rec.waitFor((e) => e.name === 'PBX' && e.payload.seq === 0, T, 'event 0');
    assert.equal(first.args.length, 2, `the event and its offset: ${JSON.stringify(first.args)}`);
    assert.deepEqual(first.args[0], ev(0), 'the payload as published');
    assert.equal(typeof first.args[1], 'string', 'the offset is a string');
    assert.equal(s._lastOffset, first.args[1], 'the client library took it as its offset');
    const { id, _pid: pid } = s;
    const before = await recoveryMetrics(nodeUrl);

    await dropAt(gate, s, nodeUrl);
    for (let n = 1; n <= 5; n++) await publishEvent(ev(n));
    // The 6th is published as soon as the client is back: it must arrive after the 5 missed.
    const back = once(s, 'connect', RECONNECT_WAIT);
    const sixth = back.then(() => publishEvent(ev(6)));
    sixth.catch(() => {}); // awaited below
    gate.open();
    await back;
    assert.equal(s.recovered, true, 'socket.recovered');
    assert.equal(s.id, id, 'the same socket.id');
    assert.equal(s._pid, pid, 'the same pid');
    await sixth;
    await rec.waitFor((e) => e.name === 'PBX' && e.payload.seq === 6, T, 'event 6');
    await rec.settle();
    const pbx = rec.of('PBX');
    assert.deepEqual(pbx.map((e) => e.payload.seq), [0, 1, 2, 3, 4, 5, 6], 'every event once, in order');
    for (const e of pbx) {
      assert.deepEqual(e.args[0], ev(e.payload.seq));
      assert.equal(e.args.length, 2);
      assert.equal(typeof e.args[1], 'string');
    }
    assert.equal(new Set(pbx.map((e) => e.args[1])).size, pbx.length, 'one offset per event');
    assert.equal(s._lastOffset, pbx[pbx.length - 1].args[1]);
    // The identity came back without authenticate: nothing was re-sent, and a subscription that
    // needs VIEWER is accepted.
    assert.deepEqual(rec.of('authenticated'), []);
    assert.deepEqual(rec.of('unauthorized').concat(rec.of('unsubscribed')), []);
    await subscribeOk(s, { type: 'CALL', customer: C });

    const afterM = await recoveryMetrics(nodeUrl);
    assert.equal(afterM.recovered - before.recovered, 1, 'txrt_recovery_total{result="recovered"} +1');
    const replayed = afterM.replayed - before.replayed;
    assert.ok(replayed >= 5 && replayed <= 6, `txrt_recovery_replayed_total +${replayed} (5 missed, the 6th maybe)`);
    assert.equal(afterM.failed, before.failed, 'no failed recovery');
    assert.ok((afterM.samples.get('txrt_recovery_history_events') ?? 0) > 0, 'txrt_recovery_history_events');
    assert.ok((afterM.samples.get('txrt_recovery_history_bytes') ?? 0) > 0, 'txrt_recovery_history_bytes');
    return s;
  } finally {
    await gate.close();
  }
}

describe('(a) one node, built-in bus: a dropped transport recovers', () => {
  const pool = socketPool();
  let srv;
  before(async () => {
    srv = await startNode();
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => closeAndWait(pool, srv));

  const viaHttp = (e) => publish(srv.url, 'PBX', C, e);

  test('websocket: recovered, same id, the 5 missed events once each in order, then the 6th', TEST, async () => {
    await dropMissAndRecover(pool, srv.url, viaHttp, ['websocket']);
  });

  test('long-polling: the same', TEST, async () => {
    await dropMissAndRecover(pool, srv.url, viaHttp, ['polling']);
  });

  test('a client that has received no event yet (no offset to send) recovers what it missed', TEST, async () => {
    const gate = await startGate(srv.port);
    try {
      const s = await connected(pool.v4(gate.url, RECONNECT));
      await authenticate(s, { token: 'demo-viewer' });
      await subscribeOk(s, { type: 'PBX', customer: C });
      const rec = new ArgsRecorder(s, ['PBX']);
      const id = s.id;
      await dropAt(gate, s, srv.url);
      const run = uniq('quiet');
      for (let n = 1; n <= 3; n++) await viaHttp({ event: 'RECOVERY_TEST', run, seq: n });
      await reopen(gate, s);
      assert.equal(s.recovered, true, `socket.recovered (the client sent offset ${JSON.stringify(s._lastOffset)})`);
      assert.equal(s.id, id);
      await rec.waitFor((e) => e.payload.seq === 3, T, 'event 3');
      await rec.settle();
      assert.deepEqual(pbxSeqs(rec), [1, 2, 3]);
    } finally {
      await gate.close();
    }
  });

  test('the replay follows the subscriptions as they were: an event filter, an unsubscribed type', TEST, async () => {
    const gate = await startGate(srv.port);
    try {
      const s = await connected(pool.v4(gate.url, RECONNECT));
      await authenticate(s, { token: 'demo-viewer' });
      await subscribeOk(s, { type: 'PBX', customer: C, events: ['CALL_START'] });
      await subscribeOk(s, { type: 'CONFIG', customer: C });
      await subscribeOk(s, { type: 'CALL', customer: C });
      await subscribeOk(s, { type: 'CALL', customer: C }, { verb: 'unsubscribe' });
      const rec = new ArgsRecorder(s, ['PBX', 'CONFIG', 'CALL']);
      const run = uniq('filters');
      const send = (type, event, n) => publish(srv.url, type, C, { event, run, seq: n });
      await send('CONFIG', 'EMPLOYEE_UPDATED', 0);
      await rec.waitFor((e) => e.payload.seq === 0, T, 'CONFIG 0');
      await dropAt(gate, s, srv.url);
      await send('PBX', 'CALL_START', 1);
      await send('PBX', 'CALL_END', 2); // filtered out
      await send('CALL', 'CALL_START', 3); // unsubscribed
      await send('CONFIG', 'EMPLOYEE_CREATED', 4);
      await reopen(gate, s);
      assert.equal(s.recovered, true, 'socket.recovered');
      await send('PBX', 'CALL_END', 5); // filtered out
      await send('PBX', 'CALL_START', 6);
      await rec.waitFor((e) => e.payload.seq === 6, T, 'PBX 6');
      await rec.settle();
      const per = (name) => rec.of(name).map((e) => e.payload.seq); // order is per channel
      assert.deepEqual({ PBX: per('PBX'), CONFIG: per('CONFIG'), CALL: per('CALL') }, { PBX: [1, 6], CONFIG: [0, 4], CALL: [] });
    } finally {
      await gate.close();
    }
  });

  test('back while its old connection is still half-open on the node: recovered, and stays whole after the old one times out', TEST, async () => {
    const gate = await startGate(srv.port);
    try {
      const s = await connected(pool.v4(gate.url, RECONNECT));
      const instanceId = uniq('half');
      await authenticate(s, { token: 'demo-viewer', instanceId });
      await subscribeOk(s, { type: 'PBX', customer: C });
      const rec = new ArgsRecorder(s, ['PBX', 'unauthorized', 'unsubscribed']);
      const run = uniq('half');
      const ev = (n) => ({ event: 'RECOVERY_TEST', run, seq: n });
      await viaHttp(ev(1));
      await rec.waitFor((e) => e.payload.seq === 1, T, 'event 1');
      const id = s.id;
      const sessions = await openSessions(srv.url);
      // The client's side ends; the node's side stays open until its heartbeat fails (~2 s).
      const back = once(s, 'connect', RECONNECT_WAIT);
      gate.cutClientSide();
      await viaHttp(ev(2));
      await back;
      assert.equal(s.recovered, true, 'socket.recovered');
      assert.equal(s.id, id);
      await viaHttp(ev(3));
      // The old connection times out on the node ...
      await sessionsBecome(srv.url, sessions, 2 * T);
      // ... and the recovered socket is unaffected: it receives events and requests, and can
      // recover again.
      await viaHttp(ev(4));
      await rec.waitFor((e) => e.payload.seq === 4, T, 'event 4');
      const asker = await connected(pool.v4(srv.url));
      await authenticate(asker, { token: 'demo-manager' });
      const gotRequest = once(s, 'REQUEST', T);
      const [ack] = await emitAck(asker, T, 'request', { to: { employee: 'emp-viewer', instanceId }, request: 'CommunicatorGetStatus' });
      assert.equal(ack?.success, true, `request: ${JSON.stringify(ack)}`);
      await gotRequest;
      await dropAt(gate, s, srv.url);
      await viaHttp(ev(5));
      await reopen(gate, s);
      assert.equal(s.recovered, true, 'recovered a second time');
      await viaHttp(ev(6));
      await rec.waitFor((e) => e.payload.seq === 6, T, 'event 6');
      await rec.settle();
      assert.deepEqual(rec.events.map((e) => [e.name, e.payload.seq]), [1, 2, 3, 4, 5, 6].map((n) => ['PBX', n]));
    } finally {
      await gate.close();
    }
  });

  test('a v2 client (EIO3) gets events without an offset, and no pid', TEST, async () => {
    const s = await connected(pool.v2(srv.url));
    const { ack } = await authenticate(s, { token: 'demo-viewer' });
    assert.equal(ack.success, true);
    await subscribeOk(s, { type: 'PBX', customer: C });
    const got = once(s, 'PBX', T);
    const ev = { event: 'V2', n: 1 };
    await viaHttp(ev);
    assert.deepEqual(await got, [ev], 'exactly one argument');
  });

  test('a v2 client that reconnects gets a fresh session (no recovery for EIO3)', TEST, async () => {
    const gate = await startGate(srv.port);
    try {
      const s = await connected(pool.v2(gate.url, { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 400 }));
      const { ack } = await authenticate(s, { token: 'demo-viewer' });
      assert.equal(ack.success, true);
      await subscribeOk(s, { type: 'PBX', customer: C });
      const rec = new ArgsRecorder(s, ['PBX']);
      await dropAt(gate, s, srv.url);
      await viaHttp({ event: 'V2_MISSED', seq: 1 });
      await reopen(gate, s);
      const refused = await subscribeFails(s, { type: 'PBX', customer: C });
      assert.equal(refused.event.code, 'not_authenticated', 'the identity was not restored');
      await rec.settle();
      assert.deepEqual(rec.events, [], 'nothing delivered');
    } finally {
      await gate.close();
    }
  });
});

describe('(a) one node, a small history (--recovery-buffer-bytes 65536) busy with other channels', () => {
  const pool = socketPool();
  let srv;
  before(async () => {
    srv = await startNode(['--recovery-buffer-bytes', '65536']);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => closeAndWait(pool, srv));

  test('a client whose channel was quiet while other channels filled the history recovers, with what it missed', TEST, async () => {
    const gate = await startGate(srv.port);
    try {
      const s = await connected(pool.v4(gate.url, RECONNECT));
      await authenticate(s, { token: 'demo-viewer' });
      await subscribeOk(s, { type: 'PBX', customer: C });
      const rec = new ArgsRecorder(s, ['PBX']);
      const run = uniq('quiet');
      await publish(srv.url, 'PBX', C, { event: 'RECOVERY_TEST', run, seq: 1 });
      await rec.waitFor((e) => e.payload.seq === 1, T, 'event 1');
      // 200 KB on another customer's channel: more than the history keeps.
      const filler = 'f'.repeat(1000);
      for (let i = 0; i < 200; i++) await publish(srv.url, 'PBX', 'customer-south-1', { event: 'ELSEWHERE', i, filler });
      const m = await recoveryMetrics(srv.url);
      assert.ok((m.samples.get('txrt_recovery_history_bytes') ?? 0) <= 65536, 'the history is bounded');
      await dropAt(gate, s, srv.url);
      await publish(srv.url, 'PBX', C, { event: 'RECOVERY_TEST', run, seq: 2 }); // missed
      await reopen(gate, s);
      const afterM = await recoveryMetrics(srv.url);
      assert.equal(s.recovered, true, `socket.recovered (failures: ${JSON.stringify(afterM.failedBy)})`);
      await rec.waitFor((e) => e.payload.seq === 2, T, 'event 2');
      await rec.settle();
      assert.deepEqual(pbxSeqs(rec), [1, 2]);
    } finally {
      await gate.close();
    }
  });
});

describe('(a) one node on Redis: a dropped transport recovers (events PUBLISHed on Redis)', () => {
  const pool = socketPool();
  let redis;
  let pub;
  let srv;
  before(async () => {
    redis = await startRedis();
    pub = await RedisClient.connect(redis.port);
    srv = await startNode(['--redis', redis.url]);
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'GET /ready 200');
  });
  after(async () => {
    pool.closeAll();
    pub?.close();
    await srv?.stop();
    await redis?.stop();
  });
  afterEach(() => closeAndWait(pool, srv));

  const viaRedis = (e) => pub.publish(`rt:event:PBX:${C}`, JSON.stringify(e));

  test('websocket: recovered, same id, the 5 missed events once each in order, then the 6th', TEST, async () => {
    await dropMissAndRecover(pool, srv.url, viaRedis, ['websocket']);
  });

  test('long-polling: the same', TEST, async () => {
    await dropMissAndRecover(pool, srv.url, viaRedis, ['polling']);
  });
});

// ---------------------------------------------------------------------------------------------
// (b), (c) two nodes behind haproxy: the client's node goes away

describe('(b, c) two nodes behind haproxy: the node of the clients goes away', () => {
  const pool = socketPool();
  afterEach(() => pool.closeAll());

  for (const signal of ['SIGTERM', 'SIGKILL']) {
    test(`${signal}: its clients reconnect by themselves to the other node and recover; nothing lost, nothing twice`, { timeout: 90000 }, async () => {
      const cluster = await startCluster();
      let pub;
      try {
        pub = await RedisClient.connect(cluster.redis.port);
        // Eight clients through haproxy; round-robin puts four on each node, WebSocket and
        // long-polling ones on both.
        const clients = [];
        for (let i = 0; i < 8; i++) {
          const transports = [i % 4 < 2 ? 'websocket' : 'polling'];
          const s = await connected(pool.v4(cluster.lbUrl, { transports, ...RECONNECT, reconnectionDelayMax: 1000 }));
          const instanceId = uniq('bc');
          const { ack } = await authenticate(s, { token: 'demo-viewer', instanceId });
          assert.equal(ack.success, true);
          await subscribeOk(s, { type: 'PBX', customer: C });
          const c = { s, id: s.id, instanceId, node: nodeOf(s), transport: transports[0], rec: new ArgsRecorder(s, ['PBX', 'authenticated', 'unauthorized']), reasons: [] };
          s.on('disconnect', (reason) => c.reasons.push(reason));
          clients.push(c);
        }
        const victimIndex = cluster.nodes.findIndex((n) => n.id === clients[0].node);
        assert.ok(victimIndex >= 0, `client on ${clients[0].node}`);
        const victim = cluster.nodes[victimIndex];
        const survivor = cluster.nodes[1 - victimIndex];
        const movers = clients.filter((c) => c.node === victim.id);
        const stayers = clients.filter((c) => c.node === survivor.id);
        assert.ok(movers.length >= 1 && stayers.length >= 1, `clients on both nodes: ${clients.map((c) => c.node)}`);

        const run = uniq('switch');
        const tick = ticker(20, (n) => pub.publish(`rt:event:PBX:${C}`, JSON.stringify({ event: 'SWITCH', customer: C, run, seq: n })));
        try {
          await Promise.all(clients.map((c) => c.rec.waitFor((e) => e.payload?.seq >= 10, T, 'events before the switch')));
          const before = await recoveryMetrics(survivor.url);
          const gone = movers.map((c) => once(c.s, 'disconnect', T));
          const back = movers.map((c) => once(c.s, 'connect', 20000));
          for (const p of [...gone, ...back]) p.catch(() => {}); // awaited below
          const stoppedAt = Date.now();
          const exit = victim.stop(signal, 10000);
          await Promise.race(gone);
          if (signal === 'SIGTERM') {
            // Its sessions are being closed: it no longer accepts connections.
            assert.equal(await refused(victim.port), true, `${victim.name} still accepts connections while shutting down`);
          }
          await Promise.all(gone);
          for (const c of movers) {
            assert.notEqual(c.reasons[0], 'io server disconnect', 'no Socket.IO DISCONNECT packet: the client must reconnect by itself');
          }
          await Promise.all(back);
          const { code, signal: killedBy } = await exit;
          if (signal === 'SIGTERM') {
            assert.deepEqual({ code, killedBy }, { code: 0, killedBy: null }, `graceful exit:\n${victim.output().slice(-3000)}`);
          }
          for (const c of movers) {
            assert.equal(c.s.recovered, true, `${c.transport} client recovered on ${nodeOf(c.s)} (left ${victim.id})`);
            assert.equal(c.s.id, c.id, 'the same socket.id');
            assert.equal(nodeOf(c.s), survivor.id, 'now on the other node');
            assert.deepEqual(c.rec.of('authenticated').concat(c.rec.of('unauthorized')), []);
          }
          for (const c of stayers) assert.deepEqual(c.reasons, [], 'the other node\'s clients were not disturbed');
          // The survivor now serves the recovered sockets as its own: listed in GET /clients,
          // and a request to a mover's instance reaches it.
          const listed = await request(`${survivor.url}/clients`, { headers: { authorization: `Bearer ${SECRET}` } });
          assert.equal(listed.status, 200);
          for (const c of movers) assert.ok(listed.body.toString().includes(c.instanceId), `${c.instanceId} in the survivor's GET /clients`);
          const target = movers[0];
          const gotRequest = once(target.s, 'REQUEST', T);
          const [reqAck] = await emitAck(stayers[0].s, T, 'request', {
            to: { employee: 'emp-viewer', instanceId: target.instanceId },
            request: 'CommunicatorGetStatus',
          });
          assert.equal(reqAck?.success, true, `request to a recovered instance: ${JSON.stringify(reqAck)}`);
          assert.equal((await gotRequest)[0].requestId, reqAck.requestId);
          // A second of events on the survivor after the switch.
          const mark = tick.count + 50;
          await Promise.all(clients.map((c) => c.rec.waitFor((e) => e.payload?.seq >= mark, T, `event ${mark}`)));
          const last = await tick.stop();
          await Promise.all(clients.map((c) => c.rec.waitFor((e) => e.payload?.seq === last, T, `the last event ${last}`)));
          await Promise.all(clients.map((c) => c.rec.settle()));
          const reports = clients.map((c) => ({ node: c.node, transport: c.transport, ...sequenceReport(pbxSeqs(c.rec), last) }));
          const bad = reports.filter((r) => !sequenceOk(r));
          assert.deepEqual(bad, [], `${last} events published, ${Date.now() - stoppedAt} ms since the ${signal}`);
          const afterM = await recoveryMetrics(survivor.url);
          assert.equal(afterM.recovered - before.recovered, movers.length, 'txrt_recovery_total{result="recovered"} on the survivor');
          assert.equal(afterM.failed - before.failed, 0, `no failed recovery: ${JSON.stringify(afterM.failedBy)}`);
        } finally {
          await tick.stop().catch(() => {});
        }

        // The stopped node comes back on its port and is ready once it joined Redis and the stream.
        const again = await cluster.restartNode(victimIndex);
        await pollUntil(async () => (await readyStatus(again.url)) === 200, 10000, `${again.name}: GET /ready 200 after restart`);
      } finally {
        pool.closeAll();
        pub?.close();
        await cluster.stop();
      }
    });
  }
});

describe('(b) a rolling deploy: node 2 restarted, then node 1', () => {
  const pool = socketPool();
  afterEach(() => pool.closeAll());

  test('a client whose channel was quiet since the other node restarted recovers there, with what it missed', { timeout: 60000 }, async () => {
    const cluster = await startCluster();
    let pub;
    try {
      pub = await RedisClient.connect(cluster.redis.port);
      const s = await connected(pool.v4(cluster.lbUrl, { transports: ['websocket'], ...RECONNECT, reconnectionDelayMax: 1000 }));
      const { ack } = await authenticate(s, { token: 'demo-viewer' });
      assert.equal(ack.success, true);
      await subscribeOk(s, { type: 'PBX', customer: C });
      const rec = new ArgsRecorder(s, ['PBX', 'unauthorized']);
      const run = uniq('rolling');
      const ev = (n) => JSON.stringify({ event: 'ROLLING', customer: C, run, seq: n });
      await pub.publish(`rt:event:PBX:${C}`, ev(1));
      await rec.waitFor((e) => e.payload.seq === 1, T, 'event 1');
      const id = s.id;
      const homeIndex = cluster.nodes.findIndex((n) => n.id === nodeOf(s));
      const otherIndex = 1 - homeIndex;

      // The other node is deployed first: stopped, started again, ready, back in haproxy.
      await cluster.nodes[otherIndex].stop('SIGTERM', 10000);
      const other = await cluster.restartNode(otherIndex);
      await pollUntil(async () => (await readyStatus(other.url)) === 200, 10000, `${other.name}: GET /ready 200`);
      const server = otherIndex === 0 ? 'node1' : 'node2';
      await pollUntil(async () => (await haproxyStatus(cluster.statsUrl, server)) === 'UP', 15000, `haproxy: ${server} UP`);
      // The stream moves on, on other channels only: the client's channel stays quiet.
      for (let i = 0; i < 5; i++) await pub.publish('rt:event:PBX:customer-south-1', JSON.stringify({ event: 'ELSEWHERE', i }));

      // Then the client's node: the client lands on the restarted one.
      const back = once(s, 'connect', 20000);
      const gone = once(s, 'disconnect', T);
      const stopping = cluster.nodes[homeIndex].stop('SIGTERM', 10000);
      await gone;
      await pub.publish(`rt:event:PBX:${C}`, ev(2)); // missed
      await back;
      await stopping;
      assert.equal(nodeOf(s), other.id);
      const m = await recoveryMetrics(other.url);
      assert.equal(s.recovered, true, `socket.recovered on the restarted node (its failures: ${JSON.stringify(m.failedBy)})`);
      assert.equal(s.id, id);
      await pub.publish(`rt:event:PBX:${C}`, ev(3));
      await rec.waitFor((e) => e.payload.seq === 3, T, 'event 3');
      await rec.settle();
      assert.deepEqual(pbxSeqs(rec), [1, 2, 3]);
    } finally {
      pool.closeAll();
      pub?.close();
      await cluster.stop();
    }
  });
});

describe('(b) the other node lags on the stream', () => {
  const pool = socketPool();
  afterEach(() => pool.closeAll());

  test('a client arriving there with an offset that node has not received yet recovers once it caught up', TEST, async () => {
    const redis = await startRedis();
    const started = [redis];
    let pub;
    try {
      // Node 2 reaches Redis through a gate that can hold back what Redis sends its subscriber
      // connection: its view of the stream lags while its commands are answered.
      const redisGate = await startGate(redis.port);
      started.push({ stop: () => redisGate.close() });
      const n1 = await startNode(['--redis', redis.url, '--node-id', 'n1', '--server-name', 'node-1']);
      started.push(n1);
      const n2 = await startNode(['--redis', `redis://127.0.0.1:${redisGate.port}`, '--node-id', 'n2', '--server-name', 'node-2']);
      started.push(n2);
      for (const n of [n1, n2]) await pollUntil(async () => (await readyStatus(n.url)) === 200, 10000, `${n.url} GET /ready 200`);
      pub = await RedisClient.connect(redis.port);
      const gate = await startGate(n1.port);
      started.push({ stop: () => gate.close() });

      const s = await connected(pool.v4(gate.url, RECONNECT));
      const { ack } = await authenticate(s, { token: 'demo-viewer' });
      assert.equal(ack.success, true);
      await subscribeOk(s, { type: 'PBX', customer: C });
      const rec = new ArgsRecorder(s, ['PBX', 'unauthorized']);
      const run = uniq('lag');
      const ev = (n) => JSON.stringify({ event: 'LAG', customer: C, run, seq: n });
      await pub.publish(`rt:event:PBX:${C}`, ev(1));
      await rec.waitFor((e) => e.payload.seq === 1, T, 'event 1');

      const held = redisGate.hold(/^\*\d+\r\n\$\d+\r\nP?SUBSCRIBE/);
      assert.ok(held >= 1, `node 2's subscriber connection found (${JSON.stringify(redisGate.sniffs())})`);
      await pub.publish(`rt:event:PBX:${C}`, ev(2)); // node 1 delivers it; node 2 has not seen it
      await rec.waitFor((e) => e.payload.seq === 2, T, 'event 2');
      await dropAt(gate, s, n1.url);
      gate.retarget(n2.port);
      await pub.publish(`rt:event:PBX:${C}`, ev(3)); // missed
      const accepted = gate.accepted;
      const back = once(s, 'connect', RECONNECT_WAIT);
      gate.open();
      // Once the client reached node 2, node 2 stays behind for 300 ms more, then catches up.
      await pollUntil(() => gate.accepted > accepted, T, 'the client reached node 2', 10);
      await sleep(300); // the lag is the point
      redisGate.release();
      await back;
      const m = await recoveryMetrics(n2.url);
      assert.equal(s.recovered, true, `socket.recovered on the lagging node (its failures: ${JSON.stringify(m.failedBy)})`);
      await pub.publish(`rt:event:PBX:${C}`, ev(4));
      await rec.waitFor((e) => e.payload.seq === 4, T, 'event 4');
      await rec.settle();
      assert.deepEqual(pbxSeqs(rec), [1, 2, 3, 4]);
    } finally {
      pool.closeAll();
      pub?.close();
      for (const p of started.reverse()) await p.stop().catch(() => {});
    }
  });
});

describe('graceful SIGTERM: sessions closed by the transport, spread over --shutdown-spread-ms', () => {
  const pool = socketPool();
  afterEach(() => pool.closeAll());

  test('20 clients: no Socket.IO DISCONNECT packet (the client would not reconnect), disconnects spread over >= 500 ms of the default 1000, exit 0', TEST, async () => {
    const srv = await startNode();
    try {
      const clients = [];
      for (let i = 0; i < 20; i++) {
        const s = await connected(pool.v4(srv.url, i % 2 ? { transports: ['polling'] } : {}));
        await authenticate(s, { token: 'demo-viewer' });
        clients.push(s);
      }
      const t0 = Date.now();
      const gone = clients.map((s) => once(s, 'disconnect', T).then(([reason]) => ({ reason, at: Date.now() - t0 })));
      const exit = srv.stop('SIGTERM', 10000);
      const seen = await Promise.all(gone);
      const { code, signal } = await exit;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, srv.output().slice(-2000));
      const reasons = [...new Set(seen.map((d) => d.reason))];
      assert.ok(!reasons.includes('io server disconnect'), `disconnect reasons ${JSON.stringify(reasons)}`);
      const times = seen.map((d) => d.at);
      const spread = Math.max(...times) - Math.min(...times);
      assert.ok(spread >= 500, `the 20 sessions were closed within ${spread} ms (${JSON.stringify(times.sort((a, b) => a - b))})`);
    } finally {
      await srv.stop('SIGKILL');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (d) no recovery: past the window, state gone, token revoked

// After a failed recovery: the socket is not authenticated and receives nothing (the missed
// events neither, nor one published now); once it authenticates and subscribes, only new ones.
async function expectFreshSession(s, rec, publishEvent, run) {
  await publishEvent({ event: 'RECOVERY_TEST', run, seq: 100 });
  const refused = await subscribeFails(s, { type: 'PBX', customer: C });
  assert.equal(refused.event.code, 'not_authenticated', 'the identity was not restored');
  await rec.settle();
  const early = rec.of('PBX');
  assert.deepEqual(early.map((e) => e.payload.seq), [0], 'nothing delivered to the fresh session before authenticate');
  return async (token) => {
    const { ack } = await authenticate(s, { token });
    assert.equal(ack.success, true);
    await subscribeOk(s, { type: 'PBX', customer: C });
    await publishEvent({ event: 'RECOVERY_TEST', run, seq: 101 });
    await rec.waitFor((e) => e.name === 'PBX' && e.payload.seq === 101, T, 'event 101');
    await rec.settle();
    assert.deepEqual(pbxSeqs(rec), [0, 101], 'only what was published after the new subscription');
  };
}

// Connects through a gate, authenticates as `token`, subscribes, receives event 0, drops.
async function subscribedThenDropped(pool, gate, nodeUrl, token, publishEvent, run) {
  const s = await connected(pool.v4(gate.url, RECONNECT));
  const { ack } = await authenticate(s, { token });
  assert.equal(ack.success, true);
  await subscribeOk(s, { type: 'PBX', customer: C });
  const rec = new ArgsRecorder(s, ['PBX']);
  await publishEvent({ event: 'RECOVERY_TEST', run, seq: 0 });
  await rec.waitFor((e) => e.payload.seq === 0, T, 'event 0');
  const id = s.id;
  await dropAt(gate, s, nodeUrl);
  return { s, rec, id };
}

describe('(d) past the window, or the state gone: a fresh session, nothing before authenticate', () => {
  const pool = socketPool();
  afterEach(() => pool.closeAll());

  test('--recovery-window-ms 1500: back after 2.5 s → recovered false, nothing delivered before subscribe', TEST, async () => {
    const srv = await startNode(['--recovery-window-ms', '1500']);
    const gate = await startGate(srv.port);
    try {
      const run = uniq('window');
      const pub = (e) => publish(srv.url, 'PBX', C, e);
      const { s, rec, id } = await subscribedThenDropped(pool, gate, srv.url, 'demo-viewer', pub, run);
      const before = await recoveryMetrics(srv.url);
      await pub({ event: 'RECOVERY_TEST', run, seq: 1 });
      await pub({ event: 'RECOVERY_TEST', run, seq: 2 });
      await sleep(2500); // the window (1500 ms from the disconnect) passing is the point
      await reopen(gate, s);
      assert.equal(s.recovered, false, 'socket.recovered');
      assert.notEqual(s.id, id, 'a new socket.id');
      const finish = await expectFreshSession(s, rec, pub, run);
      const afterM = await recoveryMetrics(srv.url);
      assert.equal(afterM.recovered, before.recovered);
      assert.equal(afterM.failed - before.failed, 1, `txrt_recovery_total{result="failed"} +1: ${JSON.stringify(afterM.failedBy)}`);
      await finish('demo-viewer');
    } finally {
      await gate.close();
      await srv.stop();
    }
  });

  test('built-in bus, the node restarted (SIGKILL) on its port: recovered false, nothing before authenticate', TEST, async () => {
    let srv = await startNode();
    try {
      const s = await connected(pool.v4(srv.url, RECONNECT));
      await authenticate(s, { token: 'demo-viewer' });
      await subscribeOk(s, { type: 'PBX', customer: C });
      const rec = new ArgsRecorder(s, ['PBX']);
      const run = uniq('restart');
      await publish(srv.url, 'PBX', C, { event: 'RECOVERY_TEST', run, seq: 0 });
      await rec.waitFor((e) => e.payload.seq === 0, T, 'event 0');
      const id = s.id;
      const gone = once(s, 'disconnect', T);
      await srv.stop('SIGKILL');
      await gone;
      const back = once(s, 'connect', RECONNECT_WAIT);
      srv = await startNode(['--listen', `127.0.0.1:${srv.port}`]);
      await back;
      assert.equal(s.recovered, false, 'socket.recovered');
      assert.notEqual(s.id, id);
      const finish = await expectFreshSession(s, rec, (e) => publish(srv.url, 'PBX', C, e), run);
      await finish('demo-viewer');
    } finally {
      await srv.stop();
    }
  });
});

describe('(d) the token revoked while the client was away: recovered false', () => {
  const pool = socketPool();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-recovery-'));
  const file = path.join(dir, 'tokens.json');
  const identity = (employee, accessLevel = 'VIEWER') => ({ employee, customer: C, accessLevel });
  // Entries: 'token' (a VIEWER) or ['token', accessLevel].
  const tokens = (list) => JSON.stringify({
    customers: { [C]: { parent: null } },
    tokens: Object.fromEntries(list.map((t) => (Array.isArray(t) ? [t[0], identity(`emp-${t[0]}`, t[1])] : [t, identity(`emp-${t}`)]))),
  });
  async function reload(list) {
    fs.writeFileSync(file, tokens(list));
    const reloads = (srv.output().match(/reloaded: /g) ?? []).length;
    process.kill(srv.pid, 'SIGHUP');
    await pollUntil(() => (srv.output().match(/reloaded: /g) ?? []).length > reloads, T, 'reload logged');
  }
  let srv;
  before(async () => {
    fs.writeFileSync(file, tokens(['tok-a', 'tok-b', 'tok-c', 'tok-d']));
    srv = await startNode(['--auth-file', file]);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => closeAndWait(pool, srv));

  const pub = (e) => publish(srv.url, 'PBX', C, e);

  test('removed from the tokens file (SIGHUP reload) meanwhile', TEST, async () => {
    const gate = await startGate(srv.port);
    try {
      const run = uniq('reload');
      const { s, rec } = await subscribedThenDropped(pool, gate, srv.url, 'tok-a', pub, run);
      const before = await recoveryMetrics(srv.url);
      await pub({ event: 'RECOVERY_TEST', run, seq: 1 });
      await reload(['tok-b', 'tok-c', 'tok-d']);
      await reopen(gate, s);
      assert.equal(s.recovered, false, 'socket.recovered');
      const finish = await expectFreshSession(s, rec, pub, run);
      const afterM = await recoveryMetrics(srv.url);
      assert.equal(afterM.recovered, before.recovered);
      assert.equal((afterM.failedBy.revoked ?? 0) - (before.failedBy.revoked ?? 0), 1, `txrt_recovery_total{result="failed",reason="revoked"} +1: ${JSON.stringify(afterM.failedBy)}`);
      await finish('tok-b');
    } finally {
      await gate.close();
    }
  });

  test('demoted meanwhile (VIEWER → PERSONAL): recovered, PBX replayed, CALL neither replayed nor delivered', TEST, async () => {
    const gate = await startGate(srv.port);
    try {
      const s = await connected(pool.v4(gate.url, RECONNECT));
      const { ack } = await authenticate(s, { token: 'tok-d' });
      assert.equal(ack.success, true);
      await subscribeOk(s, { type: 'PBX', customer: C });
      await subscribeOk(s, { type: 'CALL', customer: C }); // VIEWER and above
      const rec = new ArgsRecorder(s, ['PBX', 'CALL']);
      const run = uniq('demote');
      const ev = (n) => ({ event: 'RECOVERY_TEST', run, seq: n });
      await publish(srv.url, 'PBX', C, ev(0));
      await publish(srv.url, 'CALL', C, ev(0));
      await rec.waitFor((e) => e.name === 'CALL' && e.payload.seq === 0, T, 'CALL 0');
      await dropAt(gate, s, srv.url);
      await publish(srv.url, 'PBX', C, ev(1));
      await publish(srv.url, 'CALL', C, ev(1));
      await reload(['tok-b', 'tok-c', ['tok-d', 'PERSONAL']]);
      await reopen(gate, s);
      assert.equal(s.recovered, true, 'socket.recovered (same employee, still valid)');
      await publish(srv.url, 'CALL', C, ev(2));
      await publish(srv.url, 'PBX', C, ev(2));
      await rec.waitFor((e) => e.name === 'PBX' && e.payload.seq === 2, T, 'PBX 2');
      await rec.settle();
      const per = (name) => rec.of(name).map((e) => e.payload.seq);
      assert.deepEqual({ PBX: per('PBX'), CALL: per('CALL') }, { PBX: [0, 1, 2], CALL: [0] },
        'nothing of CALL after the demotion, neither replayed nor live');
    } finally {
      await gate.close();
      await reload(['tok-a', 'tok-b', 'tok-c', 'tok-d']);
    }
  });

  test('revoked by POST /control {"revoke":{"token"}} meanwhile', TEST, async () => {
    const gate = await startGate(srv.port);
    try {
      const run = uniq('control');
      const { s, rec } = await subscribedThenDropped(pool, gate, srv.url, 'tok-c', pub, run);
      const before = await recoveryMetrics(srv.url);
      await pub({ event: 'RECOVERY_TEST', run, seq: 1 });
      const res = await request(`${srv.url}/control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
        body: JSON.stringify({ revoke: { token: 'tok-c' } }),
      });
      assert.equal(res.status, 202);
      await reopen(gate, s);
      assert.equal(s.recovered, false, 'socket.recovered');
      const finish = await expectFreshSession(s, rec, pub, run);
      const afterM = await recoveryMetrics(srv.url);
      assert.equal(afterM.recovered, before.recovered);
      assert.equal(afterM.failed - before.failed, 1, `txrt_recovery_total{result="failed"} +1: ${JSON.stringify(afterM.failedBy)}`);
      await finish('tok-b');
    } finally {
      await gate.close();
    }
  });
});

describe('(d) auth=redis: the session key deleted while the client was away: recovered false', () => {
  // The identity cache lives min(30 s, revalidate-interval-ms): 600 ms here, as a live socket
  // would notice the deletion within one interval too (SPEC §12).
  const INTERVAL = 600;
  const pool = socketPool();
  let redis;
  let cmd;
  let srv;
  const identity = (employee) => JSON.stringify({ employee, customer: C, accessLevel: 'VIEWER' });
  before(async () => {
    redis = await startRedis();
    cmd = await RedisClient.connect(redis.port);
    await cmd.pipeline([['HSET', 'rt:customer:parent', C, 'root']]);
    srv = await startNode(['--redis', redis.url, '--auth', 'redis', '--revalidate-interval-ms', String(INTERVAL)]);
    await pollUntil(async () => (await readyStatus(srv.url)) === 200, 10000, 'GET /ready 200');
  });
  after(async () => {
    pool.closeAll();
    cmd?.close();
    await srv?.stop();
    await redis?.stop();
  });
  afterEach(() => closeAndWait(pool, srv));

  test('DEL rt:session:<token> meanwhile', TEST, async () => {
    await cmd.pipeline([
      ['SET', 'rt:session:tok-del', identity('emp-del')],
      ['SET', 'rt:session:tok-keep', identity('emp-keep')],
    ]);
    const pub = (e) => cmd.publish(`rt:event:PBX:${C}`, JSON.stringify(e));
    const gate = await startGate(srv.port);
    try {
      const run = uniq('del');
      const { s, rec } = await subscribedThenDropped(pool, gate, srv.url, 'tok-del', pub, run);
      const before = await recoveryMetrics(srv.url);
      await pub({ event: 'RECOVERY_TEST', run, seq: 1 });
      await cmd.pipeline([['DEL', 'rt:session:tok-del']]);
      await sleep(INTERVAL + 400); // the identity cache's lifetime passing is the point
      await reopen(gate, s);
      assert.equal(s.recovered, false, 'socket.recovered');
      const finish = await expectFreshSession(s, rec, pub, run);
      const afterM = await recoveryMetrics(srv.url);
      assert.equal(afterM.recovered, before.recovered);
      assert.equal((afterM.failedBy.revoked ?? 0) - (before.failedBy.revoked ?? 0), 1, `reason revoked: ${JSON.stringify(afterM.failedBy)}`);
      await finish('tok-keep');
    } finally {
      await gate.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (e) the seed's client code across a drop

describe('(e) the seed flow (authenticate on every connect, subscribe on authenticated) across a drop', () => {
  const pool = socketPool();
  let srv;
  before(async () => {
    srv = await startNode();
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => closeAndWait(pool, srv));

  for (const transports of [['websocket'], ['polling']]) {
    test(`${transports[0]}: an event every 20 ms, none lost, none twice, in order; re-authenticate and re-subscribe are answered`, TEST, async () => {
      const gate = await startGate(srv.port);
      try {
        const { s, rec } = await seedClient(pool, gate.url, { opts: { transports } });
        const run = uniq('seed');
        let last;
        const tick = ticker(20, (n) => publish(srv.url, 'PBX', C, { event: 'SEED', customer: C, run, seq: n }));
        try {
          await rec.waitFor((e) => e.name === 'PBX' && e.payload.seq >= 10, T, 'events before the drop');
          const id = s.id;
          await dropAt(gate, s, srv.url);
          const away = tick.count;
          await pollUntil(() => tick.count >= away + 15, T, '15 events published while away', 20);
          await reopen(gate, s);
          assert.equal(s.recovered, true, 'socket.recovered');
          assert.equal(s.id, id);
          // The seed's handlers ran again: both answered positively.
          await rec.waitFor((e) => e.name === 'subscribed' && rec.of('subscribed').length === 2, T, 'the second subscribed');
          assert.equal(rec.of('authenticated').length, 2);
          const mark = tick.count + 15;
          await rec.waitFor((e) => e.name === 'PBX' && e.payload.seq >= mark, T, `event ${mark}`);
          last = await tick.stop();
        } finally {
          await tick.stop().catch(() => {});
        }
        await rec.waitFor((e) => e.name === 'PBX' && e.payload.seq === last, T, `the last event ${last}`);
        await rec.settle();
        const report = sequenceReport(pbxSeqs(rec), last);
        assert.ok(sequenceOk(report), `${last} published: ${JSON.stringify(report)}`);
        for (const name of ['unauthorized', 'unsubscribed', 'subscribe_failed']) assert.deepEqual(rec.of(name), [], name);
        assert.deepEqual(rec.of('subscribed').map((e) => e.payload), [{ type: 'PBX', customer: C }, { type: 'PBX', customer: C }]);
      } finally {
        await gate.close();
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// (f) hostile recovery attempts

describe('(f) hostile CONNECTs: forged, oversized and mistyped pid / offset', () => {
  const pool = socketPool();
  let srv;
  before(async () => {
    srv = await startNode();
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => closeAndWait(pool, srv));

  // A CONNECT whose auth is `auth` exactly as given (the client library sends it as is when it
  // holds no pid itself). Resolves { s, outcome: 'connected' | 'refused', error? }.
  async function attempt(auth) {
    const s = pool.v4(srv.url, { auth });
    try {
      await connected(s);
      return { s, outcome: 'connected' };
    } catch (error) {
      return { s, outcome: 'refused', error };
    }
  }

  // A connected attempt must be a fresh, unauthenticated session.
  async function assertFresh({ s, outcome }, what, notId) {
    if (outcome !== 'connected') return;
    assert.notEqual(s.recovered, true, `${what}: socket.recovered`);
    if (notId) assert.notEqual(s.id, notId, `${what}: not the victim's socket`);
    const refused = await subscribeFails(s, { type: 'PBX', customer: C });
    assert.equal(refused.event.code, 'not_authenticated', `${what}: no identity restored`);
  }

  async function serverAlive() {
    assert.equal((await request(`${srv.url}/health`)).status, 200);
    const s = await connected(pool.v4(srv.url));
    await authenticate(s, { token: 'demo-viewer' });
    await subscribeOk(s, { type: 'PBX', customer: C });
    const got = once(s, 'PBX', T);
    await publish(srv.url, 'PBX', C, { event: 'ALIVE' });
    await got;
  }

  test('a random pid shaped like a real one (the client library holding it): recovered false, a fresh session, counted unknown_session', TEST, async () => {
    // Same length and alphabet as the pid the node hands out, so that it is looked up.
    const real = (await connected(pool.v4(srv.url)))._pid;
    assert.equal(typeof real, 'string');
    const alphabet = /^[A-Za-z0-9_-]+$/.test(real) ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_' : 'abcdef0123456789';
    const forged = [...randomBytes(real.length)].map((b) => alphabet[b % alphabet.length]).join('');
    const before = await recoveryMetrics(srv.url);
    const s = pool.v4(srv.url, { autoConnect: false });
    s._pid = forged; // what the library holds after a CONNECT answer; it sends {pid, offset}
    s._lastOffset = '1700000000000-0';
    s.connect();
    await connected(s);
    assert.equal(s.recovered, false, 'socket.recovered');
    assert.notEqual(s._pid, forged, 'a new pid');
    await assertFresh({ s, outcome: 'connected' }, 'random pid');
    const afterM = await recoveryMetrics(srv.url);
    assert.equal(afterM.recovered, before.recovered);
    assert.equal(afterM.failed - before.failed, 1, JSON.stringify(afterM.failedBy));
    assert.equal((afterM.failedBy.unknown_session ?? 0) - (before.failedBy.unknown_session ?? 0), 1, JSON.stringify(afterM.failedBy));
  });

  test('oversized (10 KB) and non-string pid / offset, also with a real pid: refused or fresh, counted, the server unharmed', TEST, async () => {
    // A real session to aim at: subscribed, one event received, then dropped.
    const gate = await startGate(srv.port);
    let victim;
    try {
      const run = uniq('victim');
      victim = await subscribedThenDropped(pool, gate, srv.url, 'demo-viewer', (e) => publish(srv.url, 'PBX', C, e), run);
    } finally {
      await gate.close(); // the victim does not come back through it
    }
    const realPid = victim.s._pid;
    const realOffset = victim.s._lastOffset;
    assert.equal(typeof realPid, 'string');
    const big = 'x'.repeat(10 * 1024);
    const attempts = [
      ['10 KB pid', { pid: big, offset: realOffset }],
      ['10 KB offset, real pid', { pid: realPid, offset: big }],
      ['numeric offset, real pid', { pid: realPid, offset: 42 }],
      ['object offset, real pid', { pid: realPid, offset: { $gt: '' } }],
      ['array offset, real pid', { pid: realPid, offset: [realOffset] }],
      ['garbage offset, real pid', { pid: realPid, offset: 'not-an-offset' }],
      ['numeric pid', { pid: 12345, offset: realOffset }],
      ['object pid', { pid: { toString: 'x' }, offset: realOffset }],
    ];
    const before = await recoveryMetrics(srv.url);
    const outcomes = [];
    for (const [what, auth] of attempts) {
      const r = await attempt(auth);
      outcomes.push([what, r.outcome]);
      await assertFresh(r, what, victim.id);
      await serverAlive();
    }
    const afterM = await recoveryMetrics(srv.url);
    assert.equal(afterM.recovered, before.recovered, `no attempt recovered: ${JSON.stringify(outcomes)}`);
    assert.equal(afterM.failed - before.failed, attempts.length, `every attempt counted as failed: ${JSON.stringify(afterM.failedBy)} ${JSON.stringify(outcomes)}`);
  });

  test('the pid is private: not the socket id, not in GET /clients, not in REALTIME events', TEST, async () => {
    const admin = await connected(pool.v4(srv.url));
    await authenticate(admin, { token: 'demo-admin' });
    await subscribeOk(admin, { type: 'ADMIN' });
    const seen = new ArgsRecorder(admin, ['REALTIME']);
    const instanceId = uniq('private');
    const s = await connected(pool.v4(srv.url));
    await authenticate(s, { token: 'demo-viewer', instanceId });
    await subscribeOk(s, { type: 'PBX', customer: C });
    const pid = s._pid;
    assert.equal(typeof pid, 'string');
    assert.notEqual(pid, s.id);
    await seen.waitFor((e) => e.payload?.event === 'AUTHENTICATED' && e.payload.data?.instanceId === instanceId, T, 'AUTHENTICATED');
    const res = await request(`${srv.url}/clients`, { headers: { authorization: `Bearer ${SECRET}` } });
    assert.equal(res.status, 200);
    assert.ok(res.body.toString().includes(instanceId), 'the client is listed');
    assert.ok(!res.body.toString().includes(pid), 'GET /clients does not show the pid');
    s.disconnect();
    await seen.waitFor((e) => e.payload?.event === 'DISCONNECTED' && e.payload.data?.instanceId === instanceId, T, 'DISCONNECTED');
    assert.ok(!JSON.stringify(seen.events.map((e) => e.args)).includes(pid), 'REALTIME events do not show the pid');
  });
});

describe('--recovery-window-ms 0: recovery off', () => {
  const pool = socketPool();
  let srv;
  before(async () => {
    srv = await startNode(['--recovery-window-ms', '0']);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => closeAndWait(pool, srv));

  test('no pid, events without an offset, a pid sent anyway is refused (counted disabled)', TEST, async () => {
    const s = await connected(pool.v4(srv.url));
    assert.equal(s._pid, undefined, 'the CONNECT answer carries no pid');
    await authenticate(s, { token: 'demo-viewer' });
    await subscribeOk(s, { type: 'PBX', customer: C });
    const got = once(s, 'PBX', T);
    const ev = { event: 'NO_RECOVERY' };
    await publish(srv.url, 'PBX', C, ev);
    assert.deepEqual(await got, [ev], 'exactly one argument, no offset');

    const before = await recoveryMetrics(srv.url);
    const forged = pool.v4(srv.url, { autoConnect: false });
    forged._pid = randomBytes(8).toString('hex');
    forged._lastOffset = 'x';
    forged.connect();
    await connected(forged);
    assert.notEqual(forged.recovered, true, 'socket.recovered');
    assert.equal(forged._pid, undefined, 'no pid in the answer either');
    const afterM = await recoveryMetrics(srv.url);
    assert.equal((afterM.failedBy.disabled ?? 0) - (before.failedBy.disabled ?? 0), 1, JSON.stringify(afterM.failedBy));
  });
});
