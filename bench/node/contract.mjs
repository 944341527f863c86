// The Telecom X contract the benchmark's baselines serve, shared by the Node.js server
// (bench/node/server.mjs) and the Bun one (bench/bun/server.mjs) so that the two differ only in
// the runtime and the Engine.IO engine underneath socket.io: authenticate, subscribe /
// unsubscribe with the access policy, and PSUBSCRIBE ingest that emits each event to its rooms.
// What it mirrors from txrt, and what not, is described at the top of bench/node/server.mjs.

// ---------------------------------------------------------------------------------------------
// The vocabulary (rooms/subscription.cpp, auth/identity.cpp, auth/policy.cpp)

const EVENT_TYPES = ['CONFIG', 'CALL', 'REGISTER', 'PBX', 'REALTIME', 'TRUNK', 'REDIS'];
const LEVELS = ['NO_LOGIN', 'PERSONAL', 'VIEWER', 'MANAGER', 'OWNER', 'RESELLER', 'RESELLER_ADMIN', 'ADMIN'];
// subscription type -> [event type it selects (null: all), lowest level allowed]
const SUBSCRIPTION_TYPES = new Map([
  ['ADMIN', [null, 'ADMIN']],
  ['ADMIN:CONFIG', ['CONFIG', 'ADMIN']],
  ['ADMIN:CALL', ['CALL', 'ADMIN']],
  ['ADMIN:REGISTER', ['REGISTER', 'ADMIN']],
  ['ADMIN:PBX', ['PBX', 'ADMIN']],
  ['ADMIN:REALTIME', ['REALTIME', 'ADMIN']],
  ['PBX', ['PBX', 'PERSONAL']],
  ['CONFIG', ['CONFIG', 'PERSONAL']],
  ['CONFIG-NOT-IPTV', ['CONFIG', 'PERSONAL']],
  ['REGISTER', ['REGISTER', 'VIEWER']],
  ['CALL', ['CALL', 'VIEWER']],
]);
const isAdminType = (type) => type.startsWith('ADMIN');
const levelOf = (name) => LEVELS.indexOf(name);

// TRUNK and REDIS events, and the CALL sub-events MAXCHANNELS and PEER_ERROR, reach only ADMIN
// subscriptions.
function adminOnly(type, subEvent) {
  return type === 'TRUNK' || type === 'REDIS' ||
    (type === 'CALL' && (subEvent === 'MAXCHANNELS' || subEvent === 'PEER_ERROR'));
}

// Rooms. A subscription joins one room, or one per sub-event of its `events` filter ('#X');
// ADMIN with `types` joins 'ADMIN#T' per type. An event is emitted to every room that can hold
// a matching subscription; socket.io delivers it once per socket however many of them match.
function roomsOfSubscription(sub) {
  if (sub.type === 'ADMIN') return sub.types ? sub.types.map((t) => `ADMIN#${t}`) : ['ADMIN'];
  const base = isAdminType(sub.type) ? sub.type : `${sub.type}:${sub.customer}`;
  return sub.events ? sub.events.map((e) => `${base}#${e}`) : [base];
}

function roomsOfEvent(type, customer, subEvent) {
  const rooms = ['ADMIN', `ADMIN#${type}`, `ADMIN:${type}`];
  if (subEvent) rooms.push(`ADMIN:${type}#${subEvent}`);
  if (!customer || adminOnly(type, subEvent)) return rooms;
  rooms.push(`${type}:${customer}`);
  if (subEvent) rooms.push(`${type}:${customer}#${subEvent}`);
  if (type === 'CONFIG' && !subEvent.startsWith('IPTV_')) {
    rooms.push(`CONFIG-NOT-IPTV:${customer}`);
    if (subEvent) rooms.push(`CONFIG-NOT-IPTV:${customer}#${subEvent}`);
  }
  return rooms;
}

