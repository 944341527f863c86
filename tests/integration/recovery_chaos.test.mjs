// Connection state recovery under churn (SPEC §11, issue 13): 200 socket.io-client 4.8 clients
// (WebSocket, the seed's flow: authenticate on every connect, subscribe on authenticated)
// through haproxy (docker/haproxy.cfg) in front of two txrt nodes on Redis. Events are
// PUBLISHed on Redis at a steady 50/s over 4 customer PBX channels, each carrying its channel's
// sequence number; every client is subscribed to one channel. For 60 s the nodes are stopped
// and started again in turn (SIGTERM and SIGKILL alternating, same port), each stop moving every
// client to the other node. Then publishing stops and every client must have received every
// event of its channel exactly once, in order, and every reconnection must have recovered.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { withTimeout } from './lib/wait.mjs';
import { RedisClient } from './lib/redis.mjs';
import { startCluster } from './lib/cluster.mjs';
import { pollUntil, readyStatus } from './lib/app.mjs';
import { sleep, ticker, sequenceReport, sequenceOk, haproxyStatus, recoveryMetrics } from './lib/recovery.mjs';

const CLIENTS = 200;
const CHAOS_MS = 60000;
const RATE_INTERVAL_MS = 20; // 50 events/s in total
const SETTLE_MS = 2000; // events on two live nodes between a restart and the next stop
// Channel → the demo tokens (data/demo-tokens.json) that may subscribe to it.
const CHANNELS = [
  { customer: 'customer-north-2', tokens: ['demo-viewer', 'demo-manager', 'demo-owner', 'demo-personal'] },
  { customer: 'customer-north-1a', tokens: ['demo-reseller', 'demo-subreseller'] },
  { customer: 'customer-south-1', tokens: ['demo-reseller-admin', 'demo-org-reseller'] },
  { customer: 'telecomx', tokens: ['demo-admin'] },
];
// stop i uses SIGNALS[i % 4] on node i % 2: each node gets both signals in turn.
const SIGNALS = ['SIGTERM', 'SIGKILL', 'SIGKILL', 'SIGTERM'];

const nodeOf = (s) => s.io.engine?.id?.split('_')[0];

let cluster;
let pub;
const clients = [];

after(async () => {
  for (const c of clients) {
    c.s.io.reconnection(false);
    c.s.disconnect();
  }
  pub?.close();
  await cluster?.stop();
});

// A seed-flow client; its state records everything the verdict needs.
function chaosClient(url, i) {
  const ch = i % CHANNELS.length;
  const { customer, tokens } = CHANNELS[ch];
  const token = tokens[Math.floor(i / CHANNELS.length) % tokens.length];
  const s = io(url, {
    forceNew: true,
    transports: ['websocket'],
    reconnectionDelay: 300,
    reconnectionDelayMax: 2000,
  });
  const c = {
    i, ch, token, s,
    seqs: [],
    connects: 0,
    recovered: 0,
    fresh: 0,
    subscribed: 0,
    problems: [], // unauthorized, subscribe_failed, unsubscribed, DISCONNECT by the server
    reasons: {},
    waiters: new Set(),
  };
  s.on('connect', () => {
    c.connects += 1;
    if (c.connects > 1) {
      if (s.recovered === true) c.recovered += 1;
      else c.fresh += 1;
    }
    s.emit('authenticate', { token, client: 'recovery chaos', instanceId: `chaos-${process.pid}-${i}` });
  });
  s.on('authenticated', () => s.emit('subscribe', { type: 'PBX', customer }));
  s.on('subscribed', () => {
    c.subscribed += 1;
    for (const w of [...c.waiters]) w();
  });
  s.on('PBX', (e) => {
    c.seqs.push(e.seq);
    for (const w of [...c.waiters]) w();
  });
  for (const name of ['unauthorized', 'subscribe_failed', 'unsubscribed']) s.on(name, (p) => c.problems.push([name, p]));
  s.on('connect_error', (err) => {
    c.lastError = err.message;
  });
  s.on('disconnect', (reason) => {
    c.disconnectedAt = Date.now();
    c.reasons[reason] = (c.reasons[reason] ?? 0) + 1;
    if (reason === 'io server disconnect') c.problems.push(['server DISCONNECT packet']);
  });
  return c;
}

