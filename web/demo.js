// The demo page's client: the official socket.io client, used exactly as the Telecom X API page
// shows (connect, authenticate on 'connect', subscribe after 'authenticated').
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const TYPES = ['PBX', 'CALL', 'CONFIG', 'REGISTER', 'REALTIME', 'TRUNK', 'REDIS'];
  let socket = null;
  const subscriptions = new Map();

  function status(text, kind) {
    const el = $('status');
    el.textContent = text;
    el.className = kind || '';
  }

  function log(kind, title, body) {
    const li = document.createElement('li');
    li.dataset.kind = kind;
    const tag = document.createElement('span');
    tag.className = 'kind ' + kind;
    tag.textContent = kind;
    li.appendChild(tag);
    li.appendChild(document.createTextNode(' ' + title));
    if (body !== undefined) {
      const pre = document.createElement('pre');
      pre.textContent = JSON.stringify(body, null, 1);
      li.appendChild(pre);
    }
    const list = $('log');
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 200) list.removeChild(list.lastChild);
  }

  function renderSubscriptions() {
    const ul = $('subs');
    ul.textContent = '';
    for (const key of subscriptions.keys()) {
      const li = document.createElement('li');
      li.textContent = key;
      ul.appendChild(li);
    }
  }

  function currentSubscription() {
    const sub = { type: $('type').value };
    if (!sub.type.startsWith('ADMIN')) sub.customer = $('customer').value;
    const events = $('events').value.split(',').map((s) => s.trim()).filter(Boolean);
    if (events.length) sub.events = events;
    return sub;
  }

  function connect() {
    if (socket) socket.disconnect();
    subscriptions.clear();
    renderSubscriptions();
    const token = $('token').value;
    socket = io({ transports: ['polling', 'websocket'] });
    status('Connecting…');
    socket.on('connect', () => {
      status('Connected; authenticating…');
      socket.emit('authenticate', { token, client: 'txrt demo page', instanceId: 'demo-' + socket.id });
    });
    socket.on('authenticated', (who) => {
      status('Authenticated as ' + who.employee + ' (' + who.accessLevel + ' @ ' + who.customer + ')', 'ok');
      log('info', 'authenticated', who);
    });
    // The server disconnects a refused socket right after 'unauthorized' (often in the same
    // polling payload): keep the refusal visible instead of replacing it with "Disconnected".
    let refusal = null;
    socket.on('unauthorized', (err) => {
      refusal = 'Refused: ' + err.code + ' — ' + err.message;
      status(refusal, 'bad');
      log('info', 'unauthorized', err);
    });
    socket.on('subscribed', (sub) => {
      subscriptions.set(JSON.stringify(sub), sub);
      renderSubscriptions();
      log('info', 'subscribed to ' + sub.type, sub);
    });
    socket.on('unsubscribed', (sub) => {
      for (const [key, s] of subscriptions)
        if (s.type === sub.type && (s.customer || '') === (sub.customer || '')) subscriptions.delete(key);
      renderSubscriptions();
      log('info', 'unsubscribed from ' + sub.type, sub);
    });
    socket.on('subscribe_failed', (err) => log('info', 'subscribe failed: ' + err.code, err));
    socket.on('disconnect', (reason) =>
      status(refusal ? refusal + ' (disconnected)' : 'Disconnected (' + reason + ')', 'bad'));
    for (const type of TYPES) {
      socket.on(type, (e) => log(type, (e && e.event) || '', e));
    }
  }

  $('connect').addEventListener('click', connect);
  $('subscribe').addEventListener('click', () => socket && socket.emit('subscribe', currentSubscription()));
  $('unsubscribe').addEventListener('click', () => {
    if (!socket) return;
    const sub = currentSubscription();
    delete sub.events;
    socket.emit('unsubscribe', sub);
  });
})();
