// A Sentinel-managed Redis on the loopback for the integration tests: a master and a replica
// (Debian's redis-server, both with a password) watched by three redis-sentinel processes
// (quorum 2, their own password, down-after-milliseconds 1000 so a failover takes seconds).
// Every wait is bounded; every process is stopped by its PID.
//
//   const s = await startSentinels();
//   s.master.port, s.replica.port        the data nodes (s.client(port) gives an AUTHed client)
//   s.sentinels[i].port                  the sentinels
//   s.flags                              txrt's --redis-sentinels ... flags
//   await s.stop();
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startRedis, freePort, RedisClient } from './redis.mjs';
import { pollUntil } from './app.mjs';

export const MASTER_NAME = 'txrtmaster';
export const MASTER_PASSWORD = 'master-secret';
export const SENTINEL_PASSWORD = 'sentinel-secret';
export const DOWN_AFTER_MS = 1000;
export const FAILOVER_TIMEOUT_MS = 4000;

// A data node: the same flags whether it starts as the master or as a replica. Files (the
// RDB a replica receives) go to `dir`, not to the working directory.
export async function startDataNode(dir, port, replicaOf) {
  port ??= await freePort();
  const args = ['--requirepass', MASTER_PASSWORD, '--masterauth', MASTER_PASSWORD,
    '--repl-diskless-sync-delay', '0', '--dir', dir, '--dbfilename', `dump-${port}.rdb`];
  if (replicaOf) args.push('--replicaof', '127.0.0.1', String(replicaOf));
  return startRedis(port, { args });
}

// A client AUTHed with `password` (the master's by default).
export async function authedClient(port, password = MASTER_PASSWORD) {
  const c = await RedisClient.connect(port);
  await c.command(['AUTH', password]);
  return c;
}

// ROLE of the server on `port` ('master', 'slave', 'sentinel'), or null when unreachable.
export async function role(port, password = MASTER_PASSWORD) {
  let c;
  try {
    c = await authedClient(port, password);
    const [r] = await c.command(['ROLE'], 2000);
    return r;
  } catch {
    return null;
  } finally {
    c?.close();
  }
}

async function startSentinel(dir, masterPort, { timeoutMs = 10000 } = {}) {
  const port = await freePort();
  const conf = path.join(dir, `sentinel-${port}.conf`);
  fs.writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'daemonize no',
      `dir ${dir}`,
      `requirepass ${SENTINEL_PASSWORD}`,
      `sentinel sentinel-pass ${SENTINEL_PASSWORD}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
      `sentinel auth-pass ${MASTER_NAME} ${MASTER_PASSWORD}`,
      `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-sentinel', [conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output += chunk;
    if (output.length > 200000) output = output.slice(-100000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = async (signal = 'SIGKILL', ms = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    const r = await exited;
    clearTimeout(timer);
    return r;
  };
  try {
    await pollUntil(async () => {
      if (child.exitCode !== null) throw new Error(`redis-sentinel exited:\n${output}`);
      return (await role(port, SENTINEL_PASSWORD)) === 'sentinel';
    }, timeoutMs, `redis-sentinel on ${port} answers`, 50);
  } catch (err) {
    await stop();
    throw new Error(`${err.message}\n${output}`);
  }
  return { port, pid: child.pid, output: () => output, exited, stop };
}

// What a sentinel says about the master: { ip, port, numSlaves, numOtherSentinels, flags }.
export async function masterInfo(sentinelPort) {
  const c = await authedClient(sentinelPort, SENTINEL_PASSWORD);
  try {
    const flat = await c.command(['SENTINEL', 'master', MASTER_NAME], 2000);
    const m = {};
    for (let i = 0; i + 1 < flat.length; i += 2) m[flat[i]] = flat[i + 1];
    return {
      ip: m.ip,
      port: Number(m.port),
      numSlaves: Number(m['num-slaves']),
      numOtherSentinels: Number(m['num-other-sentinels']),
      flags: m.flags,
    };
  } finally {
    c.close();
  }
}

export async function startSentinels({ timeoutMs = 20000 } = {}) {
  const started = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'txrt-sentinel-'));
  const stopAll = async () => {
    for (const p of [...started].reverse()) await p.stop().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const master = await startDataNode(dir);
    started.push(master);
    const replica = await startDataNode(dir, undefined, master.port);
    started.push(replica);
    await pollUntil(async () => {
      const c = await authedClient(replica.port);
      try {
        return /master_link_status:up/.test(await c.command(['INFO', 'replication']));
      } finally {
        c.close();
      }
    }, timeoutMs, 'the replica is in sync with the master', 50);
    const sentinels = [];
    for (let i = 0; i < 3; i++) {
      const s = await startSentinel(dir, master.port);
      started.push(s);
      sentinels.push(s);
    }
    // A failover needs every sentinel to know the replica and the other two sentinels.
    for (const s of sentinels) {
      await pollUntil(async () => {
        const m = await masterInfo(s.port);
        return m.numSlaves === 1 && m.numOtherSentinels === 2;
      }, timeoutMs, `sentinel ${s.port} knows the replica and the other sentinels`, 100);
    }
    return {
      master,
      replica,
      sentinels,
      dir,
      flags: [
        '--redis-sentinels', sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
        '--redis-master-name', MASTER_NAME,
        '--redis-password', MASTER_PASSWORD,
        '--redis-sentinel-password', SENTINEL_PASSWORD,
      ],
      started,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