// Resolves once pred(c) holds (checked on every subscribed / PBX of that client); bounded.
function until(c, pred, ms, what) {
  let check;
  const p = new Promise((resolve) => {
    check = () => {
      if (pred(c)) resolve();
    };
    c.waiters.add(check);
    check();
  });
  return withTimeout(p, ms, `client ${c.i}: ${what}`).finally(() => c.waiters.delete(check));
}

function summary() {
  const on = {};
  for (const c of clients) on[nodeOf(c.s) ?? 'none'] = (on[nodeOf(c.s) ?? 'none'] ?? 0) + (c.s.connected ? 1 : 0);
  return `connected per node ${JSON.stringify(on)}`;
}

// What a failed wait needs to be understood: each node's process and /ready, haproxy's view,
// the clients' last connect errors, and the tails of the logs.
async function diagnosis() {
  const lines = [];
  for (const [i, n] of cluster.nodes.entries()) {
    const ready = await readyStatus(n.url).catch((err) => `error ${err.message}`);
    const lb = await haproxyStatus(cluster.statsUrl, i === 0 ? 'node1' : 'node2').catch((err) => `error ${err.message}`);
    lines.push(`${n.name}: alive ${n.alive()}, /ready ${ready}, haproxy ${lb}`);
  }
  const errors = {};
  for (const c of clients) if (!c.s.connected) errors[c.lastError ?? 'none'] = (errors[c.lastError ?? 'none'] ?? 0) + 1;
  lines.push(`last connect_error of the clients not connected: ${JSON.stringify(errors)}`);
  for (const n of cluster.nodes) lines.push(`--- ${n.name} log tail:`, n.output().slice(-2500));
  lines.push('--- haproxy log tail:', cluster.lb.output().slice(-2500));
  return lines.join('\n');
}

