import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GeneratorModel } from '../../src/generator/model-folder.js';
import type { FilmReading } from '../../src/serve/job-runner.js';
import type { Job, JobStore } from '../../src/serve/job-store.js';
import { CLI } from '../helpers/cli.js';
import { DEFAULT_MODEL_DIR } from '../../src/generator/model-folder.js';
import { tempDir } from '../helpers/media.js';
import { startApp, type RunningApp } from './app-fixture.js';
import { decodedSeconds, ffmpeg, lavfiClip } from '../reliability/fixtures.js';

/**
 * `filmscore serve`'s HTTP API (issue 15): upload, poll, download, cancel, refusals (junk,
 * oversize, bad options, traversal), and a queue that survives restarts of the process.
 */

async function upload(
  base: string,
  file: string,
  options?: unknown,
  name = 'film.mp4',
): Promise<Response> {
  const form = new FormData();
  if (options !== undefined)
    form.append('options', typeof options === 'string' ? options : JSON.stringify(options));
  form.append('video', new Blob([readFileSync(file)]), name);
  return fetch(`${base}/api/jobs`, { method: 'POST', body: form });
}

async function waitFor(
  base: string,
  id: string,
  done: (j: Job) => boolean,
  timeoutMs = 120_000,
): Promise<Job> {
  const t0 = Date.now();
  for (;;) {
    const job = (await (await fetch(`${base}/api/jobs/${id}`)).json()) as Job;
    if (done(job)) return job;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} stuck: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The bundled model as a version-1 folder (no control branch), for the refusal a server
 * without one gives; the refusal comes before any network runs. */
function withoutControlBranch(dir: string): string {
  const out = join(dir, 'no-branch');
  mkdirSync(out, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(DEFAULT_MODEL_DIR, 'manifest.json'), 'utf8'));
  for (const f of Object.values(manifest.files) as string[])
    if (f !== manifest.files.control) copyFileSync(join(DEFAULT_MODEL_DIR, f), join(out, f));
  delete manifest.files.control;
  delete manifest.control;
  manifest.version = 1;
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest));
  return out;
}

const ended = (j: Job): boolean => !['queued', 'running'].includes(j.status);

