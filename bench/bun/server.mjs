// The Bun baseline of the benchmark: socket.io 4.8 on @socket.io/bun-engine (Bun.serve's native
// WebSocket in place of the `ws` package) + ioredis, with exactly the contract of the Node.js
// baseline — both import bench/node/contract.mjs — so the two differ only in the runtime and
// the engine. Run it with the Bun of package-lock.json:
//
//   node_modules/.bin/bun bench/bun/server.mjs [--host 127.0.0.1] [--port 3000]
//       [--redis redis://127.0.0.1:6379] [--prefix rt:] [--workers 1] [--auth-timeout-ms 10000]
//       [--validator-timeout-ms 2000]
//
// Prints `ready pids=<pid>[,<pid>...]` (the primary first) once every process listens and has its
// PSUBSCRIBE in place, as bench/node/server.mjs does; GET /ready answers 200 from then on.
//
// Settings, as in the Node baseline the idiomatic defaults: socket.io's and bun-engine's options
// untouched (pingInterval 25 s, pingTimeout 20 s, maxHttpBufferSize 1 MB; Bun's WebSocket
// without perMessageDeflate, its default), the in-memory adapter.
// With --workers N > 1 the primary starts N worker processes of this script, each its own
// Bun.serve on the same port with reusePort (SO_REUSEPORT: the kernel spreads the connections),
// its own sockets and its own PSUBSCRIBE, so every worker sees every event — Bun's way of using
// several cores, and the fair peer of node:cluster and of txrt's 2 threads. The primary only
// supervises: a worker that dies takes the whole server down.
import { parseArgs } from 'node:util';
import { Server as Engine } from '@socket.io/bun-engine';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { serveContract } from '../node/contract.mjs';

const { values: opts } = parseArgs({
  options: {
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    prefix: { type: 'string', default: process.env.PREFIX ?? 'rt:' },
    workers: { type: 'string', default: process.env.WORKERS ?? '1' },
    'auth-timeout-ms': { type: 'string', default: '10000' },
    'validator-timeout-ms': { type: 'string', default: '2000' },
    worker: { type: 'boolean', default: false },  // internal: started by the primary
  },
});
const workers = Number(opts.workers);
if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
  console.error('--workers must be an integer from 1 to 64');
  process.exit(2);
}

// One server process (the only one, or one worker).
async function serve() {
  const commands = new Redis(opts.redis, { commandTimeout: Number(opts['validator-timeout-ms']) });
  const subscriber = new Redis(opts.redis);
  let ready = false;

  const io = new Server();
  const engine = new Engine({ path: '/socket.io/' });
  io.bind(engine);
  await serveContract(io, {
    commands, subscriber, prefix: opts.prefix, authTimeoutMs: Number(opts['auth-timeout-ms']),
  });

  const { fetch: engineFetch, ...handler } = engine.handler();
  Bun.serve({
    ...handler,
    hostname: opts.host,
    port: Number(opts.port),
    reusePort: workers > 1,
    fetch(req, server) {
      const { pathname } = new URL(req.url);
      if (pathname === '/health' || pathname === '/ready') {
        const ok = pathname === '/health' || ready;
        return new Response(ok ? '{"status":"ok"}' : '{"status":"unavailable"}', {
          status: ok ? 200 : 503, headers: { 'content-type': 'application/json' },
        });
      }
      return engineFetch(req, server);
    },
  });
  ready = true;
}

if (workers === 1 || opts.worker) {
  serve().then(() => {
    if (opts.worker) process.send('ready');
    else console.log(`ready pids=${process.pid}`);
  }, (err) => {
    console.error('start failed:', err.message);
    process.exit(1);
  });
} else {
  // The primary: N workers, each this script with --worker; their output is ours.
  const args = process.argv.slice(2);
  const children = [];
  const pids = [];
  let stopping = false;
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  for (let i = 0; i < workers; i++) {
    const child = Bun.spawn([process.execPath, import.meta.path, ...args, '--worker'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      ipc(message) {
        if (message !== 'ready') return;
        pids.push(child.pid);
        if (pids.length === workers) console.log(`ready pids=${[process.pid, ...pids].join(',')}`);
      },
      onExit(proc, code, signal) {
        if (!stopping) {
          console.error(`worker ${proc.pid} exited (${signal ?? code}); stopping`);
          process.exitCode = 1;
          stopping = true;
          stopAll();
        }
        if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit();
      },
    });
    children.push(child);
  }
  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      stopping = true;
      stopAll();
    });
  }
}
