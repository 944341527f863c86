// Smoke test of a running compose topology (Redis + 2 txrt nodes + haproxy), through haproxy
// only: scripts/image runs it after `podman-compose up`; it works against `docker compose up`
// as well.
//   node docker/smoke.mjs URL PUBLISH_SECRET
// Two socket.io-client v4 clients connect — one over WebSocket, one over long-polling only, so
// haproxy's sid routing is exercised on every poll — authenticate with the demo tokens and
// subscribe; one event is published with POST /events (through haproxy, to whichever node) and
// must reach both over Redis, whichever node each landed on. REALTIME events tell which node
// each client is on. Every wait is bounded; exit 0 when everything arrived, else 1 with the
// reason.
import { io } from 'socket.io-client';

const [url, secret] = process.argv.slice(2);
if (!url || !secret) {
  console.error('usage: node docker/smoke.mjs URL PUBLISH_SECRET');
  process.exit(2);
}
const T = 10000;

function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const next = (socket, event) => new Promise((resolve) => socket.once(event, resolve));

async function client(name, transports, token, subscription) {
  const socket = io(url, { transports, reconnection: false, forceNew: true });
  await within(T, `${name}: connect`, next(socket, 'connect'));
  const auth = await within(T, `${name}: authenticate`,
    socket.timeout(T).emitWithAck('authenticate', { token, client: 'smoke', instanceId: name }));
  if (!auth.success) throw new Error(`${name}: authenticate failed: ${JSON.stringify(auth)}`);
  const sub = await within(T, `${name}: subscribe`,
    socket.timeout(T).emitWithAck('subscribe', subscription));
  if (!sub.success) throw new Error(`${name}: subscribe failed: ${JSON.stringify(sub)}`);
  console.log(`${name}: connected over ${socket.io.engine.transport.name}, sid ${socket.io.engine.id}, ` +
              `authenticated as ${auth.employee} (${auth.accessLevel})`);
  return socket;
}

const sockets = [];
try {
  const admin = await client('admin-ws', ['websocket'], 'demo-admin', { type: 'ADMIN' });
  sockets.push(admin);
  // The admin sees every node's REALTIME events: the AUTHENTICATED of the next client names
  // the node it landed on.
  const realtime = [];
  admin.on('REALTIME', (e) => realtime.push(e));
  const viewer = await client('viewer-polling', ['polling'], 'demo-viewer',
                              { type: 'PBX', customer: 'customer-north-2' });
  sockets.push(viewer);

  const event = { event: 'SMOKE', customer: 'customer-north-2', at: new Date().toISOString() };
  const got = [within(T, 'admin-ws: the published PBX event', next(admin, 'PBX')),
               within(T, 'viewer-polling: the published PBX event', next(viewer, 'PBX'))];
  for (const p of got) p.catch(() => {});  // awaited below, unless the publish fails first
  const res = await fetch(`${url}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'PBX', customer: 'customer-north-2', event }),
    signal: AbortSignal.timeout(T),
  });
  if (res.status !== 202) throw new Error(`POST /events answered ${res.status}: ${await res.text()}`);
  for (const received of await Promise.all(got)) {
    if (JSON.stringify(received) !== JSON.stringify(event))
      throw new Error(`received ${JSON.stringify(received)}, published ${JSON.stringify(event)}`);
  }
  console.log(`both clients received the event published through haproxy: ${JSON.stringify(event)}`);
  const auths = realtime.filter((e) => e.event === 'AUTHENTICATED' && e.data?.instanceId === 'viewer-polling');
  for (const e of auths)
    console.log(`viewer-polling is on ${e.data.server}; remoteAddress ${e.data.remoteAddress}`);
  console.log('smoke: ok');
} catch (err) {
  console.error(`smoke: FAILED: ${err.message}`);
  process.exitCode = 1;
} finally {
  for (const s of sockets) s.close();
}
process.exit();