describe('filmscore serve: the HTTP API', () => {
  const dir = tempDir('filmscore-serve-');
  const clip = join(dir, 'clip.mp4');
  const long = join(dir, 'long.mp4');
  let app: RunningApp;
  let base: string;
  let store: JobStore;
  let model: GeneratorModel;

  before(async () => {
    ffmpeg([...lavfiClip(1.5), '-c:v', 'libx264', '-c:a', 'aac', clip]);
    ffmpeg([...lavfiClip(25), '-c:v', 'libx264', '-c:a', 'aac', long]);
    app = await startApp(dir, 2 ** 20);
    ({ base, store, model } = app);
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upload → queued → done; the scored video and WAV download, as long as the picture', async () => {
    const r = await upload(base, clip, { seed: 3, steps: 1, container: 'mkv' });
    assert.equal(r.status, 201, await r.clone().text());
    const { id } = (await r.json()) as { id: string };
    assert.match(id, /^[0-9a-f]{16}$/);
    const job = await waitFor(base, id, ended);
    assert.equal(job.status, 'done', job.error);
    assert.equal(job.progress, 1);
    assert.ok(Math.abs(job.durationS! - 1.5) < 0.05);
    const video = await fetch(`${base}/api/jobs/${id}/video`);
    assert.equal(video.status, 200);
    assert.equal(video.headers.get('content-type'), 'video/x-matroska');
    assert.match(video.headers.get('content-disposition') ?? '', /film\.scored\.mkv/);
    const saved = join(dir, 'downloaded.mkv');
    writeFileSync(saved, Buffer.from(await video.arrayBuffer()));
    assert.ok(Math.abs(decodedSeconds(saved, 'a') - decodedSeconds(clip, 'v')) < 0.025);
    const wav = await fetch(`${base}/api/jobs/${id}/wav`);
    assert.equal(wav.headers.get('content-type'), 'audio/wav');
    assert.equal(Buffer.from(await wav.arrayBuffer()).toString('latin1', 0, 4), 'RIFF');
    const reading = (await (await fetch(`${base}/api/jobs/${id}/reading`)).json()) as FilmReading;
    assert.ok(Math.abs(reading.durationS - 1.5) < 0.05);
    assert.ok(reading.windows.length >= 1);
    // Every condition the picture sets: all but noisiness, which a film leaves at the
    // training music's median.
    assert.deepEqual(
      Object.keys(reading.levels).sort(),
      model.manifest.condition.names.filter((n) => n !== 'noisiness').sort(),
    );
    for (const v of Object.values(reading.levels)) assert.ok(v >= 0 && v <= 1);
    const figure = Buffer.from(
      await (await fetch(`${base}/api/jobs/${id}/figure.png`)).arrayBuffer(),
    );
    assert.equal(figure.toString('latin1', 1, 4), 'PNG');
    // Another take of the same film: no new upload, the same input, a different score.
    const retake = await fetch(`${base}/api/jobs/${id}/retake`, {
      method: 'POST',
      body: JSON.stringify({ seed: 4, steps: 1, container: 'mkv' }),
    });
    assert.equal(retake.status, 201);
    const second = ((await retake.json()) as { id: string }).id;
    assert.equal((await waitFor(base, second, ended)).status, 'done');
    const firstWav = Buffer.from(await (await fetch(`${base}/api/jobs/${id}/wav`)).arrayBuffer());
    const secondWav = Buffer.from(
      await (await fetch(`${base}/api/jobs/${second}/wav`)).arrayBuffer(),
    );
    assert.equal(firstWav.length, secondWav.length);
    assert.notDeepEqual(firstWav.subarray(44), secondWav.subarray(44));
    const badRetake = await fetch(`${base}/api/jobs/${id}/retake`, {
      method: 'POST',
      body: '{"steps": -1}',
    });
    assert.equal(badRetake.status, 400);
    const list = (await (await fetch(`${base}/api/jobs`)).json()) as Job[];
    assert.ok(list.some((j) => j.id === id && j.name === 'film.mp4'));
    const disk = (await (await fetch(`${base}/api/disk`)).json()) as {
      total: number;
      jobs: Record<string, number>;
    };
    assert.ok(disk.jobs[id] > 10_000 && disk.total >= disk.jobs[id]);
  });

  it('progress arrives as server-sent events until the job ends', async () => {
    const { id } = (await (await upload(base, clip, { steps: 2 })).json()) as { id: string };
    const text = await (await fetch(`${base}/api/jobs/${id}/events`)).text();
    const events = text
      .split('\n\n')
      .filter((e) => e.startsWith('data: '))
      .map((e) => JSON.parse(e.slice(6)) as Job);
    assert.equal(events.at(-1)!.status, 'done');
    const progress = events.map((e) => e.progress);
    assert.ok(
      progress.every((p, i) => i === 0 || p >= progress[i - 1]),
      progress.join(' '),
    );
  });

  it('a job that is not done has no video yet (409); an unknown job is 404', async () => {
    assert.equal((await fetch(`${base}/api/jobs/0123456789abcdef/video`)).status, 404);
  });

  const REFUSALS: [string, () => Promise<Response>, number, RegExp][] = [
    [
      'junk upload',
      async () => {
        const junk = join(dir, 'junk.mp4');
        writeFileSync(junk, 'not a video at all');
        return upload(base, junk, undefined, 'holiday.mp4');
      },
      415,
      /holiday\.mp4 is not an audio or video file/,
    ],
    [
      'an audio file',
      async () => {
        const tone = join(dir, 'tone.wav');
        ffmpeg(['-f', 'lavfi', '-i', 'sine=d=1', tone]);
        return upload(base, tone, undefined, 'tone.wav');
      },
      415,
      /tone\.wav has no video stream/,
    ],
    [
      'oversize upload',
      async () => {
        const big = join(dir, 'big.mp4');
        writeFileSync(big, Buffer.alloc(2 ** 20 + 4096, 7));
        return upload(base, big);
      },
      413,
      /larger than the 1 MiB/,
    ],
    ['options not JSON', () => upload(base, clip, '{seed: 3'), 400, /options is not JSON/],
    ['options an array', () => upload(base, clip, '[1]'), 400, /must be a JSON object/],
    ['unknown option', () => upload(base, clip, { tempo: 3 }), 400, /unknown option\(s\) tempo/],
    ['steps 0', () => upload(base, clip, { steps: 0 }), 400, /steps must be a whole number/],
    ['seed "1"', () => upload(base, clip, { seed: '1' }), 400, /seed must be a whole number/],
    [
      'hitCuts "no"',
      () => upload(base, clip, { hitCuts: 'no' }),
      400,
      /hitCuts must be true or false/,
    ],
    ['guidance 99', () => upload(base, clip, { guidance: 99 }), 400, /guidance must be/],
    [
      'mood joy',
      () => upload(base, clip, { mood: { joy: 1 } }),
      400,
      /mood\.joy is not a condition/,
    ],
    [
      'mood pace 2',
      () => upload(base, clip, { mood: { pace: 2 } }),
      400,
      /mood\.pace must be a level/,
    ],
    [
      'container xyz',
      () => upload(base, clip, { container: 'xyz' }),
      400,
      /container must be one of/,
    ],
    [
      'not multipart',
      () =>
        fetch(`${base}/api/jobs`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        }),
      415,
      /multipart/,
    ],
    [
      'no video field',
      () => {
        const form = new FormData();
        form.append('options', '{}');
        return fetch(`${base}/api/jobs`, { method: 'POST', body: form });
      },
      400,
      /no "video" file field/,
    ],
    [
      'traversal ../',
      () => fetch(`${base}/api/jobs/..%2f..%2fjobs.sqlite/video`),
      404,
      /not found|no such job/,
    ],
    ['traversal encoded id', () => fetch(`${base}/api/jobs/%2e%2e`), 404, /not found|no such job/],
    ['a path as id', () => fetch(`${base}/api/jobs/etc/passwd`), 404, /not found/],
    ['bad URL', () => fetch(`${base}/api/jobs/%zz`), 404, /no such job/],
  ];
  for (const [name, request, status, message] of REFUSALS) {
    it(`${name}: ${status} with a message, no job and no file left`, async () => {
      const before = readdirSync(store.jobsDir).length;
      const jobs = store.list().length;
      const r = await request();
      const body = (await r.json()) as { error: string };
      assert.equal(r.status, status, body.error);
      assert.match(body.error, message);
      assert.equal(readdirSync(store.jobsDir).length, before);
      assert.equal(store.list().length, jobs);
    });
  }

  it('cancel: a queued job at once, a running one between steps; then removable', async () => {
    const first = ((await (await upload(base, long, { steps: 25 })).json()) as { id: string }).id;
    const second = ((await (await upload(base, clip, { steps: 1 })).json()) as { id: string }).id;
    await waitFor(base, first, (j) => j.status === 'running' && j.progress > 0.05);
    assert.equal((await fetch(`${base}/api/jobs/${second}`, { method: 'DELETE' })).status, 202);
    assert.equal((await waitFor(base, second, ended)).status, 'cancelled');
    assert.equal((await fetch(`${base}/api/jobs/${first}`, { method: 'DELETE' })).status, 202);
    const cancelled = await waitFor(base, first, ended, 30_000);
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(cancelled.progress < 1);
    assert.equal((await fetch(`${base}/api/jobs/${first}`, { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(`${base}/api/jobs/${first}`)).status, 404);
    assert.equal(existsSync(store.folder(first)), false);
  });
});

describe('filmscore serve: a style reference (S-Control)', () => {
  const dir = tempDir('filmscore-serve-style-');
  const clip = join(dir, 'clip.mp4');
  const tune = join(dir, 'tune.wav');
  before(() => {
    ffmpeg([...lavfiClip(2), '-c:v', 'libx264', clip]);
    // A rising tune: the melody to follow.
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      "aevalsrc='0.3*sin(2*PI*(220+110*floor(2*t))*t)':s=16000:d=3",
      tune,
    ]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function uploadWithStyle(base: string, options: unknown): Promise<Response> {
    const form = new FormData();
    form.append('options', JSON.stringify(options));
    form.append('video', new Blob([readFileSync(clip)]), 'clip.mp4');
    form.append('style', new Blob([readFileSync(tune)]), 'tune.wav');
    return fetch(`${base}/api/jobs`, { method: 'POST', body: form });
  }

  it('a model with a control branch follows the uploaded piece; retakes keep it', async () => {
    const app = await startApp(dir, 2 ** 24, DEFAULT_MODEL_DIR);
    try {
      const r = await uploadWithStyle(app.base, {
        steps: 2,
        style: { controls: ['melody'], scale: 1 },
      });
      assert.equal(r.status, 201, await r.clone().text());
      const { id } = (await r.json()) as { id: string };
      const job = await waitFor(app.base, id, ended);
      assert.equal(job.status, 'done', job.error);
      assert.deepEqual(job.options.style, { controls: ['melody'], scale: 1, name: 'tune.wav' });
      const take = await fetch(`${app.base}/api/jobs/${id}/retake`, {
        method: 'POST',
        body: '{"steps": 2, "seed": 5}',
      });
      assert.equal(take.status, 201);
      const second = await waitFor(app.base, ((await take.json()) as { id: string }).id, ended);
      assert.equal(second.status, 'done', second.error);
      assert.equal(second.options.style?.name, 'tune.wav');
      const bad = await uploadWithStyle(app.base, { style: { controls: ['rhythm'] } });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: string }).error, /style\.controls must list/);
    } finally {
      await app.close();
    }
  });

  it('a model without one refuses the style with a 400 that says which model to use', async () => {
    const app = await startApp(join(dir, 'no-branch-app'), 2 ** 24, withoutControlBranch(dir));
    try {
      const r = await uploadWithStyle(app.base, { steps: 1 });
      assert.equal(r.status, 400);
      assert.match(
        ((await r.json()) as { error: string }).error,
        /no melody\/dynamics control branch/,
      );
      assert.equal(app.store.list().length, 0);
    } finally {
      await app.close();
    }
  });
});

