// Bounded waiting on events: every helper rejects after a deadline instead of hanging a test.
// Works with Node EventEmitters and with the component-emitter used by socket.io-client v2/v4.

function describeArgs(args) {
  return args
    .map((a) => (a instanceof Error ? `${a.message}${a.data ? ` ${JSON.stringify(a.data)}` : ''}` : safeJson(a)))
    .join(', ');
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

// Resolves with the array of arguments of the next `event`; rejects after `ms`, or as soon as
// one of `rejectOn` is emitted first (e.g. once(socket, 'connect', 5000, { rejectOn: ['connect_error'] })).
export function once(emitter, event, ms = 5000, { rejectOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const rejecters = rejectOn.map((name) => [
      name,
      (...args) => {
        cleanup();
        reject(new Error(`'${name}' while waiting for '${event}': ${describeArgs(args)}`));
      },
    ]);
    const onEvent = (...args) => {
      cleanup();
      resolve(args);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for '${event}'`));
    }, ms);
    function cleanup() {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      for (const [name, fn] of rejecters) emitter.off(name, fn);
    }
    emitter.on(event, onEvent);
    for (const [name, fn] of rejecters) emitter.on(name, fn);
  });
}

// Resolves with the argument arrays of the next `count` emissions of `event`.
export function collect(emitter, event, count, ms = 5000) {
  return new Promise((resolve, reject) => {
    const got = [];
    const onEvent = (...args) => {
      got.push(args);
      if (got.length === count) {
        cleanup();
        resolve(got);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for ${count} '${event}' (got ${got.length})`));
    }, ms);
    function cleanup() {
      clearTimeout(timer);
      emitter.off(event, onEvent);
    }
    emitter.on(event, onEvent);
  });
}

// Fails if `event` is emitted within `ms` (used only where the absence of an event is the
// point, e.g. "the oversized message was not echoed"); resolves after `ms` otherwise.
export function never(emitter, event, ms) {
  return new Promise((resolve, reject) => {
    const onEvent = (...args) => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      reject(new Error(`unexpected '${event}': ${describeArgs(args)}`));
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      resolve();
    }, ms);
    emitter.on(event, onEvent);
  });
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// Emits `event` with `args` plus an ack callback; resolves with the ack's argument array.
// Works for socket.io-client v2 and v4 (v4's emitWithAck keeps only the first argument).
export function emitAck(socket, ms, event, ...args) {
  return withTimeout(
    new Promise((resolve) => socket.emit(event, ...args, (...res) => resolve(res))),
    ms,
    `ack of '${event}'`,
  );
}