test(`${CLIENTS} clients, 4 channels at 50 events/s, nodes stopped and restarted for ${CHAOS_MS / 1000} s: every event once, in order, every reconnection recovered`, { timeout: 150000 }, async () => {
  const started = Date.now();
  cluster = await startCluster();
  pub = await RedisClient.connect(cluster.redis.port);

  // Connect and subscribe everyone, 20 at a time.
  for (let i = 0; i < CLIENTS; i += 20) {
    const batch = [];
    for (let j = i; j < Math.min(CLIENTS, i + 20); j++) {
      const c = chaosClient(cluster.lbUrl, j);
      clients.push(c);
      batch.push(until(c, (x) => x.subscribed >= 1, 10000, 'first subscribed'));
    }
    await Promise.all(batch);
  }
  const setupMs = Date.now() - started;

  const lastSeq = CHANNELS.map(() => 0);
  const tick = ticker(RATE_INTERVAL_MS, async (n) => {
    const ch = (n - 1) % CHANNELS.length;
    lastSeq[ch] += 1;
    const { customer } = CHANNELS[ch];
    await pub.publish(`rt:event:PBX:${customer}`, JSON.stringify({ event: 'CHAOS', customer, ch, seq: lastSeq[ch] }));
  });

  const log = [];
  const spreads = [];
  let stops = 0;
  try {
    await sleep(SETTLE_MS); // events flowing on both nodes before the first stop
    const chaosEnd = Date.now() + CHAOS_MS;
    while (Date.now() < chaosEnd) {
      const victimIndex = stops % 2;
      const signal = SIGNALS[stops % SIGNALS.length];
      const victim = cluster.nodes[victimIndex];
      const survivor = cluster.nodes[1 - victimIndex];
      const t0 = Date.now();
      const moving = clients.filter((c) => nodeOf(c.s) === victim.id);
      const onVictim = moving.length;
      const { code, signal: by } = await victim.stop(signal, 10000);
      if (signal === 'SIGTERM') assert.deepEqual({ code, by }, { code: 0, by: null }, `${victim.name} SIGTERM exit:\n${victim.output().slice(-3000)}`);
      const tStopped = Date.now();
      // Every client back, on the survivor (bounded: reconnection delays plus haproxy noticing
      // the node is gone, at most 2 failed checks 2 s apart).
      await pollUntil(() => clients.every((c) => c.s.connected && nodeOf(c.s) === survivor.id), 20000,
        `every client reconnected to ${survivor.name}`, 50).catch(async (err) => {
        throw new Error(`${err.message}; ${summary()}\n${await diagnosis()}`);
      });
      const tMoved = Date.now();
      const again = await cluster.restartNode(victimIndex);
      await pollUntil(async () => (await readyStatus(again.url)) === 200, 10000, `${again.name}: GET /ready 200`, 50);
      const server = victimIndex === 0 ? 'node1' : 'node2';
      await pollUntil(async () => (await haproxyStatus(cluster.statsUrl, server)) === 'UP', 15000, `haproxy: ${server} UP`, 100);
      const tUp = Date.now();
      stops += 1;
      // SIGTERM closes the sessions spread over --shutdown-spread-ms (default 1000), so that
      // its clients do not all reconnect at once.
      const times = moving.map((c) => c.disconnectedAt - t0);
      const spread = Math.max(...times) - Math.min(...times);
      if (signal === 'SIGTERM') spreads.push({ spread, sessions: onVictim });
      log.push(`${signal} ${victim.name} (${onVictim} clients): exit after ${tStopped - t0} ms, disconnects spread over ${spread} ms, all moved after ${tMoved - tStopped} ms, back UP after ${tUp - tMoved} ms`);
      await sleep(SETTLE_MS); // a few seconds of events with both nodes up: the passing time is the point
    }
  } finally {
    await tick.stop().catch(() => {});
  }
  const published = await tick.stop();
  assert.ok(stops >= 4, `at least 4 stops in ${CHAOS_MS} ms (got ${stops}):\n${log.join('\n')}`);

  // Every client gets the last event of its channel (bounded), then a quiet window.
  const drain = await Promise.allSettled(clients.map((c) => until(c, (x) => x.seqs.includes(lastSeq[x.ch]), 15000, `event ${lastSeq[c.ch]} of channel ${c.ch}`)));
  await sleep(500); // a quiet window: late duplicates would show here

  const bad = [];
  const totals = { lost: 0, duplicates: 0, reorders: 0, unexpected: 0, reconnects: 0, recovered: 0, fresh: 0, problems: 0 };
  for (const c of clients) {
    const r = sequenceReport(c.seqs, lastSeq[c.ch]);
    totals.lost += r.lost.length;
    totals.duplicates += r.duplicates.length;
    totals.reorders += r.reorders;
    totals.unexpected += r.unexpected.length;
    totals.reconnects += c.connects - 1;
    totals.recovered += c.recovered;
    totals.fresh += c.fresh;
    totals.problems += c.problems.length;
    if (!sequenceOk(r) || c.fresh > 0 || c.problems.length > 0) {
      bad.push({
        client: c.i,
        token: c.token,
        channel: c.ch,
        received: r.count,
        lost: r.lost.length,
        lostFirst: r.lost.slice(0, 5),
        duplicates: r.duplicates.length,
        reorders: r.reorders,
        reconnects: c.connects - 1,
        fresh: c.fresh,
        reasons: c.reasons,
        problems: c.problems.slice(0, 3),
      });
    }
  }
  const survivors = await Promise.all(cluster.nodes.map((n) => recoveryMetrics(n.url).catch(() => null)));
  const report = [
    `setup ${setupMs} ms; ${published} events published (${lastSeq.join('/')} per channel); ${stops} stops:`,
    ...log,
    `totals ${JSON.stringify(totals)}; drain timeouts ${drain.filter((d) => d.status === 'rejected').length}`,
    `recovery metrics of the nodes now up: ${JSON.stringify(survivors.map((m) => m && { recovered: m.recovered, failed: m.failedBy, replayed: m.replayed }))}`,
    `clients with a problem: ${bad.length}${bad.length ? `, first ones:\n${bad.slice(0, 10).map((b) => JSON.stringify(b)).join('\n')}` : ''}`,
  ].join('\n');
  assert.equal(bad.length, 0, report);
  for (const { spread, sessions } of spreads) {
    assert.ok(spread >= 500, `a SIGTERM closed its ${sessions} sessions within ${spread} ms, not spread over ~1000 ms\n${report}`);
  }
  console.log(report); // the run's figures, for the record
  assert.ok(totals.reconnects >= stops * 50, `clients did move (${totals.reconnects} reconnections)\n${report}`);
});