describe('filmscore serve: the queue survives restarts', () => {
  const dir = tempDir('filmscore-restart-');
  const data = join(dir, 'data');
  let child: ChildProcess | null = null;

  /** Start `filmscore serve` on a free port; its base URL once it listens. */
  function start(): Promise<string> {
    return new Promise((resolve, reject) => {
      child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', data], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
        const m = /http:\/\/([\d.]+:\d+)\//.exec(err);
        if (m) resolve(`http://${m[1]}`);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
  }
  function stop(signal: NodeJS.Signals): Promise<void> {
    return new Promise((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      child.removeAllListeners('exit');
      child.on('exit', () => resolve());
      child.kill(signal);
    });
  }
  after(async () => {
    await stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('4 queued jobs complete in order, the server stopped (SIGTERM) and killed (SIGKILL) between them', async () => {
    const clips = [1.2, 1.4, 1.6, 1.8].map((s, k) => {
      const p = join(dir, `clip${k}.mp4`);
      ffmpeg([...lavfiClip(s), '-c:v', 'libx264', p]);
      return p;
    });
    let base = await start();
    const ids: string[] = [];
    for (const [k, c] of clips.entries()) {
      const r = await upload(base, c, { steps: k === 0 ? 1 : 12 }, `clip${k}.mp4`);
      assert.equal(r.status, 201);
      ids.push(((await r.json()) as { id: string }).id);
    }
    await waitFor(base, ids[0], (j) => j.status === 'done');
    await stop('SIGTERM');
    base = await start();
    await waitFor(base, ids[1], (j) => j.status === 'done');
    await waitFor(base, ids[2], (j) => j.status === 'running');
    await stop('SIGKILL'); // a crash in the middle of job 3
    base = await start();
    for (const id of ids) assert.equal((await waitFor(base, id, ended)).status, 'done');
    const jobs = (await (await fetch(`${base}/api/jobs`)).json()) as Job[];
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const finished = ids.map((id) => Date.parse(byId.get(id)!.finishedAt!));
    assert.deepEqual(
      [...finished].sort((a, b) => a - b),
      finished,
      'not finished in order',
    );
    for (const [k, id] of ids.entries()) {
      const r = await fetch(`${base}/api/jobs/${id}/video`);
      assert.equal(r.status, 200);
      const saved = join(dir, `out${k}.mp4`);
      writeFileSync(saved, Buffer.from(await r.arrayBuffer()));
      assert.ok(Math.abs(decodedSeconds(saved, 'a') - decodedSeconds(clips[k], 'v')) < 0.025);
    }
  });
});
