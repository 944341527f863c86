// A tiny Redis client (RESP2 over node:net, no npm dependency) and a redis-server launcher for
// the integration tests. Every wait is bounded; every process is stopped by its PID.
import net from 'node:net';
import tls from 'node:tls';
import { spawn } from 'node:child_process';

// A free TCP port on the loopback: listen on port 0, read the port, close.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function encode(args) {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'utf8');
    parts.push(`$${b.length}\r\n`, b, '\r\n');
  }
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p, 'utf8'))));
}

export class RedisError extends Error {}

// Parses one RESP value from buf at pos; returns [value, nextPos] or null when incomplete.
function parseReply(buf, pos) {
  if (pos >= buf.length) return null;
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const kind = String.fromCharCode(buf[pos]);
  const line = buf.toString('utf8', pos + 1, eol);
  const after = eol + 2;
  switch (kind) {
    case '+':
      return [line, after];
    case '-':
      return [new RedisError(line), after];
    case ':':
      return [Number(line), after];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, after];
      if (buf.length < after + n + 2) return null;
      return [buf.toString('utf8', after, after + n), after + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, after];
      const out = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (!r) return null;
        out.push(r[0]);
        p = r[1];
      }
      return [out, p];
    }
    default:
      throw new Error(`bad RESP type byte ${JSON.stringify(kind)}`);
  }
}

export class RedisClient {
  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.pending = []; // FIFO of { resolve, reject }
    this.closed = false;
    this.onPush = null; // called with every reply no command waits for (pub/sub messages)
    socket.on('data', (chunk) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      let pos = 0;
      for (;;) {
        const r = parseReply(this.buf, pos);
        if (!r) break;
        pos = r[1];
        const waiter = this.pending.shift();
        if (!waiter) {
          // Pub/sub pushes (["message", channel, payload]) have no waiting command.
          this.onPush?.(r[0]);
          continue;
        }
        if (r[0] instanceof RedisError) waiter.reject(r[0]);
        else waiter.resolve(r[0]);
      }
      this.buf = this.buf.subarray(pos);
    });
    const fail = (err) => {
      this.closed = true;
      const waiters = this.pending;
      this.pending = [];
      for (const w of waiters) w.reject(err ?? new Error('redis connection closed'));
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('redis connection closed')));
  }

  static connect(port, { host = '127.0.0.1', timeoutMs = 3000 } = {}) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`redis connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new RedisClient(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  // The same over TLS (a redis-server with --tls-port): `ca` verifies the server's certificate;
  // `cert`/`key` (PEM text) are the client's, for --tls-auth-clients yes.
  static connectTls(port, { host = '127.0.0.1', ca, cert, key, timeoutMs = 3000 } = {}) {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host, ca, cert, key });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`redis TLS connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new RedisClient(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  // One command; resolves with its reply (an error reply rejects). Bounded by timeoutMs.
  command(args, timeoutMs = 5000) {
    return this.pipeline([args], timeoutMs).then((r) => r[0]);
  }

  // Many commands in one write; resolves with every reply, in order.
  pipeline(commands, timeoutMs = 10000) {
    if (this.closed) return Promise.reject(new Error('redis connection closed'));
    const replies = commands.map(
      () => new Promise((resolve, reject) => this.pending.push({ resolve, reject })),
    );
    this.socket.write(Buffer.concat(commands.map(encode)));
    let timer;
    const all = Promise.all(replies);
    return Promise.race([
      all,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`redis replies timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  publish(channel, message) {
    return this.command(['PUBLISH', channel, message]);
  }

  close() {
    this.closed = true;
    this.socket.destroy();
  }
}

// Runs `fn(client)` on a fresh connection, closed afterwards.
export async function withRedis(port, fn) {
  const c = await RedisClient.connect(port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

// Starts `redis-server` on `port` (a free one when not given), without persistence, on the
// loopback; `args` are more flags (e.g. ['--requirepass', 'pw']). Resolves once it accepts
// connections. stop() kills it by PID.
export async function startRedis(port, { timeoutMs = 10000, args = [] } = {}) {
  port ??= await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code ?? signal}) before ready:\n${output}`));
    });
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    exited,
    output: () => output,
    async stop(signal = 'SIGKILL', ms = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}
