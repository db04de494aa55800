import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { tempDir } from '../helpers/tmp.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

/** Send raw bytes to 127.0.0.1:port; the first line of whatever comes back before close (or 1.5 s). */
function raw(
  port: number,
  bytes: string | Buffer,
  opts: { after?: (Buffer | string)[] } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer.toString('latin1').split('\r\n')[0]);
    };
    const timer = setTimeout(done, 1500);
    socket.on('connect', () => {
      socket.write(bytes);
      for (const more of opts.after ?? []) setTimeout(() => socket.writable && socket.write(more), 100);
    });
    socket.on('data', (d) => (answer = Buffer.concat([answer, d])));
    socket.on('error', done);
    socket.on('close', done);
  });
}

const upgrade = (target: string, host: string, origin: string, key = 'dGhlIHNhbXBsZSBub25jZQ==') =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Origin: ${origin}\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;

describe('browser mode: no request can stop the server', () => {
  let serve: ServeProcess;

  beforeAll(async () => {
    serve = await startServeProcess(join(tempDir(), 'ws'));
  });
  afterAll(async () => {
    await serve.stop();
  });

  it('answers a list of hostile requests without exiting, then still serves the app and the api', async () => {
    const host = `127.0.0.1:${serve.port}`;
    const origin = `http://${host}`;
    const t = serve.token;
    const get = (target: string, extra = '') => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
    const hostile: [string, string | Buffer, RegExp, (Buffer | string)[]?][] = [
      ['double slash', get('//'), /^HTTP\/1\.1 400/],
      ['double slash with host', get('//evil.example/x'), /^HTTP\/1\.1 400/],
      ['double slash with token', get(`//?token=${t}`), /^HTTP\/1\.1 400/],
      ['bad %-escape with token', get(`/%E0%A4%A?token=${t}`), /^HTTP\/1\.1 400/],
      ['bad %-escape in an asset path', get('/assets/%E0%A4%A.js'), /^HTTP\/1\.1 400/],
      ['lone %', get('/%'), /^HTTP\/1\.1 400/],
      ['NUL byte', get('/%00'), /^HTTP\/1\.1 400/],
      ['backslash', get('/\\evil.example/'), /^HTTP\/1\.1 400/],
      ['absolute form', get(`http://evil.example/?token=${t}`), /^HTTP\/1\.1 400/],
      ['asterisk', get('*'), /^HTTP\/1\.1 400/],
      ['OPTIONS *', `OPTIONS * HTTP/1.1\r\nHost: ${host}\r\n\r\n`, /^HTTP\/1\.1 405/],
      ['traversal', get('/..%2f..%2fpackage.json'), /^HTTP\/1\.1 404/],
      [
        'encoded traversal to the page',
        get(`/assets/..%2f..%2f..%2fpackage.json?token=${t}`),
        /^HTTP\/1\.1 404/,
      ],
      ['no Host (HTTP/1.0)', `GET /?token=${t} HTTP/1.0\r\n\r\n`, /^HTTP\/1\.1 421/],
      ['two Host headers', get(`/?token=${t}`, `Host: ${host}\r\n`), /^HTTP\/1\.1 (400|421)/],
      ['empty Host', `GET /?token=${t} HTTP/1.1\r\nHost:\r\n\r\n`, /^HTTP\/1\.1 421/],
      ['bad Content-Length', get('/', 'Content-Length: abc\r\n'), /^HTTP\/1\.1 400/],
      ['header without colon', get('/', 'Bogus\r\n'), /^HTTP\/1\.1 400/],
      ['100 KB target', get(`/${'a'.repeat(100_000)}`), /^HTTP\/1\.1 (400|414|431)/],
      ['100 KB header', get('/', `X-Big: ${'b'.repeat(100_000)}\r\n`), /^HTTP\/1\.1 (400|431)/],
      ['TLS ClientHello', Buffer.from('16030100a501000001030363', 'hex'), /^(HTTP\/1\.1 400|$)/],
      ['empty lines', '\r\n\r\n\r\n', /^(HTTP\/1\.1 400|$)/],
      ['garbage method', `G\u00e9T / HTTP/1.1\r\nHost: ${host}\r\n\r\n`, /^HTTP\/1\.1 400/],
      ['upgrade to //', upgrade('//', host, origin), /^HTTP\/1\.1 403/],
      ['upgrade to //evil with token', upgrade(`//evil?token=${t}`, host, origin), /^HTTP\/1\.1 403/],
      ['upgrade with a bad %-escape', upgrade(`/api%E0%A4%A?token=${t}`, host, origin), /^HTTP\/1\.1 403/],
      [
        'upgrade to an absolute URL',
        upgrade(`http://evil.example/api?token=${t}`, host, origin),
        /^HTTP\/1\.1 403/,
      ],
      [
        'upgrade without Host',
        upgrade(`/api?token=${t}`, host, origin).replace(/Host: .*\r\n/, ''),
        /^HTTP\/1\.1 403/,
      ],
      ['upgrade with a bad key', upgrade(`/api?token=${t}`, host, origin, '!'), /^HTTP\/1\.1 400/],
      [
        'upgrade with no key',
        upgrade(`/api?token=${t}`, host, origin).replace(/Sec-WebSocket-Key: .*\r\n/, ''),
        /^HTTP\/1\.1 400/,
      ],
      [
        'upgrade with version 99',
        upgrade(`/api?token=${t}`, host, origin).replace('Version: 13', 'Version: 99'),
        /^HTTP\/1\.1 400/,
      ],
      // A valid upgrade, then frames that break the protocol: unmasked, reserved opcode, a 2^63-byte length.
      [
        'unmasked frame',
        upgrade(`/api?token=${t}`, host, origin),
        /^HTTP\/1\.1 101/,
        [Buffer.from('8105' + '68656c6c6f', 'hex')],
      ],
      [
        'reserved opcode',
        upgrade(`/api?token=${t}`, host, origin),
        /^HTTP\/1\.1 101/,
        [Buffer.from('8380' + '00000000', 'hex')],
      ],
      [
        '2^63-byte frame',
        upgrade(`/api?token=${t}`, host, origin),
        /^HTTP\/1\.1 101/,
        [Buffer.from('82ff7fffffffffffffff00000000', 'hex')],
      ],
      [
        'invalid UTF-8 text',
        upgrade(`/api?token=${t}`, host, origin),
        /^HTTP\/1\.1 101/,
        [Buffer.from('818200000000c328', 'hex')],
      ],
      [
        'not JSON',
        upgrade(`/api?token=${t}`, host, origin),
        /^HTTP\/1\.1 101/,
        [Buffer.from('81830000000078797a', 'hex')],
      ],
    ];
    const answers: Record<string, string> = {};
    for (const [name, bytes, , after] of hostile) answers[name] = await raw(serve.port, bytes, { after });
    expect(serve.exited(), serve.stderr()).toBeUndefined();
    for (const [name, , expected] of hostile) expect(answers[name], name).toMatch(expected);

    // Still alive: the page and a WebSocket call.
    const page = await fetch(serve.url);
    expect(page.status).toBe(200);
    const ws = new WebSocket(`ws://${host}/api?token=${t}`, { origin });
    const answer = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'app.info', params: {} })));
      ws.on('message', (m) => resolve(m.toString()));
      ws.on('error', reject);
    });
    ws.close();
    expect(JSON.parse(answer)).toMatchObject({ id: 1, ok: true });
    expect(serve.exited()).toBeUndefined();
  });
});
