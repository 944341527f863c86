// Helpers for the Telecom X application tests against the real `txrt` binary: start it, connect
// socket.io clients (v4 and v2), authenticate, subscribe, publish through POST /events, and
// record what a socket receives. Every wait is bounded (see wait.mjs).
import path from 'node:path';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import ioV2 from 'socket.io-client-v2';
import { ROOT } from './values.mjs';
import { startServer } from './server.mjs';
import { once, never, emitAck, withTimeout } from './wait.mjs';
import { request } from './http.mjs';

export const TXRT_BIN = process.env.TXRT_BIN || path.join(ROOT, 'build', 'txrt');
export const T = 5000; // deadline for one awaited event
export const QUIET_WINDOW = 300; // "nothing else arrives" window, after a positive control
export const SECRET = 's3cret';
export const QUIET_HEARTBEAT = ['--ping-interval-ms', '25000', '--ping-timeout-ms', '20000'];

export const CUSTOMER_TYPES = ['PBX', 'CONFIG', 'CONFIG-NOT-IPTV', 'REGISTER', 'CALL'];
export const ADMIN_TYPES = ['ADMIN', 'ADMIN:CONFIG', 'ADMIN:CALL', 'ADMIN:REGISTER', 'ADMIN:PBX', 'ADMIN:REALTIME'];

// The demo identities of data/demo-tokens.json.
export const DEMO = {
  'demo-admin': { employee: 'emp-admin', customer: 'telecomx', accessLevel: 'ADMIN' },
  'demo-reseller-admin': { employee: 'emp-reseller-admin', customer: 'reseller-south', accessLevel: 'RESELLER_ADMIN' },
  'demo-reseller': { employee: 'emp-reseller', customer: 'reseller-north', accessLevel: 'RESELLER' },
  'demo-subreseller': { employee: 'emp-subreseller', customer: 'subreseller-north-1', accessLevel: 'RESELLER' },
  'demo-org-reseller': { employee: 'emp-org-reseller', customer: 'customer-south-1', accessLevel: 'RESELLER' },
  'demo-owner': { employee: 'emp-owner', customer: 'customer-north-2', accessLevel: 'OWNER' },
  'demo-manager': { employee: 'emp-manager', customer: 'customer-north-2', accessLevel: 'MANAGER' },
  'demo-viewer': { employee: 'emp-viewer', customer: 'customer-north-2', accessLevel: 'VIEWER' },
  'demo-personal': { employee: 'emp-personal', customer: 'customer-north-2', accessLevel: 'PERSONAL' },
};

export function startApp(args = [], opts) {
  return startServer(TXRT_BIN, [...QUIET_HEARTBEAT, ...args], opts);
}

// Sockets opened by a test; closeAll() (afterEach) closes them so that none outlives it.
export function socketPool() {
  const open = new Set();
  return {
    v4(url, opts = {}) {
      const s = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], ...opts });
      open.add(s);
      return s;
    },
    v2(url, opts = {}) {
      const s = ioV2(url, { forceNew: true, reconnection: false, transports: ['websocket'], ...opts });
      open.add(s);
      return s;
    },
    closeAll() {
      for (const s of open) {
        s.io.reconnection(false);
        if (typeof s.disconnect === 'function') s.disconnect();
        s.io.engine?.close();
      }
      open.clear();
    },
  };
}

export async function connected(socket, ms = T) {
  if (!socket.connected) await once(socket, 'connect', ms, { rejectOn: ['connect_error', 'error'] });
  return socket;
}

// emit('authenticate', payload, ack) expecting success. Resolves { event, ack } with the
// payloads of the `authenticated` event and of the ack.
export async function authenticate(socket, payload, ms = T) {
  const ev = once(socket, 'authenticated', ms, { rejectOn: ['unauthorized', 'disconnect'] });
  const ack = emitAck(socket, ms, 'authenticate', payload);
  const [[event], [ackValue]] = await Promise.all([ev, ack]);
  return { event, ack: ackValue };
}

// emit('authenticate', ...args, ack) expecting failure: resolves { event, ack, reason, order }
// with the `unauthorized` payload, the ack, the disconnect reason and the order in which
// `unauthorized` and `disconnect` arrived.
export async function authenticateFails(socket, args, ms = T) {
  const order = [];
  const onUnauth = () => order.push('unauthorized');
  const onDisc = () => order.push('disconnect');
  socket.on('unauthorized', onUnauth);
  socket.on('disconnect', onDisc);
  try {
    const ev = once(socket, 'unauthorized', ms, { rejectOn: ['authenticated'] });
    const gone = once(socket, 'disconnect', ms);
    const ack = emitAck(socket, ms, 'authenticate', ...args);
    const [[event], [ackValue], [reason]] = await Promise.all([ev, ack, gone]);
    return { event, ack: ackValue, reason, order };
  } finally {
    socket.off('unauthorized', onUnauth);
    socket.off('disconnect', onDisc);
  }
}

