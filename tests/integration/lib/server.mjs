// Starts a real server binary on a free loopback port and stops it by PID.
// Usage: const srv = await startServer(process.env.TXRT_CONFORMANCE_BIN, ['--ping-interval-ms', '300']);
//        ... srv.url (http://127.0.0.1:PORT, https:// with --tls-cert), srv.port, srv.output() ...;
//        await srv.stop();
import { spawn } from 'node:child_process';

const READY = /listening on (\S+):(\d+)/;

export async function startServer(bin, args = [], { env = {}, timeoutMs = 10000 } = {}) {
  if (!bin) throw new Error('server binary not given (TXRT_BIN / TXRT_CONFORMANCE_BIN)');
  // The binary refuses a repeated --listen, so the default applies only when args have none.
  const listen = args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  const child = spawn(bin, [...listen, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      const m = READY.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[2]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    port,
    url: `${args.includes('--tls-cert') ? 'https' : 'http'}://127.0.0.1:${port}`,
    pid: child.pid,
    output: () => output,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop(signal = 'SIGTERM', timeoutMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
