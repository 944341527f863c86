#!/usr/bin/env node
// The Node.js baseline of the benchmark: a plain socket.io 4.8 + ioredis server doing the same
// Telecom X contract as txrt, so bench/run can compare the two on the same workloads.
//
//   node bench/node/server.mjs [--host 127.0.0.1] [--port 3000] [--redis redis://127.0.0.1:6379]
//                              [--prefix rt:] [--workers 1] [--auth-timeout-ms 10000]
//                              [--validator-timeout-ms 2000]
// (environment: HOST, PORT, REDIS_URL, PREFIX, WORKERS). When every process listens and has its
// PSUBSCRIBE in place it prints one line `ready pids=<pid>[,<pid>...]` (the primary first), which
// is what bench/run waits for; GET /ready answers 200 from then on.
//
// What it mirrors from txrt (server/telecomx/telecomx_namespace.cpp, rooms/subscription.cpp,
// auth/policy.cpp, bridge/identity_json.cpp):
// - `authenticate {token, client?, instanceId?, ip?}`: GET <prefix>session:<token>, the identity
//   JSON {employee, customer, accessLevel, organizationResellers?}; `authenticated
//   {employee, customer, accessLevel}` and ack {success:true, ...}, or `unauthorized {code,
//   message}` + ack {success:false, code, message} and a disconnect. Codes credentials_invalid,
//   invalid_token, unavailable, and `timeout` after --auth-timeout-ms without authentication.
// - `subscribe` / `unsubscribe {type, customer?, events?, types?}` with the access policy (levels,
//   own customer, RESELLER via the <prefix>customer:parent chain), answered with `subscribed` /
//   `unsubscribed` echoing the normalised subscription, or `subscribe_failed`, and acks.
// - PSUBSCRIBE <prefix>event:*; a message that is a JSON object is emitted as event TYPE to the
//   matching rooms, each socket getting it once (socket.io dedupes across the rooms of one emit).
// Not mirrored (txrt does it, the benchmark does not need it): the identity cache, REALTIME
// events, request/reply and its employee bookkeeping, revocation, /metrics, a send-queue bound.
//
// Settings, on purpose the idiomatic defaults: socket.io's Server options are untouched (pingInterval
// 25 s / pingTimeout 20 s and maxHttpBufferSize 1 MB, which equal txrt's defaults; no
// perMessageDeflate, which is off by default; polling and websocket transports); the default
// in-memory adapter; ioredis defaults except a commandTimeout equal to txrt's validator deadline.
// With --workers N > 1 node:cluster forks N workers sharing the port (the primary hands out
// connections round-robin, Node's default on Linux); each worker has its own sockets and its own
// PSUBSCRIBE, so every worker sees every event and no cross-worker adapter is needed. Clients
// must then use transport=websocket directly (no sticky sessions for polling).
import cluster from 'node:cluster';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { serveContract } from './contract.mjs';

const { values: opts } = parseArgs({
  options: {
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    prefix: { type: 'string', default: process.env.PREFIX ?? 'rt:' },
    workers: { type: 'string', default: process.env.WORKERS ?? '1' },
    'auth-timeout-ms': { type: 'string', default: '10000' },
    'validator-timeout-ms': { type: 'string', default: '2000' },
  },
});
const workers = Number(opts.workers);
if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
  console.error('--workers must be an integer from 1 to 64');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// One server process (the only one, or one cluster worker); the contract is bench/node/contract.mjs.

async function serve() {
  const commands = new Redis(opts.redis, { commandTimeout: Number(opts['validator-timeout-ms']) });
  const subscriber = new Redis(opts.redis);
  let ready = false;

  const httpServer = http.createServer((req, res) => {
    const ok = req.url === '/health' || (req.url === '/ready' && ready);
    res.writeHead(ok ? 200 : req.url === '/ready' ? 503 : 404, { 'content-type': 'application/json' });
    res.end(ok ? '{"status":"ok"}' : '{"status":"unavailable"}');
  });
  const io = new Server(httpServer);
  await serveContract(io, {
    commands, subscriber, prefix: opts.prefix, authTimeoutMs: Number(opts['auth-timeout-ms']),
  });
  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(Number(opts.port), opts.host, resolve);
  });
  ready = true;
}


// ---------------------------------------------------------------------------------------------
// Start: one process, or a primary with `workers` workers.

if (workers === 1) {
  serve().then(() => console.log(`ready pids=${process.pid}`), (err) => {
    console.error('start failed:', err.message);
    process.exit(1);
  });
} else if (cluster.isPrimary) {
  const pids = [];
  let stopping = false;
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork();
    worker.on('message', (m) => {
      if (m !== 'ready') return;
      pids.push(worker.process.pid);
      if (pids.length === workers) console.log(`ready pids=${[process.pid, ...pids].join(',')}`);
    });
  }
  // A worker that dies takes the whole server down: a benchmark must not go on with half of it.
  const stopAll = () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
  };
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      console.error(`worker ${worker.process.pid} exited (${signal ?? code}); stopping`);
      process.exitCode = 1;
      stopping = true;
      stopAll();
    }
    if (Object.keys(cluster.workers).length === 0) process.exit();
  });
  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      stopping = true;
      stopAll();
    });
  }
} else {
  serve().then(() => process.send('ready'), (err) => {
    console.error('worker start failed:', err.message);
    process.exit(1);
  });
}