// {type, customer?, events?, types?} -> {sub} or {error}; the checks of parse_subscription().
function parseSubscription(p) {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return { error: 'subscription must be a JSON object' };
  if (p.type === undefined || p.type === null) return { error: 'type is required' };
  if (typeof p.type !== 'string') return { error: 'type must be a string' };
  if (!SUBSCRIPTION_TYPES.has(p.type)) return { error: `unknown subscription type '${p.type.slice(0, 64)}'` };
  const sub = { type: p.type };
  const hasCustomer = p.customer !== undefined && p.customer !== null;
  if (hasCustomer && typeof p.customer !== 'string') return { error: 'customer must be a string' };
  if (!isAdminType(p.type)) {
    if (!hasCustomer || p.customer === '') return { error: `customer is required for ${p.type}` };
    if (Buffer.byteLength(p.customer) > 128) return { error: 'customer must be at most 128 bytes' };
    sub.customer = p.customer;
  }
  if (p.events !== undefined && p.events !== null) {
    if (!Array.isArray(p.events) || !p.events.every((e) => typeof e === 'string')) return { error: 'events must be an array of strings' };
    if (p.type === 'ADMIN') return { error: 'events is not allowed for ADMIN' };
    if (p.events.length === 0) return { error: 'events must not be empty' };
    if (p.events.length > 256) return { error: 'events must have at most 256 entries' };
    if (p.events.includes('')) return { error: 'events must not contain empty strings' };
    sub.events = [...new Set(p.events)].sort();
  }
  if (p.types !== undefined && p.types !== null) {
    if (!Array.isArray(p.types) || !p.types.every((t) => typeof t === 'string')) return { error: 'types must be an array of event type names' };
    if (p.type !== 'ADMIN') return { error: 'types is only allowed for ADMIN' };
    if (p.types.length === 0) return { error: 'types must not be empty' };
    const unknown = p.types.find((t) => !EVENT_TYPES.includes(t));
    if (unknown !== undefined) return { error: `unknown event type '${unknown.slice(0, 64)}' in types` };
    sub.types = [...new Set(p.types)].sort((a, b) => EVENT_TYPES.indexOf(a) - EVENT_TYPES.indexOf(b));
  }
  return { sub };
}

// The identity JSON of <prefix>session:<token> (bridge/identity_json.cpp) -> {who} or {code, message}.
function parseIdentity(text) {
  const invalid = (why) => ({ code: 'invalid_token', message: `malformed session: ${why}` });
  let doc;
  try { doc = JSON.parse(text); } catch { return invalid('not JSON'); }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return invalid('not a JSON object');
  if (doc.success === false) return { code: 'invalid_token', message: 'token rejected' };
  const id = (v) => (typeof v === 'string' && v !== '') ? v : Number.isInteger(v) ? String(v) : null;
  const employee = id(doc.employee);
  const customer = id(doc.customer);
  if (employee === null) return invalid('bad employee');
  if (customer === null) return invalid('bad customer');
  if (typeof doc.accessLevel !== 'string') return invalid('bad accessLevel');
  if (levelOf(doc.accessLevel) < 0) return invalid('unknown accessLevel');
  if (doc.accessLevel === 'NO_LOGIN') return { code: 'credentials_invalid', message: 'access level NO_LOGIN cannot log in' };
  const resellers = Array.isArray(doc.organizationResellers) ? doc.organizationResellers.map(id).filter((r) => r !== null) : [];
  return { who: { employee, customer, accessLevel: doc.accessLevel, resellers } };
}

