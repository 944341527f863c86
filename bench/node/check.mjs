#!/usr/bin/env node
// A quick check that the Node.js baseline (server.mjs) keeps the contract txrt keeps, so the
// benchmark compares like with like. Starts its own redis-server and server.mjs on free loopback
// ports (with --workers N, default 1), drives them with socket.io-client, stops both by PID.
// With --txrt BINARY it runs the same checks against txrt (auth=redis) instead; with --bun against
// the Bun baseline (bench/bun/server.mjs under node_modules/.bin/bun, --workers applies).
//
//   node bench/node/check.mjs [--workers 2] [--txrt build/txrt | --bun]
// Prints one line per check and `N passed, N failed`; exit status 0 when all passed.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { io as connect } from 'socket.io-client';

const { values: opts } = parseArgs({
  options: { workers: { type: 'string', default: '1' }, txrt: { type: 'string' }, bun: { type: 'boolean', default: false } },
});
const prefix = 'chk:';
const children = [];
let passed = 0;
let failed = 0;

function check(name, ok, detail = '') {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// Starts `cmd` and resolves once its stdout shows `readyText` (or, for a URL, once GET answers 200).
function start(cmd, args, readyText) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} not ready in 10 s`)), 10000);
    const done = () => { clearTimeout(timer); resolve(child); };
    child.on('exit', (code) => reject(new Error(`${cmd} exited (${code})`)));
    if (readyText.startsWith('http://')) {
      const poll = () => fetch(readyText).then((r) => (r.ok ? done() : setTimeout(poll, 100)), () => setTimeout(poll, 100));
      poll();
      return;
    }
    let seen = '';
    child.stdout.on('data', (d) => {
      seen += d;
      if (seen.includes(readyText)) done();
    });
  });
}

// Resolves with the first `name` event's payload, or 'none' after `ms`.
function next(socket, name, ms = 2000) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { socket.off(name, on); resolve('none'); }, ms);
    const on = (v) => { clearTimeout(timer); resolve(v); };
    socket.once(name, on);
  });
}

async function client(url) {
  const s = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await once(s, 'connect');
  return s;
}

async function main() {
  const redisPort = await freePort();
  const port = await freePort();
  await start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    'Ready to accept connections');
  const redis = new Redis(`redis://127.0.0.1:${redisPort}`);
  const sessions = {
    admin: { employee: 'e-admin', customer: 'c0', accessLevel: 'ADMIN' },
    viewer1: { employee: 'e-v1', customer: 'c1', accessLevel: 'VIEWER' },
    viewer2: { employee: 42, customer: 'c2', accessLevel: 'VIEWER' },
    personal: { employee: 'e-p', customer: 'c1', accessLevel: 'PERSONAL' },
    reseller: { employee: 'e-r', customer: 'r1', accessLevel: 'RESELLER' },
    nologin: { employee: 'e-n', customer: 'c1', accessLevel: 'NO_LOGIN' },
    rejected: { success: false },
  };
  for (const [token, who] of Object.entries(sessions)) await redis.set(`${prefix}session:${token}`, JSON.stringify(who));
  await redis.hset(`${prefix}customer:parent`, 'c3', 'r1');

  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  if (opts.txrt) {
    await start(opts.txrt, ['--listen', `127.0.0.1:${port}`, '--redis', redisUrl, '--auth', 'redis', '--prefix', prefix,
      '--auth-timeout-ms', '1500', '--log-level', 'warn'], `http://127.0.0.1:${port}/ready`);
  } else if (opts.bun) {
    const server = fileURLToPath(new URL('../bun/server.mjs', import.meta.url));
    const bun = fileURLToPath(new URL('../../node_modules/.bin/bun', import.meta.url));
    await start(bun, [server, '--port', String(port), '--redis', redisUrl,
      '--prefix', prefix, '--workers', opts.workers, '--auth-timeout-ms', '1500'], 'ready pids=');
  } else {
    const server = fileURLToPath(new URL('./server.mjs', import.meta.url));
    await start(process.execPath, [server, '--port', String(port), '--redis', redisUrl,
      '--prefix', prefix, '--workers', opts.workers, '--auth-timeout-ms', '1500'], 'ready pids=');
  }
  const url = `http://127.0.0.1:${port}`;

  // authenticate
  const admin = await client(url);
  let ack = await admin.emitWithAck('authenticate', { token: 'admin', client: 'check' });
  check('authenticate ack', JSON.stringify(ack) === '{"success":true,"employee":"e-admin","customer":"c0","accessLevel":"ADMIN"}', JSON.stringify(ack));
  const v1 = await client(url);
  const authenticated = next(v1, 'authenticated');
  v1.emit('authenticate', { token: 'viewer1' });
  check('authenticated event', JSON.stringify(await authenticated) === '{"employee":"e-v1","customer":"c1","accessLevel":"VIEWER"}');
  const v2 = await client(url);
  ack = await v2.emitWithAck('authenticate', { token: 'viewer2' });
  check('numeric employee as text', ack.employee === '42', JSON.stringify(ack));

  for (const [token, code] of [['nope', 'invalid_token'], ['rejected', 'invalid_token'], ['nologin', 'credentials_invalid'], [7, 'credentials_invalid']]) {
    const s = await client(url);
    const unauthorized = next(s, 'unauthorized');
    const disconnected = next(s, 'disconnect');
    ack = await s.emitWithAck('authenticate', { token });
    const ev = await unauthorized;
    check(`refuse ${JSON.stringify(token)} -> ${code}`, ack.success === false && ack.code === code && ev.code === code && (await disconnected) !== 'none', JSON.stringify(ack));
  }
  {
    const s = await client(url);
    const ev = await next(s, 'unauthorized', 4000);
    check('auth timeout', ev.code === 'timeout', JSON.stringify(ev));
    s.close();
  }

  // subscribe
  const anon = await client(url);
  ack = await anon.emitWithAck('subscribe', { type: 'PBX', customer: 'c1' });
  check('subscribe before authenticate', ack.code === 'not_authenticated', JSON.stringify(ack));
  anon.close();
  ack = await v1.emitWithAck('subscribe', { type: 'PBX', customer: 'c1' });
  check('subscribe PBX own customer', JSON.stringify(ack) === '{"success":true,"type":"PBX","customer":"c1"}', JSON.stringify(ack));
  const failedEvent = next(v1, 'subscribe_failed');
  ack = await v1.emitWithAck('subscribe', { type: 'PBX', customer: 'c2' });
  check('subscribe other customer denied', ack.code === 'access_denied', JSON.stringify(ack));
  check('subscribe_failed event', JSON.stringify(await failedEvent) === '{"type":"PBX","customer":"c2","code":"access_denied","message":"no access to this subscription"}');
  ack = await v1.emitWithAck('subscribe', { type: 'ADMIN' });
  check('ADMIN denied to VIEWER', ack.code === 'access_denied', JSON.stringify(ack));
  ack = await v1.emitWithAck('subscribe', { type: 'NOPE' });
  check('unknown type invalid', ack.code === 'invalid', JSON.stringify(ack));
  ack = await v1.emitWithAck('subscribe', { type: 'CALL', customer: 'c1', events: ['B', 'A', 'B'] });
  check('events normalised', JSON.stringify(ack) === '{"success":true,"type":"CALL","customer":"c1","events":["A","B"]}', JSON.stringify(ack));
  ack = await v2.emitWithAck('subscribe', { type: 'PBX', customer: 'c2' });
  check('second customer', ack.success === true, JSON.stringify(ack));
  ack = await admin.emitWithAck('subscribe', { type: 'ADMIN' });
  check('ADMIN firehose', ack.success === true && ack.type === 'ADMIN', JSON.stringify(ack));
  ack = await admin.emitWithAck('subscribe', { type: 'PBX', customer: 'c1' });
  check('ADMIN also PBX c1', ack.success === true, JSON.stringify(ack));
  const reseller = await client(url);
  await reseller.emitWithAck('authenticate', { token: 'reseller' });
  ack = await reseller.emitWithAck('subscribe', { type: 'PBX', customer: 'c3' });
  check('RESELLER below its customer', ack.success === true, JSON.stringify(ack));
  ack = await reseller.emitWithAck('subscribe', { type: 'PBX', customer: 'c1' });
  check('RESELLER elsewhere denied', ack.code === 'access_denied', JSON.stringify(ack));
  const personal = await client(url);
  await personal.emitWithAck('authenticate', { token: 'personal' });
  ack = await personal.emitWithAck('subscribe', { type: 'CALL', customer: 'c1' });
  check('CALL needs VIEWER', ack.code === 'access_denied', JSON.stringify(ack));

  // delivery
  const got = (s, name) => { const list = []; s.on(name, (e) => list.push(e)); return list; };
  const v1Pbx = got(v1, 'PBX');
  const v1Call = got(v1, 'CALL');
  const v2Pbx = got(v2, 'PBX');
  const adminPbx = got(admin, 'PBX');
  const adminTrunk = got(admin, 'TRUNK');
  const resellerPbx = got(reseller, 'PBX');
  await redis.publish(`${prefix}event:PBX:c1`, '{"event":"CALL_START","customer":"c1","n":1}');
  await redis.publish(`${prefix}event:PBX:c1`, 'not json');
  await redis.publish(`${prefix}event:PBX:c1`, '[1,2]');
  await redis.publish(`${prefix}event:PBX:c2`, '{"event":"CALL_START","customer":"c2","n":2}');
  await redis.publish(`${prefix}event:PBX:c3`, '{"event":"X","n":3}');
  await redis.publish(`${prefix}event:CALL:c1`, '{"event":"A","n":4}');
  await redis.publish(`${prefix}event:CALL:c1`, '{"event":"C","n":5}');
  await redis.publish(`${prefix}event:CALL:c1`, '{"event":"MAXCHANNELS","n":6}');
  await redis.publish(`${prefix}event:TRUNK`, '{"event":"DOWN","n":7}');
  await redis.publish(`${prefix}event:PBX:c1`, '{"event":"CALL_END","customer":"c1","n":8}');
  await next(admin, 'never', 500);
  const ns = (list) => list.map((e) => e.n).join(',');
  check('PBX c1 delivered in order', ns(v1Pbx) === '1,8', ns(v1Pbx));
  check('payload as published', JSON.stringify(v1Pbx[0]) === '{"event":"CALL_START","customer":"c1","n":1}');
  check('other customer isolated', ns(v2Pbx) === '2', ns(v2Pbx));
  check('events filter', ns(v1Call) === '4', ns(v1Call));
  check('ADMIN once per event', ns(adminPbx) === '1,2,3,8', ns(adminPbx));
  check('TRUNK to ADMIN', ns(adminTrunk) === '7', ns(adminTrunk));
  check('RESELLER gets c3', ns(resellerPbx) === '3', ns(resellerPbx));

  // unsubscribe and re-authentication
  ack = await v1.emitWithAck('unsubscribe', { type: 'PBX', customer: 'c1' });
  check('unsubscribe', JSON.stringify(ack) === '{"success":true,"type":"PBX","customer":"c1","removed":1}', JSON.stringify(ack));
  ack = await v2.emitWithAck('authenticate', { token: 'viewer2' });
  await redis.publish(`${prefix}event:PBX:c1`, '{"n":9}');
  await redis.publish(`${prefix}event:PBX:c2`, '{"n":10}');
  await next(admin, 'never', 500);
  check('no delivery after unsubscribe', ns(v1Pbx) === '1,8', ns(v1Pbx));
  check('re-authenticate drops subscriptions', ns(v2Pbx) === '2', ns(v2Pbx));

  for (const s of [admin, v1, v2, reseller, personal]) s.close();
  redis.disconnect();
}

try {
  await main();
} catch (err) {
  check('run', false, err.stack);
} finally {
  for (const c of children.reverse()) if (c.exitCode === null) c.kill('SIGTERM');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