// Connects a v4 socket (WebSocket) and authenticates it with `token`.
export async function login(pool, url, token, opts = {}) {
  const socket = await connected(pool.v4(url, opts));
  const { ack } = await authenticate(socket, { token });
  assert.equal(ack.success, true, `authenticate ${token}: ${JSON.stringify(ack)}`);
  return socket;
}

// subscribe/unsubscribe expecting success: resolves { event, ack }.
export async function subscribeOk(socket, sub, { verb = 'subscribe', ms = T } = {}) {
  const okName = verb === 'subscribe' ? 'subscribed' : 'unsubscribed';
  const ev = once(socket, okName, ms, { rejectOn: ['subscribe_failed'] });
  const ack = emitAck(socket, ms, verb, sub);
  const [[event], [ackValue]] = await Promise.all([ev, ack]);
  return { event, ack: ackValue };
}

export function unsubscribeOk(socket, sub, ms = T) {
  return subscribeOk(socket, sub, { verb: 'unsubscribe', ms });
}

// subscribe/unsubscribe expecting failure: resolves { event, ack }.
export async function subscribeFails(socket, sub, { verb = 'subscribe', ms = T } = {}) {
  const okName = verb === 'subscribe' ? 'subscribed' : 'unsubscribed';
  const ev = once(socket, 'subscribe_failed', ms, { rejectOn: [okName] });
  const args = sub === undefined ? [] : [sub];
  const ack = emitAck(socket, ms, verb, ...args);
  const [[event], [ackValue]] = await Promise.all([ev, ack]);
  return { event, ack: ackValue };
}

// Checks a subscribe_failed event and its ack.
export function assertSubscribeFailed({ event, ack }, { type, customer, code }, what = '') {
  assert.deepEqual(Object.keys(event).sort(), ['code', 'customer', 'message', 'type'], `${what} event keys`);
  assert.equal(event.type, type, `${what} event.type`);
  assert.equal(event.customer, customer, `${what} event.customer`);
  assert.equal(event.code, code, `${what} event.code (${event.message})`);
  assert.equal(typeof event.message, 'string');
  assert.equal(ack.success, false, `${what} ack.success`);
  assert.equal(ack.code, code, `${what} ack.code`);
  assert.equal(typeof ack.message, 'string');
}

// POST /events. `body` is an object (JSON-encoded) or a string sent as is.
export function publishHttp(url, body, { secret = SECRET, headers = {} } = {}) {
  const h = { 'content-type': 'application/json', ...headers };
  if (secret !== null) h.authorization = `Bearer ${secret}`;
  return request(`${url}/events`, {
    method: 'POST',
    headers: h,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function publish(url, type, customer, event) {
  const body = customer === null ? { type, event } : { type, customer, event };
  const res = await publishHttp(url, body);
  assert.equal(res.status, 202, `POST /events ${JSON.stringify(body)}: ${res.status} ${res.body}`);
  return res;
}

// Records every emission of the given event names on a socket, in arrival order.
export class Recorder {
  constructor(socket, names) {
    this.socket = socket;
    this.names = names;
    this.events = []; // { name, payload }
    this.waiters = new Set();
    this.handlers = names.map((name) => {
      const fn = (payload) => {
        this.events.push({ name, payload });
        for (const w of [...this.waiters]) w();
      };
      socket.on(name, fn);
      return [name, fn];
    });
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
    return withTimeout(p, ms, `${what} (recorded: ${JSON.stringify(this.events.map((e) => [e.name, e.payload?.event]))})`).finally(
      () => this.waiters.delete(check),
    );
  }

  // After a positive control arrived: nothing more of the recorded names may arrive in a
  // ~300 ms window. Resolves with the list of recorded { name, payload }.
  async settle(ms = QUIET_WINDOW) {
    await Promise.all(this.names.map((n) => never(this.socket, n, ms)));
    return this.events;
  }

  stop() {
    for (const [name, fn] of this.handlers) this.socket.off(name, fn);
  }
}

// A payload for publishing: recognisable by `marker`.
let counter = 0;
export function makeEvent(sub, extra = {}) {
  counter += 1;
  return { event: sub, id: `id-${process.pid}-${counter}`, data: { n: counter }, ...extra };
}

// Calls `fn` every `intervalMs` until it returns a truthy value; rejects after `ms`.
// For conditions no event announces (e.g. GET /ready flipping after Redis went away).
export async function pollUntil(fn, ms, what, intervalMs = 100) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms: ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function readyStatus(url) {
  const res = await request(`${url}/ready`, {}, 2000);
  return res.status;
}
