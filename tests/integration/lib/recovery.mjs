// Helpers for the connection state recovery tests (SPEC §11): a TCP gate between a client and a
// node that the test can cut and hold shut (a network drop the server sees at once, and a client
// that keeps retrying by itself until the gate opens), a recorder that keeps every argument of an
// event (the offset is the last one), a steady publisher, and the recovery metrics.
import net from 'node:net';
import { request, scrapeSamples } from './http.mjs';
import { withTimeout } from './wait.mjs';
import { T, QUIET_WINDOW, pollUntil } from './app.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A TCP relay on a free loopback port to 127.0.0.1:targetPort.
//   cut()    closes every relayed connection, both sides (the client and the node both see the
//            TCP connection end, as when a network path dies and the kernel notices)
//   block()  new connections are closed as soon as accepted (the client's reconnection attempts
//            fail with a transport error, and it keeps retrying by itself)
//   open()   connections are relayed again
//   close()  stops listening and cuts everything
//   bytesDown  bytes relayed from the target to the clients so far (what a server put on the wire)
export async function startGate(targetPort) {
  let target = Number(targetPort);
  const pairs = new Set();
  const halfOpen = new Set(); // node-side sockets left open by cutClientSide()
  let blocked = false;
  let accepted = 0;
  let bytesDown = 0;
  const server = net.createServer((client) => {
    accepted += 1;
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ port: target, host: '127.0.0.1' });
    const pair = [client, upstream];
    pair.sniff = ''; // the first bytes the client sent, to tell connections apart
    client.on('data', (chunk) => {
      if (pair.sniff.length < 4096) pair.sniff += chunk.toString('latin1');
    });
    upstream.on('data', (chunk) => {
      bytesDown += chunk.length;
    });
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const cut = () => {
    for (const [a, b] of [...pairs]) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  // Half-open: the client's side ends, the node's side stays open and silent (the node learns
  // nothing until its heartbeat fails), like a client whose network changed.
  const cutClientSide = () => {
    for (const pair of [...pairs]) {
      const [a, b] = pair;
      pairs.delete(pair);
      a.unpipe(b);
      b.unpipe(a);
      b.removeAllListeners('data');
      b.pause();
      b.removeAllListeners('close');
      b.removeAllListeners('error');
      b.on('error', () => {});
      halfOpen.add(b);
      a.removeAllListeners('close');
      a.removeAllListeners('error');
      a.on('error', () => {});
      a.destroy();
    }
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    get bytesDown() {
      return bytesDown;
    },
    cut,
    cutClientSide,
    // New connections go to another port from now on.
    retarget(port) {
      target = Number(port);
    },
    // Stops relaying what the target sends on the connections whose first bytes match `re`
    // (kept, not lost) until release(); resolves the number of connections held.
    hold(re) {
      let n = 0;
      for (const pair of pairs) {
        if (!re.test(pair.sniff)) continue;
        const [client, upstream] = pair;
        upstream.unpipe(client);
        upstream.pause();
        pair.held = true;
        n += 1;
      }
      return n;
    },
    release() {
      for (const pair of pairs) {
        if (!pair.held) continue;
        pair.held = false;
        pair[1].pipe(pair[0]);
        pair[1].resume();
      }
    },
    sniffs() {
      return [...pairs].map((p) => p.sniff.slice(0, 200));
    },
    block() {
      blocked = true;
    },
    open() {
      blocked = false;
    },
    close() {
      blocked = true;
      cut();
      for (const b of halfOpen) b.destroy();
      halfOpen.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// Records every emission of the given event names on a socket with ALL its arguments (socket.io
// connection state recovery appends the offset as the last one), in arrival order.
export class ArgsRecorder {
  constructor(socket, names) {
    this.socket = socket;
    this.names = names;
    this.events = []; // { name, args, payload: args[0], at }
    this.waiters = new Set();
    this.handlers = names.map((name) => {
      const fn = (...args) => {
        this.events.push({ name, args, payload: args[0], at: Date.now() });
        for (const w of [...this.waiters]) w();
      };
      socket.on(name, fn);
      return [name, fn];
    });
  }

  of(name) {
    return this.events.filter((e) => e.name === name);
  }

  // Resolves with the first recorded event (past or future) satisfying pred; bounded.
  waitFor(pred, ms = T, what = 'a matching event') {
    let check;
    const p = new Promise((resolve) => {
      check = () => {
        const hit = this.events.find((e) => pred(e));
        if (hit) {
          this.waiters.delete(check);
          resolve(hit);
        }
      };
      this.waiters.add(check);
      check();
    });
    return withTimeout(p, ms, `${what} (recorded: ${this.describe()})`).finally(() => this.waiters.delete(check));
  }

  // Resolves once nothing more was recorded for `ms` (after a positive control), bounded by `max`.
  async settle(ms = QUIET_WINDOW, max = 10 * ms) {
    const deadline = Date.now() + max;
    for (;;) {
      const n = this.events.length;
      await sleep(ms); // a quiet window: the absence of further events is the point
      if (this.events.length === n || Date.now() >= deadline) return this.events;
    }
  }

  describe() {
    return JSON.stringify(this.events.map((e) => [e.name, e.payload?.seq ?? e.payload?.event ?? e.payload]).slice(-40));
  }

  stop() {
    for (const [name, fn] of this.handlers) this.socket.off(name, fn);
  }
}

// Calls fn(n) (n = 1, 2, ...) every intervalMs, awaiting each call, until stop(). stop() resolves
// with the number of calls made, or rejects with the first error fn threw (which also ends it).
export function ticker(intervalMs, fn) {
  let stopped = false;
  let n = 0;
  let failure = null;
  let wake = null;
  const done = (async () => {
    let next = Date.now();
    while (!stopped) {
      n += 1;
      try {
        await fn(n);
      } catch (err) {
        failure = err;
        n -= 1;
        return;
      }
      next += intervalMs;
      const wait = next - Date.now();
      if (wait > 0 && !stopped) {
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, wait); // the steady rate of publishing is the point
        });
      }
    }
  })();
  return {
    get count() {
      return n;
    },
    get failure() {
      return failure;
    },
    async stop() {
      stopped = true;
      wake?.();
      await done;
      if (failure) throw failure;
      return n;
    },
  };
}

// Checks a received sequence against 1..last: { lost, duplicates, reorders, count } where lost
// lists the numbers never received, duplicates those received more than once, and reorders
// counts arrivals of a number smaller than one already received (duplicates excepted).
export function sequenceReport(received, last) {
  const seen = new Map();
  let max = 0;
  let reorders = 0;
  for (const n of received) {
    const before = seen.get(n) ?? 0;
    seen.set(n, before + 1);
    if (before === 0 && n < max) reorders += 1;
    if (n > max) max = n;
  }
  const lost = [];
  for (let i = 1; i <= last; i++) if (!seen.has(i)) lost.push(i);
  const duplicates = [...seen].filter(([, c]) => c > 1).map(([k]) => k);
  const unexpected = [...seen.keys()].filter((k) => !(Number.isInteger(k) && k >= 1 && k <= last));
  return { count: received.length, lost, duplicates, reorders, unexpected };
}

export const sequenceOk = (r) => r.lost.length === 0 && r.duplicates.length === 0 && r.reorders === 0 && r.unexpected.length === 0;

// Prometheus labels of a sample key "name{a="x",b="y"}" as an object; null if not `name`.
function labelsOf(key, name) {
  if (key === name) return {};
  if (!key.startsWith(`${name}{`)) return null;
  const labels = {};
  for (const m of key.slice(name.length + 1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]] = m[2];
  return labels;
}

// Sum of the samples of `name` whose labels include every one of `want` (label order free).
export function sampleSum(samples, name, want = {}) {
  let sum = 0;
  for (const [key, value] of samples) {
    const labels = labelsOf(key, name);
    if (labels && Object.entries(want).every(([k, v]) => labels[k] === v)) sum += value;
  }
  return sum;
}

export function hasSample(samples, name) {
  return [...samples.keys()].some((k) => labelsOf(k, name) !== null);
}

// The recovery metrics of one node. Failures by reason are read from
// txrt_recovery_total{result="failed",reason="..."} (issue 13's wording) or, when those samples
// carry no reason, from txrt_recovery_failures_total{reason="..."}.
export async function recoveryMetrics(url) {
  const m = await scrapeSamples(url);
  const failedBy = {};
  let reasons = false;
  for (const [key, value] of m) {
    const labels = labelsOf(key, 'txrt_recovery_total');
    if (labels?.result === 'failed' && labels.reason !== undefined) {
      reasons = true;
      failedBy[labels.reason] = (failedBy[labels.reason] ?? 0) + value;
    }
  }
  if (!reasons) {
    for (const [key, value] of m) {
      const labels = labelsOf(key, 'txrt_recovery_failures_total');
      if (labels?.reason !== undefined) failedBy[labels.reason] = (failedBy[labels.reason] ?? 0) + value;
    }
  }
  return {
    samples: m,
    recovered: sampleSum(m, 'txrt_recovery_total', { result: 'recovered' }),
    failed: sampleSum(m, 'txrt_recovery_total', { result: 'failed' }),
    failedBy,
    replayed: sampleSum(m, 'txrt_recovery_replayed_total'),
    connections: sampleSum(m, 'txrt_connections'),
  };
}

// Engine.IO sessions open on a node (txrt_connections, every transport and protocol).
export async function openSessions(url) {
  return sampleSum(await scrapeSamples(url), 'txrt_connections');
}

// Until the node counts `n` open sessions: the way to know the server has seen a dropped
// connection (no event tells the test; a disconnected session may be kept for recovery).
export function sessionsBecome(url, n, ms = T) {
  return pollUntil(async () => (await openSessions(url)) === n, ms, `${url}: txrt_connections = ${n}`, 25);
}

// haproxy's view of a backend server (stats CSV): 'UP', 'DOWN', 'MAINT', ... (with the
// transition state, e.g. 'UP 1/2', 'DOWN 1/2').
export async function haproxyStatus(statsUrl, server, backend = 'txrt_nodes') {
  const res = await request(`${statsUrl}/stats;csv`, {}, 2000);
  const lines = res.body.toString().split('\n');
  const header = lines[0].replace(/^# /, '').split(',');
  const px = header.indexOf('pxname');
  const sv = header.indexOf('svname');
  const st = header.indexOf('status');
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    if (f[px] === backend && f[sv] === server) return f[st];
  }
  throw new Error(`haproxy stats: no ${backend}/${server}`);
}
