// Telecom X `subscribe` / `unsubscribe` (SPEC §4, §5) against the real txrt binary with the
// demo tokens: every row of the access table, allowed and denied, the normalised echo, the
// failure codes and the unsubscribe rules.
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startApp,
  socketPool,
  connected,
  authenticate,
  login,
  subscribeOk,
  unsubscribeOk,
  subscribeFails,
  assertSubscribeFailed,
  CUSTOMER_TYPES,
  ADMIN_TYPES,
} from './lib/app.mjs';

const TEST = { timeout: 20000 };
// These tests walk whole access tables on one socket, faster than subscribe-rate-per-socket
// (20/s) allows; the rate has its own test in tenant_isolation.test.mjs.
const UNLIMITED_RATE = ['--subscribe-rate-per-socket', '0'];

// [token, customer, types allowed on that customer (the other customer types are denied)].
const ALL = CUSTOMER_TYPES;
const NONE = [];
const PERSONAL_TYPES = ['PBX', 'CONFIG', 'CONFIG-NOT-IPTV'];
const CUSTOMER_ROWS = {
  'demo-admin': [
    ['telecomx', ALL],
    ['customer-south-1', ALL],
    ['customer-north-1a', ALL],
  ],
  'demo-reseller-admin': [
    ['reseller-south', ALL], // own
    ['customer-north-1a', ALL], // every customer
    ['customer-north-2', ALL],
    ['telecomx', ALL],
  ],
  'demo-reseller': [
    ['reseller-north', ALL], // own
    ['customer-north-2', ALL], // sub-customer
    ['subreseller-north-1', ALL], // sub-reseller
    ['customer-north-1a', ALL], // sub-sub-customer
    ['customer-south-1', NONE], // foreign
    ['reseller-south', NONE], // foreign reseller
    ['telecomx', NONE], // its own parent
    ['no-such-customer', NONE], // not in the directory
  ],
  'demo-subreseller': [
    ['subreseller-north-1', ALL], // own
    ['customer-north-1a', ALL], // sub-customer
    ['reseller-north', NONE], // its parent
    ['customer-north-2', NONE], // a sibling below the parent
    ['customer-south-1', NONE],
  ],
  'demo-org-reseller': [
    ['customer-south-1', ALL], // own
    ['customer-north-2', ALL], // below its organization reseller reseller-north
    ['subreseller-north-1', ALL],
    ['customer-north-1a', ALL], // two levels below reseller-north
    ['reseller-south', NONE], // the parent of its own customer
    ['telecomx', NONE],
  ],
  'demo-owner': [
    ['customer-north-2', ALL],
    ['customer-north-1a', NONE],
    ['reseller-north', NONE],
    ['customer-south-1', NONE],
  ],
  'demo-manager': [
    ['customer-north-2', ALL],
    ['customer-south-1', NONE],
  ],
  'demo-viewer': [
    ['customer-north-2', ALL],
    ['customer-north-1a', NONE],
  ],
  'demo-personal': [
    ['customer-north-2', PERSONAL_TYPES], // REGISTER and CALL need VIEWER
    ['customer-north-1a', NONE],
  ],
};

