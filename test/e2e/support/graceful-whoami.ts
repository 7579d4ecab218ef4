/**
 * A `node -e` script: whoami with its SIGTERM/SIGINT handler delayed by STOP_DELAY_MS, as a real app drains
 * before it exits (no `$`: compose would interpolate it). With STOP_DELAY_MS=0 it exits at once, closing every
 * connection it holds.
 */
export const GRACEFUL_WHOAMI = [
  'const d = Number(process.env.STOP_DELAY_MS || 0);',
  'const on = process.on.bind(process);',
  "process.on = (ev, fn) => on(ev, ev === 'SIGTERM' || ev === 'SIGINT' ? () => setTimeout(fn, d) : fn);",
  "import('/whoami/server.mjs');",
].join(' ');