// ---------------------------------------------------------------------------------------------
// One server process: the contract on a socket.io Server `io`.
//
// `commands` and `subscriber` are two ioredis clients (the second is put in subscriber mode).
// Resolves once the PSUBSCRIBE is in place: from then on every event reaches its rooms.
export async function serveContract(io, { commands, subscriber, prefix, authTimeoutMs }) {
  // RESELLER access below its own customer: walk customer -> parent in <prefix>customer:parent
  // (bounded; txrt caches the chain, the baseline asks Redis each time).
  async function parentChain(customer) {
    const chain = [];
    for (let c = customer; chain.length < 32;) {
      c = await commands.hget(`${prefix}customer:parent`, c);
      if (!c || chain.includes(c)) break;
      chain.push(c);
    }
    return chain;
  }

  async function mayAccess(who, customer) {
    if (who.accessLevel === 'ADMIN' || who.accessLevel === 'RESELLER_ADMIN') return true;
    if (customer === who.customer) return true;
    if (who.accessLevel !== 'RESELLER') return false;
    const chain = await parentChain(customer);
    return chain.includes(who.customer) || who.resellers.some((r) => chain.includes(r));
  }

  io.on('connection', (socket) => {
    const state = { who: null, generation: 0, subs: new Map(), roomRefs: new Map() };
    let authTimer = setTimeout(() => {
      if (state.who || !socket.connected) return;
      socket.emit('unauthorized', { code: 'timeout', message: 'not authenticated within authTimeout' });
      socket.disconnect(true);
    }, authTimeoutMs);
    socket.on('disconnect', () => { clearTimeout(authTimer); state.generation++; });

    // socket.io passes the ack callback as the last argument when the client asked for one.
    const handle = (fn) => (...args) => {
      const ack = typeof args.at(-1) === 'function' ? args.pop() : null;
      fn(args[0], ack).catch((err) => console.error('handler failed:', err));
    };

    const join = (room) => {
      const n = state.roomRefs.get(room) ?? 0;
      state.roomRefs.set(room, n + 1);
      if (n === 0) socket.join(room);
    };
    const leave = (room) => {
      const n = state.roomRefs.get(room) ?? 0;
      if (n <= 1) { state.roomRefs.delete(room); socket.leave(room); } else state.roomRefs.set(room, n - 1);
    };
    const forgetSubscriptions = () => {
      for (const room of state.roomRefs.keys()) socket.leave(room);
      state.roomRefs.clear();
      state.subs.clear();
    };

    const refuse = (ack, code, message) => {
      socket.emit('unauthorized', { code, message });
      if (ack) ack({ success: false, code, message });
      socket.disconnect(true);
    };

    socket.on('authenticate', handle(async (payload, ack) => {
      const generation = ++state.generation;
      if (payload === null || typeof payload !== 'object' || typeof payload.token !== 'string' || payload.token === '')
        return refuse(ack, 'credentials_invalid', 'authenticate needs {token: string}');
      let answer;
      try {
        const text = await commands.get(`${prefix}session:${payload.token}`);
        answer = text === null ? { code: 'invalid_token', message: 'unknown token' } : parseIdentity(text);
      } catch (err) {
        answer = err?.message?.startsWith('WRONGTYPE')
          ? { code: 'invalid_token', message: 'malformed session: not a string' }
          : { code: 'unavailable', message: 'session store unavailable' };
      }
      // A newer authenticate, or the disconnect, overtook this answer.
      if (generation !== state.generation || !socket.connected) return;
      if (!answer.who) return refuse(ack, answer.code, answer.message);
      // Authenticating again replaces the identity and drops every subscription.
      forgetSubscriptions();
      state.who = answer.who;
      clearTimeout(authTimer);
      const reply = { employee: state.who.employee, customer: state.who.customer, accessLevel: state.who.accessLevel };
      socket.emit('authenticated', reply);
      if (ack) ack({ success: true, ...reply });
    }));

    const failSubscription = (ack, p, code, message) => {
      const text = (v) => (typeof v === 'string' && v !== '' ? v : null);
      socket.emit('subscribe_failed', { type: text(p?.type), customer: text(p?.customer), code, message });
      if (ack) ack({ success: false, code, message });
    };
    // The subscription asked for, or null when the client has been told why not.
    const requested = (payload, ack) => {
      if (!state.who) return failSubscription(ack, payload, 'not_authenticated', 'authenticate first'), null;
      const { sub, error } = parseSubscription(payload);
      if (error) return failSubscription(ack, payload, 'invalid', error), null;
      return sub;
    };

    socket.on('subscribe', handle(async (payload, ack) => {
      const sub = requested(payload, ack);
      if (!sub) return;
      const generation = state.generation;
      const minimum = SUBSCRIPTION_TYPES.get(sub.type)[1];
      let allowed = levelOf(state.who.accessLevel) >= levelOf(minimum);
      if (allowed && !isAdminType(sub.type)) {
        try {
          allowed = await mayAccess(state.who, sub.customer);
        } catch {
          return failSubscription(ack, payload, 'unavailable', 'customer directory unavailable');
        }
        if (generation !== state.generation || !socket.connected || !state.who) return;
      }
      if (!allowed) return failSubscription(ack, payload, 'access_denied', 'no access to this subscription');
      const key = JSON.stringify(sub);
      if (!state.subs.has(key)) {
        const rooms = roomsOfSubscription(sub);
        rooms.forEach(join);
        state.subs.set(key, { sub, rooms });
      }
      socket.emit('subscribed', sub);
      if (ack) ack({ success: true, ...sub });
    }));

    socket.on('unsubscribe', handle(async (payload, ack) => {
      const sub = requested(payload, ack);
      if (!sub) return;
      // {type, customer} alone removes every subscription of that type and customer; with
      // events/types only the identical one.
      const exact = Boolean(sub.events || sub.types);
      const key = JSON.stringify(sub);
      let removed = 0;
      for (const [k, held] of state.subs) {
        const hit = exact ? k === key : held.sub.type === sub.type && held.sub.customer === sub.customer;
        if (!hit) continue;
        held.rooms.forEach(leave);
        state.subs.delete(k);
        removed++;
      }
      socket.emit('unsubscribed', sub);
      if (ack) ack({ success: true, ...sub, removed });
    }));
  });

  // Ingest: <prefix>event:TYPE[:customer] carrying a JSON object.
  const eventPrefix = `${prefix}event:`;
  const globEscaped = prefix.replace(/[*?[\]\\]/g, '\\$&');
  subscriber.on('pmessage', (_pattern, channel, message) => {
    if (!channel.startsWith(eventPrefix)) return;
    const rest = channel.slice(eventPrefix.length);
    const colon = rest.indexOf(':');
    const type = colon < 0 ? rest : rest.slice(0, colon);
    const customer = colon < 0 ? '' : rest.slice(colon + 1);
    if (!EVENT_TYPES.includes(type) || (colon >= 0 && customer === '')) return;
    let event;
    try { event = JSON.parse(message); } catch { return; }  // not JSON: dropped
    if (event === null || typeof event !== 'object' || Array.isArray(event)) return;
    const subEvent = typeof event.event === 'string' ? event.event : '';
    io.to(roomsOfEvent(type, customer, subEvent)).emit(type, event);
  });
  await subscriber.psubscribe(`${globEscaped}event:*`);
}