describe('subscribe: the SPEC §5 access table with the demo tokens', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(UNLIMITED_RATE);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => pool.closeAll());

  for (const [token, rows] of Object.entries(CUSTOMER_ROWS)) {
    test(`${token}: customer types, allowed and denied`, TEST, async () => {
      const socket = await login(pool, srv.url, token);
      for (const [customer, allowed] of rows) {
        for (const type of CUSTOMER_TYPES) {
          const what = `${token} ${type} ${customer}`;
          if (allowed.includes(type)) {
            const { event, ack } = await subscribeOk(socket, { type, customer });
            assert.deepEqual(event, { type, customer }, what);
            assert.deepEqual(ack, { success: true, type, customer }, what);
          } else {
            assertSubscribeFailed(await subscribeFails(socket, { type, customer }), { type, customer, code: 'access_denied' }, what);
          }
        }
      }
      assert.equal(socket.connected, true, 'refusals do not disconnect');
    });
  }

  test('demo-admin: ADMIN and every ADMIN:* type', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-admin');
    for (const type of ADMIN_TYPES) {
      const { event, ack } = await subscribeOk(socket, { type });
      assert.deepEqual(event, { type }, type);
      assert.deepEqual(ack, { success: true, type }, type);
    }
  });

  for (const token of ['demo-reseller-admin', 'demo-reseller', 'demo-org-reseller', 'demo-owner', 'demo-viewer', 'demo-personal']) {
    test(`${token}: ADMIN and every ADMIN:* type are denied`, TEST, async () => {
      const socket = await login(pool, srv.url, token);
      for (const type of ADMIN_TYPES) {
        assertSubscribeFailed(await subscribeFails(socket, { type }), { type, customer: null, code: 'access_denied' }, `${token} ${type}`);
      }
      // An ADMIN type with a types filter is denied as well.
      assertSubscribeFailed(await subscribeFails(socket, { type: 'ADMIN', types: ['PBX'] }), {
        type: 'ADMIN',
        customer: null,
        code: 'access_denied',
      });
    });
  }
});

describe('subscribe: normalisation and failures', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(UNLIMITED_RATE);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => pool.closeAll());

  test('events are echoed sorted and unique', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-viewer');
    const { event, ack } = await subscribeOk(socket, {
      type: 'CALL',
      customer: 'customer-north-2',
      events: ['CALL_START', 'CALL_END', 'CALL_START', 'ANSWER'],
    });
    const expected = { type: 'CALL', customer: 'customer-north-2', events: ['ANSWER', 'CALL_END', 'CALL_START'] };
    assert.deepEqual(event, expected);
    assert.deepEqual(ack, { success: true, ...expected });
  });

  test('ADMIN with types is echoed with those types (unique), without a customer', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-admin');
    const { event, ack } = await subscribeOk(socket, { type: 'ADMIN', types: ['PBX', 'CALL', 'PBX'] });
    assert.deepEqual(Object.keys(event).sort(), ['type', 'types']);
    assert.equal(event.type, 'ADMIN');
    assert.deepEqual([...event.types].sort(), ['CALL', 'PBX']);
    assert.deepEqual(Object.keys(ack).sort(), ['success', 'type', 'types']);
    assert.equal(ack.success, true);
    assert.deepEqual([...ack.types].sort(), ['CALL', 'PBX']);
  });

  test('ADMIN:CONFIG with an events filter', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-admin');
    const { ack } = await subscribeOk(socket, { type: 'ADMIN:CONFIG', events: ['USER_UPDATED', 'IPTV_ADDED'] });
    assert.deepEqual(ack, { success: true, type: 'ADMIN:CONFIG', events: ['IPTV_ADDED', 'USER_UPDATED'] });
  });

  test('subscribing twice to the same subscription succeeds both times', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-owner');
    const sub = { type: 'PBX', customer: 'customer-north-2' };
    assert.deepEqual((await subscribeOk(socket, sub)).ack, { success: true, ...sub });
    assert.deepEqual((await subscribeOk(socket, sub)).ack, { success: true, ...sub });
  });

  test('not authenticated: subscribe and unsubscribe fail with not_authenticated', TEST, async () => {
    const socket = await connected(pool.v4(srv.url));
    assertSubscribeFailed(await subscribeFails(socket, { type: 'PBX', customer: 'customer-north-2' }), {
      type: 'PBX',
      customer: 'customer-north-2',
      code: 'not_authenticated',
    });
    assertSubscribeFailed(await subscribeFails(socket, { type: 'ADMIN' }), { type: 'ADMIN', customer: null, code: 'not_authenticated' });
    assertSubscribeFailed(
      await subscribeFails(socket, { type: 'CALL', customer: 'customer-north-2' }, { verb: 'unsubscribe' }),
      { type: 'CALL', customer: 'customer-north-2', code: 'not_authenticated' },
    );
    assert.equal(socket.connected, true);
  });

  const INVALID = [
    ['unknown type', { type: 'FOO', customer: 'customer-north-2' }, 'FOO', 'customer-north-2'],
    ['lower-case type', { type: 'pbx', customer: 'customer-north-2' }, 'pbx', 'customer-north-2'],
    ['a TRUNK subscription (not a subscription type)', { type: 'TRUNK', customer: 'customer-north-2' }, 'TRUNK', 'customer-north-2'],
    ['no type', { customer: 'customer-north-2' }, null, 'customer-north-2'],
    ['type not a string', { type: 7 }, null, null],
    ['PBX without customer', { type: 'PBX' }, 'PBX', null],
    ['CALL with an empty customer', { type: 'CALL', customer: '' }, 'CALL', null],
    ['customer not a string', { type: 'CONFIG', customer: 12 }, 'CONFIG', null],
    ['events not an array', { type: 'PBX', customer: 'customer-north-2', events: 'CALL_START' }, 'PBX', 'customer-north-2'],
    ['events with a number', { type: 'PBX', customer: 'customer-north-2', events: ['CALL_START', 3] }, 'PBX', 'customer-north-2'],
    ['events with an empty string', { type: 'PBX', customer: 'customer-north-2', events: [''] }, 'PBX', 'customer-north-2'],
    ['types with an unknown type', { type: 'ADMIN', types: ['PBX', 'NOPE'] }, 'ADMIN', null],
    ['types not an array', { type: 'ADMIN', types: 'PBX' }, 'ADMIN', null],
    ['types on a customer subscription', { type: 'PBX', customer: 'customer-north-2', types: ['PBX'] }, 'PBX', 'customer-north-2'],
  ];
  for (const [name, sub, type, customer] of INVALID) {
    test(`invalid: ${name}`, TEST, async () => {
      const socket = await login(pool, srv.url, 'demo-admin');
      assertSubscribeFailed(await subscribeFails(socket, sub), { type, customer, code: 'invalid' }, name);
      assert.equal(socket.connected, true);
    });
  }

  test('invalid: a payload that is not an object, or none at all', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-admin');
    assertSubscribeFailed(await subscribeFails(socket, 'PBX'), { type: null, customer: null, code: 'invalid' });
    assertSubscribeFailed(await subscribeFails(socket, ['PBX', 'customer-north-2']), { type: null, customer: null, code: 'invalid' });
    assertSubscribeFailed(await subscribeFails(socket, undefined), { type: null, customer: null, code: 'invalid' });
  });

  test('invalid is decided before access: an unknown type for a PERSONAL is invalid, not access_denied', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-personal');
    assertSubscribeFailed(await subscribeFails(socket, { type: 'ADMIN:NOPE' }), { type: 'ADMIN:NOPE', customer: null, code: 'invalid' });
  });
});

