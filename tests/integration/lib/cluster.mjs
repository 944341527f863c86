// A two-node txrt cluster for the integration tests: one real redis-server, two txrt nodes
// sharing it (--node-id n1 / n2, server names node-1 / node-2, X-Forwarded-For trusted from
// 127.0.0.1), and haproxy in front of them running docker/haproxy.cfg itself, with the test's
// ports substituted for the compose addresses. Every start-up wait is bounded; every process is
// stopped by its PID.
//
//   const cluster = await startCluster();
//   cluster.nodes[0].url, cluster.nodes[1].url   direct to node 1 / node 2
//   cluster.lbUrl                                 through haproxy
//   cluster.redis.port                            for a RedisClient (PUBLISH, PUBSUB ...)
//   await cluster.nodes[0].stop('SIGKILL'); await cluster.restartNode(0);   same port, same flags
//   await cluster.stop();
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT } from './values.mjs';
import { startRedis, freePort } from './redis.mjs';
import { startApp, SECRET, pollUntil, readyStatus } from './app.mjs';

export const HAPROXY_BIN = process.env.TXRT_HAPROXY_BIN || '/usr/sbin/haproxy';
export const HAPROXY_CFG = path.join(ROOT, 'docker', 'haproxy.cfg');
export const NODES = [
  { id: 'n1', name: 'node-1', server: 'node1' },
  { id: 'n2', name: 'node-2', server: 'node2' },
];

// docker/haproxy.cfg with loopback addresses: the listener, the stats listener and the two
// servers. Each substitution must apply exactly once, so a change of the shipped file's shape
// fails here instead of silently testing something else.
export function renderHaproxyConfig({ port, statsPort, nodePorts }) {
  let cfg = fs.readFileSync(HAPROXY_CFG, 'utf8');
  const swap = (re, replacement) => {
    const hits = cfg.match(new RegExp(re.source, 'gm'))?.length ?? 0;
    if (hits !== 1) throw new Error(`docker/haproxy.cfg: expected one match of ${re}, got ${hits}`);
    cfg = cfg.replace(new RegExp(re.source, 'm'), (_, head) => head + replacement);
  };
  swap(/^(\s*bind )\*?:8080\b/, `127.0.0.1:${port}`);
  swap(/^(\s*bind )\*?:8404\b/, `127.0.0.1:${statsPort}`);
  NODES.forEach((n, i) => swap(new RegExp(`^(\\s*server ${n.server} )${n.server}:3000\\b`), `127.0.0.1:${nodePorts[i]}`));
  return cfg;
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

// Runs haproxy in the foreground (-db) on a generated config; resolves once it accepts
// connections. Its output is kept (bounded) for failure messages.
export async function startHaproxy(cfgText, port, { timeoutMs = 10000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-haproxy-'));
  const cfgPath = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(cfgPath, cfgText);
  const child = spawn(HAPROXY_BIN, ['-f', cfgPath, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output += chunk;
    if (output.length > 200000) output = output.slice(-100000); // the pipe is always drained
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let spawnError = null;
  child.on('error', (err) => (spawnError = err));
  const stop = async (signal = 'SIGTERM', ms = 5000) => {
    if (child.exitCode === null && child.signalCode === null && !spawnError) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // Not pollUntil: an exit must end the wait at once, with haproxy's own message.
  const deadline = Date.now() + timeoutMs;
  let failure = null;
  for (;;) {
    if (spawnError) failure = `haproxy could not be started: ${spawnError.message}`;
    else if (child.exitCode !== null || child.signalCode !== null) {
      failure = `haproxy exited (${child.exitCode ?? child.signalCode})`;
    } else if (await canConnect(port)) break;
    else if (Date.now() >= deadline) failure = `haproxy did not accept connections within ${timeoutMs} ms`;
    if (failure) {
      await stop('SIGKILL');
      throw new Error(`${failure}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { pid: child.pid, port, url: `http://127.0.0.1:${port}`, output: () => output, exited, stop };
}

// Starts the whole cluster. `nodeArgs` are appended to both nodes' flags.
export async function startCluster({ nodeArgs = [], timeoutMs = 15000 } = {}) {
  const started = [];
  const stopAll = async () => {
    for (const p of started.reverse()) await p.stop().catch(() => {});
  };
  try {
    const redis = await startRedis(undefined, { timeoutMs });
    started.push(redis);
    const nodes = [];
    const argsOf = (n) => [
      '--redis', redis.url,
      '--node-id', n.id,
      '--server-name', n.name,
      '--trusted-proxies', '127.0.0.1',
      '--publish-secret', SECRET,
      ...nodeArgs,
    ];
    for (const n of NODES) {
      const srv = await startApp(argsOf(n), { timeoutMs });
      started.push(srv);
      nodes.push(Object.assign(srv, { id: n.id, name: n.name }));
    }
    // Starts node i again with the same flags on the same port, after the test stopped it (any
    // signal): haproxy's config stays valid. Resolves once it listens (not yet /ready);
    // cluster.nodes[i] is then the new process, and stop() stops it.
    const restartNode = async (i) => {
      const old = nodes[i];
      // A node still running holds the port: the new one fails to listen and this rejects.
      const srv = await startApp([...argsOf(NODES[i]), '--listen', `127.0.0.1:${old.port}`], { timeoutMs });
      started[started.indexOf(old)] = srv;
      nodes[i] = Object.assign(srv, { id: NODES[i].id, name: NODES[i].name });
      return nodes[i];
    };
    for (const srv of nodes) {
      await pollUntil(async () => (await readyStatus(srv.url)) === 200, timeoutMs, `${srv.name}: GET /ready 200`);
    }
    const port = await freePort();
    const statsPort = await freePort();
    const cfg = renderHaproxyConfig({ port, statsPort, nodePorts: nodes.map((n) => n.port) });
    const lb = await startHaproxy(cfg, port, { timeoutMs });
    started.push(lb);
    await pollUntil(async () => (await readyStatus(lb.url)) === 200, timeoutMs, 'GET /ready 200 through haproxy');
    return {
      redis,
      nodes,
      lb,
      lbUrl: lb.url,
      statsUrl: `http://127.0.0.1:${statsPort}`,
      config: cfg,
      restartNode,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
