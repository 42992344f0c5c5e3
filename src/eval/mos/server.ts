import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { UsageError } from '../../util/errors.js';
import { readBody } from '../../util/http-body.js';
import { ASPECTS, MosStore } from './store.js';

const AUDIO = /\.(wav|flac|ogg|opus|mp3|m4a|mp4|webm)$/i;
const TYPES: Record<string, string> = {
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/** Samples laid out one folder per system: <dir>/<system>/<clip>.wav. */
export async function findSamples(dir: string): Promise<{ system: string; file: string }[]> {
  let systems: string[];
  try {
    systems = (await readdir(dir)).sort();
  } catch {
    throw new UsageError(
      `${dir}: folder not found. Give a folder with one subfolder of clips per system.`,
    );
  }
  const out: { system: string; file: string }[] = [];
  for (const system of systems) {
    const sub = join(dir, system);
    if (!(await stat(sub)).isDirectory()) continue;
    for (const f of (await readdir(sub)).sort())
      if (AUDIO.test(f)) out.push({ system, file: join(sub, f) });
  }
  if (!out.length) throw new UsageError(`${dir} has no <system>/<clip> audio files to rate.`);
  return out;
}

/** The listening page: one clip at a time, no system names, 1–5 for each aspect. */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>filmscore listening test</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
fieldset{border:1px solid #ccc;margin:1rem 0}label{margin-right:1rem}button{font-size:1rem;padding:.4rem 1.2rem}</style>
</head><body>
<h1>Listening test</h1>
<p>Listen to each clip, then rate it from 1 (bad) to 5 (excellent). Clips come in random order; you are not told which system made them.</p>
<p id="status"></p>
<audio id="clip" controls preload="auto"></audio>
<form id="form">
${ASPECTS.map(
  (a) =>
    `<fieldset><legend>${a}</legend>${[1, 2, 3, 4, 5]
      .map((v) => `<label><input type="radio" name="${a}" value="${v}" required> ${v}</label>`)
      .join('')}</fieldset>`,
).join('\n')}
<button type="submit">Next</button>
</form>
<script>
const session = localStorage.getItem('mos-session') || (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));
localStorage.setItem('mos-session', session);
let current = null;
async function next() {
  const r = await (await fetch('/api/next?session=' + encodeURIComponent(session))).json();
  current = r.sample;
  const status = document.getElementById('status');
  if (!current) { status.textContent = 'Done: thank you.'; document.getElementById('form').hidden = true; document.getElementById('clip').hidden = true; return; }
  status.textContent = r.remaining + ' clip(s) left';
  document.getElementById('clip').src = r.audio;
  document.getElementById('form').reset();
}
document.getElementById('form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const data = new FormData(e.target);
  const body = { session, sample: current };
  for (const a of ${JSON.stringify(ASPECTS)}) body[a] = Number(data.get(a));
  const r = await fetch('/api/rate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) { document.getElementById('status').textContent = await r.text(); return; }
  next();
});
next();
</script></body></html>`;

function send(res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * The MOS server: the page, the next blind sample for a session, ratings in, MOS with 95 %
 * confidence intervals and the CSV out. Binds to 127.0.0.1 (a local test) unless told.
 */
export function mosServer(store: MosStore): Server {
  return createServer((req, res) => {
    void (async () => {
      try {
        // Parsed inside the try: a request line such as "//[" is not a URL.
        let url: URL;
        try {
          url = new URL(req.url ?? '/', 'http://localhost');
        } catch {
          return send(res, 400, 'text/plain', 'bad request path');
        }
        if (req.method === 'GET' && url.pathname === '/')
          return send(res, 200, 'text/html; charset=utf-8', PAGE);
        if (req.method === 'GET' && url.pathname === '/api/next') {
          const session = url.searchParams.get('session');
          if (!session) return send(res, 400, 'text/plain', 'session is missing');
          const { sample, remaining } = store.next(session);
          return send(
            res,
            200,
            'application/json',
            JSON.stringify({
              sample: sample?.id ?? null,
              audio: sample ? `/audio/${sample.id}` : null,
              remaining,
            }),
          );
        }
        if (req.method === 'GET' && url.pathname.startsWith('/audio/')) {
          const sample = store.sample(url.pathname.slice('/audio/'.length));
          if (!sample) return send(res, 404, 'text/plain', 'no such sample');
          // The file may have gone since the test began: a 410, never an unhandled error.
          const stream = createReadStream(sample.file);
          stream.once('error', () => {
            if (!res.headersSent) send(res, 410, 'text/plain', 'this clip is no longer on disk');
            else res.destroy();
          });
          stream.once('open', () => {
            res.writeHead(200, {
              'content-type':
                TYPES[extname(sample.file).toLowerCase()] ?? 'application/octet-stream',
              'cache-control': 'no-store',
            });
            stream.pipe(res);
          });
          return;
        }
        if (req.method === 'POST' && url.pathname === '/api/rate') {
          const r = JSON.parse(await readBody(req, 1 << 16)) as Record<string, unknown>;
          store.rate({
            session: String(r.session),
            sample: String(r.sample),
            quality: Number(r.quality),
            clarity: Number(r.clarity),
            latency: Number(r.latency),
          });
          res.writeHead(204).end();
          return;
        }
        if (req.method === 'GET' && url.pathname === '/api/results')
          return send(res, 200, 'application/json', JSON.stringify(store.results()));
        if (req.method === 'GET' && url.pathname === '/results.csv')
          return send(res, 200, 'text/csv', store.csv());
        send(res, 404, 'text/plain', 'not found');
      } catch (err) {
        if (!res.headersSent) send(res, 400, 'text/plain', (err as Error).message);
        else res.destroy();
      }
    })();
  });
}