describe('unsubscribe', () => {
  let srv;
  const pool = socketPool();
  before(async () => {
    srv = await startApp(UNLIMITED_RATE);
  });
  after(async () => {
    pool.closeAll();
    await srv?.stop();
  });
  afterEach(() => pool.closeAll());

  const C = 'customer-north-2';

  test('{type, customer} removes every subscription of that type and customer', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-owner');
    await subscribeOk(socket, { type: 'PBX', customer: C });
    await subscribeOk(socket, { type: 'PBX', customer: C, events: ['CALL_START'] });
    await subscribeOk(socket, { type: 'PBX', customer: C, events: ['CALL_END', 'CALL_START'] });
    await subscribeOk(socket, { type: 'CONFIG', customer: C });
    const { event, ack } = await unsubscribeOk(socket, { type: 'PBX', customer: C });
    assert.deepEqual(event, { type: 'PBX', customer: C });
    assert.deepEqual(ack, { success: true, type: 'PBX', customer: C, removed: 3 });
    // Nothing left of that type and customer; CONFIG is untouched.
    assert.deepEqual((await unsubscribeOk(socket, { type: 'PBX', customer: C })).ack, {
      success: true,
      type: 'PBX',
      customer: C,
      removed: 0,
    });
    assert.deepEqual((await unsubscribeOk(socket, { type: 'CONFIG', customer: C })).ack, {
      success: true,
      type: 'CONFIG',
      customer: C,
      removed: 1,
    });
  });

  test('with events, only the identical subscription is removed (events compared normalised)', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-viewer');
    await subscribeOk(socket, { type: 'CALL', customer: C, events: ['CALL_START', 'CALL_END'] });
    await subscribeOk(socket, { type: 'CALL', customer: C, events: ['CALL_START'] });
    await subscribeOk(socket, { type: 'CALL', customer: C });
    // A filter that matches none of them exactly removes nothing.
    assert.equal((await unsubscribeOk(socket, { type: 'CALL', customer: C, events: ['CALL_END'] })).ack.removed, 0);
    const { event, ack } = await unsubscribeOk(socket, { type: 'CALL', customer: C, events: ['CALL_END', 'CALL_START', 'CALL_END'] });
    const expected = { type: 'CALL', customer: C, events: ['CALL_END', 'CALL_START'] };
    assert.deepEqual(event, expected);
    assert.deepEqual(ack, { success: true, ...expected, removed: 1 });
    // The two others remain.
    assert.equal((await unsubscribeOk(socket, { type: 'CALL', customer: C })).ack.removed, 2);
  });

  test('ADMIN with types: only the identical one is removed', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-admin');
    await subscribeOk(socket, { type: 'ADMIN', types: ['PBX'] });
    await subscribeOk(socket, { type: 'ADMIN', types: ['CALL', 'PBX'] });
    await subscribeOk(socket, { type: 'ADMIN' });
    const { ack } = await unsubscribeOk(socket, { type: 'ADMIN', types: ['PBX', 'CALL'] });
    assert.equal(ack.success, true);
    assert.equal(ack.removed, 1);
    assert.equal((await unsubscribeOk(socket, { type: 'ADMIN' })).ack.removed, 2);
  });

  test('another customer or type is not touched', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-reseller');
    await subscribeOk(socket, { type: 'PBX', customer: 'customer-north-2' });
    await subscribeOk(socket, { type: 'PBX', customer: 'customer-north-1a' });
    await subscribeOk(socket, { type: 'CONFIG-NOT-IPTV', customer: 'customer-north-2' });
    assert.equal((await unsubscribeOk(socket, { type: 'PBX', customer: 'customer-north-1a' })).ack.removed, 1);
    assert.equal((await unsubscribeOk(socket, { type: 'CONFIG', customer: 'customer-north-2' })).ack.removed, 0);
    assert.equal((await unsubscribeOk(socket, { type: 'CONFIG-NOT-IPTV', customer: 'customer-north-2' })).ack.removed, 1);
    assert.equal((await unsubscribeOk(socket, { type: 'PBX', customer: 'customer-north-2' })).ack.removed, 1);
  });

  test('invalid unsubscribe payloads fail with subscribe_failed {code:invalid}', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-admin');
    assertSubscribeFailed(await subscribeFails(socket, { type: 'NOPE' }, { verb: 'unsubscribe' }), {
      type: 'NOPE',
      customer: null,
      code: 'invalid',
    });
    assertSubscribeFailed(await subscribeFails(socket, { type: 'PBX' }, { verb: 'unsubscribe' }), {
      type: 'PBX',
      customer: null,
      code: 'invalid',
    });
  });

  test('authenticating again: the same employee keeps its subscriptions, another drops them', TEST, async () => {
    const socket = await login(pool, srv.url, 'demo-owner');
    await subscribeOk(socket, { type: 'PBX', customer: C });
    await subscribeOk(socket, { type: 'CALL', customer: C });
    const again = await subscribeOk(socket, { type: 'CALL', customer: C, events: ['X'] });
    assert.equal(again.ack.success, true);
    // Same identity again (SPEC §3): every subscription stays.
    await authenticate(socket, { token: 'demo-owner' });
    assert.equal((await unsubscribeOk(socket, { type: 'PBX', customer: C })).ack.removed, 1);
    await subscribeOk(socket, { type: 'PBX', customer: C });
    // Another employee (same customer, lower level): every subscription is gone.
    await authenticate(socket, { token: 'demo-manager' });
    assert.equal((await unsubscribeOk(socket, { type: 'PBX', customer: C })).ack.removed, 0);
    assert.equal((await unsubscribeOk(socket, { type: 'CALL', customer: C })).ack.removed, 0);
  });
});
