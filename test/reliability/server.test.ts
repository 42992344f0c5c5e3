import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findSamples, mosServer } from '../../src/eval/mos/server.js';
import { MosStore } from '../../src/eval/mos/store.js';
import { tempDir } from '../helpers/media.js';
import { assertRefused, ffmpeg, filmscore, folderState } from './fixtures.js';

/**
 * The listening server under hostile requests (issue 14): each gets an answer (4xx, never a
 * crash), and the server still serves the page afterwards. The blind protocol holds: a
 * session rates only what it was served.
 */

/** Send raw bytes and read the raw reply (for request lines fetch() would refuse to send). */
function raw(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.on('data', (b) => (reply += b.toString('latin1')));
    socket.on('error', () => resolve(reply));
    socket.on('close', () => resolve(reply));
    socket.write(bytes);
    setTimeout(() => socket.end(), 300);
  });
}

describe('the listening server under hostile requests', () => {
  const dir = tempDir('filmscore-server-');
  let server: Server;
  let store: MosStore;
  let base: string;
  let port: number;

  before(async () => {
    for (const system of ['ours', 'theirs']) {
      mkdirSync(join(dir, 'clips', system), { recursive: true });
      for (const clip of ['a', 'b'])
        ffmpeg(['-f', 'lavfi', '-i', 'sine=d=0.3', join(dir, 'clips', system, `${clip}.wav`)]);
    }
    store = new MosStore(join(dir, 'mos.sqlite'));
    store.addSamples(await findSamples(join(dir, 'clips')));
    server = mosServer(store);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function stillServes(): Promise<void> {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Listening test/);
  }

  const rate = (body: unknown): Promise<Response> =>
    fetch(`${base}/api/rate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const RAW_REQUESTS: [string, string | Buffer, RegExp][] = [
    ['GET //[ (not a URL)', 'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400/],
    [
      'GET http://[ (absolute form, bad host)',
      'GET http://[/ HTTP/1.1\r\nHost: x\r\n\r\n',
      /^HTTP\/1\.1 400/,
    ],
    ['binary garbage', Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]), /^(HTTP\/1\.1 400|$)/],
    ['a request line with no version', 'GET /\r\n\r\n', /^(HTTP\/1\.1 400|)/],
    [
      'a huge header',
      `GET / HTTP/1.1\r\nX: ${'a'.repeat(20000)}\r\n\r\n`,
      /^HTTP\/1\.1 (431|400|200)/,
    ],
  ];
  for (const [name, bytes, expected] of RAW_REQUESTS) {
    it(`${name}: answered, server alive`, async () => {
      const reply = await raw(port, bytes);
      assert.match(reply.split('\r\n')[0] ?? '', expected, reply.slice(0, 200));
      await stillServes();
    });
  }

  const FETCHES: [string, () => Promise<Response>, number][] = [
    ['GET /%zz', () => fetch(`${base}/%zz`), 404],
    ['GET /api/next without a session', () => fetch(`${base}/api/next`), 400],
    ['GET /audio/unknown', () => fetch(`${base}/audio/0000`), 404],
    ['GET /audio/ (empty id)', () => fetch(`${base}/audio/`), 404],
    ['DELETE /', () => fetch(`${base}/`, { method: 'DELETE' }), 404],
    ['PUT /api/rate', () => fetch(`${base}/api/rate`, { method: 'PUT', body: '{}' }), 404],
    ['POST /api/rate, not JSON', () => rate('{not json'), 400],
    ['POST /api/rate, JSON null', () => rate('null'), 400],
    ['POST /api/rate, an array', () => rate('[1,2]'), 400],
    ['POST /api/rate, 100 KiB body', () => rate(`{"x":"${'a'.repeat(100 * 1024)}"}`), 400],
    [
      'POST /api/rate, unknown sample',
      () => rate({ session: 's', sample: 'nope', quality: 3, clarity: 3, latency: 3 }),
      400,
    ],
  ];
  for (const [name, request, status] of FETCHES) {
    it(`${name}: ${status}, server alive`, async () => {
      const r = await request();
      assert.equal(r.status, status, await r.text());
      await stillServes();
    });
  }

  it('a rating for a sample never served to the session is refused; a served one is kept', async () => {
    const next = (await (await fetch(`${base}/api/next?session=listener`)).json()) as {
      sample: string;
    };
    // A sample the listener was not served.
    const unserved = store.samples().find((x) => x.id !== next.sample)!.id;
    const refused = await rate({
      session: 'listener',
      sample: unserved,
      quality: 5,
      clarity: 5,
      latency: 5,
    });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /not served to this session/);
    for (const [quality, status] of [
      [6, 400],
      [0, 400],
      [2.5, 400],
      [4, 204],
    ] as const) {
      const r = await rate({
        session: 'listener',
        sample: next.sample,
        quality,
        clarity: 3,
        latency: 3,
      });
      assert.equal(r.status, status, `quality ${quality}`);
    }
    const rows = store
      .csv()
      .trim()
      .split('\n')
      .slice(1)
      .filter((l) => l.startsWith('"listener"'));
    assert.equal(rows.length, 1, rows.join('\n'));
    assert.match(rows[0], /,4,3,3,/);
  });

  it('a clip deleted while the test runs answers 410, and the server goes on', async () => {
    const next = (await (await fetch(`${base}/api/next?session=deleter`)).json()) as {
      audio: string;
      sample: string;
    };
    const file = store.sample(next.sample)!.file;
    rmSync(file);
    try {
      const r = await fetch(`${base}${next.audio}`);
      assert.equal(r.status, 410);
      await stillServes();
    } finally {
      ffmpeg(['-f', 'lavfi', '-i', 'sine=d=0.3', file]);
    }
  });
});

describe('mos serve start-up errors', () => {
  const dir = tempDir('filmscore-serve-');
  let blocker: Server;
  let taken: number;
  before(async () => {
    mkdirSync(join(dir, 'clips', 'ours'), { recursive: true });
    writeFileSync(join(dir, 'clips', 'ours', 'a.wav'), '');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=d=0.3', join(dir, 'clips', 'ours', 'a.wav')]);
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    taken = (blocker.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((r) => blocker.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a port in use: exit 2, the port named, no database left behind', () => {
    const before = folderState(dir);
    const r = filmscore(dir, ['mos', 'serve', 'clips', '--port', String(taken)]);
    assertRefused(r, `port ${taken} is in use`, { dir, before });
  });
});
