import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { GeneratorModel } from '../generator/model-folder.js';
import { MediaError } from '../media/errors.js';
import { probe } from '../media/probe.js';
import { UsageError } from '../util/errors.js';
import { BodyTooLargeError, readBody } from '../util/http-body.js';
import { parseJobOptions } from './job-options.js';
import { JOB_FILES, type JobRunner } from './job-runner.js';
import type { Job, JobStore } from './job-store.js';
import { appPage } from './page.js';

/** The web app's HTTP API (README "filmscore serve"); one process, one job at a time. */
export interface ServeOptions {
  /** Largest upload accepted (bytes). */
  maxUploadBytes: number;
}

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  avi: 'video/x-msvideo',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Receive a multipart upload: the `video` file into a new job's folder, `options` as text. */
async function receiveUpload(
  req: IncomingMessage,
  store: JobStore,
  limit: number,
): Promise<{ id: string; folder: string; name: string; styleName?: string; options?: string }> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    throw new HttpError(415, 'send a multipart/form-data form with a "video" file field');
  }
  const { id, folder } = store.reserve();
  let videoName = '';
  let styleName: string | undefined;
  let options: string | undefined;
  let tooLarge = false;
  let videoDone: Promise<void> | null = null;
  let styleDone: Promise<void> | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({ headers: req.headers, limits: { fileSize: limit, files: 2, fields: 4 } });
      } catch (err) {
        reject(new HttpError(400, `not a multipart form: ${(err as Error).message}`));
        return;
      }
      bb.on('file', (field, file, info) => {
        if (field !== 'video' && field !== 'style') {
          file.resume();
          return;
        }
        file.on('limit', () => {
          tooLarge = true;
        });
        const name = info.filename || (field === 'video' ? 'upload' : 'style');
        const stored = field === 'video' ? JOB_FILES.input(name) : JOB_FILES.style(name);
        const saved = pipeline(file, createWriteStream(join(folder, stored)));
        if (field === 'video') [videoName, videoDone] = [name, saved];
        else [styleName, styleDone] = [name, saved];
      });
      bb.on('field', (field, value) => {
        if (field === 'options') options = value;
      });
      bb.on('error', (err) =>
        reject(new HttpError(400, `bad multipart form: ${(err as Error).message}`)),
      );
      bb.on('close', () => resolve());
      req.on('error', reject);
      req.pipe(bb);
    });
    if (videoDone) await videoDone;
    if (styleDone) await styleDone;
    if (tooLarge) {
      throw new HttpError(
        413,
        `the video is larger than the ${Math.round(limit / 2 ** 20)} MiB this server takes (--max-upload-mb)`,
      );
    }
    if (!videoDone) throw new HttpError(400, 'the form has no "video" file field');
    return { id, folder, name: videoName, styleName, options };
  } catch (err) {
    await rm(folder, { recursive: true, force: true });
    throw err;
  }
}

/** The HTTP API and the page. */
export function appServer(
  store: JobStore,
  runner: JobRunner,
  model: GeneratorModel,
  opts: ServeOptions,
): Server {
  const page = appPage(model.manifest.condition.names);
  /** A finished job's result file and its size: 409 until the job is done, 410 when gone. */
  const result = async (job: Job, name: string): Promise<{ file: string; size: number }> => {
    if (job.status !== 'done') throw new HttpError(409, `the job is ${job.status}, not done`);
    const file = join(store.folder(job.id), name);
    const info = await stat(file).catch(() => null);
    if (!info) throw new HttpError(410, 'the result is no longer on disk');
    return { file, size: info.size };
  };
  const routes = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new HttpError(400, 'bad request path');
    }
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(page);
      return;
    }
    if (path === '/api/jobs' && method === 'POST') {
      const upload = await receiveUpload(req, store, opts.maxUploadBytes);
      const input = join(upload.folder, JOB_FILES.input(upload.name));
      try {
        const options = parseJobOptions(upload.options, model.manifest);
        if (upload.styleName) {
          if (!model.manifest.control) {
            throw new HttpError(
              400,
              `this server's model (${model.dir}) has no melody/dynamics control branch; start serve with a model folder that has one (models/default does) to follow a style reference`,
            );
          }
          const styleInfo = await probe(
            join(upload.folder, JOB_FILES.style(upload.styleName)),
          ).catch((err: unknown) => {
            throw new HttpError(
              415,
              `the style reference ${upload.styleName}: ${err instanceof Error ? err.message.split(upload.folder + '/').join('') : String(err)}`,
            );
          });
          if (!styleInfo.audio)
            throw new HttpError(415, `the style reference ${upload.styleName} has no sound`);
          options.style = { ...options.style, name: upload.styleName };
        } else if (options.style) {
          throw new HttpError(
            400,
            'options.style needs a "style" file (the reference piece) in the form',
          );
        }
        const info = await probe(input);
        if (!info.video)
          throw new HttpError(415, `${upload.name} has no video stream to score; upload a video`);
        const job = store.add(upload.id, upload.name, options);
        runner.emit('change', job);
        runner.kick();
        sendJson(res, 201, { id: job.id });
      } catch (err) {
        await rm(upload.folder, { recursive: true, force: true });
        if (err instanceof MediaError) {
          // The message names our temp path: name the upload instead.
          throw new HttpError(415, err.message.split(input).join(upload.name));
        }
        throw err;
      }
      return;
    }
    if (path === '/api/jobs' && method === 'GET') return sendJson(res, 200, store.list());
    if (path === '/api/disk' && method === 'GET') return sendJson(res, 200, store.diskUse());
    const m = /^\/api\/jobs\/([^/]+)(\/(video|wav|events|reading|figure\.png|retake))?$/.exec(path);
    if (m) {
      const job = store.get(m[1]);
      if (!job) throw new HttpError(404, 'no such job');
      const part = m[3];
      if (!part && method === 'GET') return sendJson(res, 200, job);
      if (!part && method === 'DELETE') {
        if (job.status === 'queued' || job.status === 'running') {
          runner.cancel(job.id);
          return sendJson(res, 202, { id: job.id, status: 'cancelling' });
        }
        store.remove(job.id);
        res.writeHead(204).end();
        return;
      }
      if ((part === 'video' || part === 'wav') && method === 'GET') {
        const container = job.options.container ?? 'mp4';
        const { file, size } = await result(
          job,
          part === 'video' ? JOB_FILES.video(container) : JOB_FILES.wav,
        );
        const stem = job.name.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '_') || 'film';
        res.writeHead(200, {
          'content-type':
            part === 'video' ? (TYPES[container] ?? 'application/octet-stream') : 'audio/wav',
          'content-length': size,
          'content-disposition': `attachment; filename="${stem}.scored.${part === 'video' ? container : 'wav'}"`,
        });
        const stream = createReadStream(file);
        stream.once('error', () => res.destroy());
        stream.pipe(res);
        return;
      }
      if (part === 'events' && method === 'GET') return events(res, job);
      if ((part === 'reading' || part === 'figure.png') && method === 'GET') {
        const data = await readFile(
          (await result(job, part === 'reading' ? JOB_FILES.reading : JOB_FILES.figure)).file,
        );
        res.writeHead(200, {
          'content-type': part === 'reading' ? 'application/json' : 'image/png',
          'cache-control': 'no-store',
        });
        res.end(data);
        return;
      }
      if (part === 'retake' && method === 'POST') {
        // Another take of the same film: the upload is linked into a new job, not sent again.
        const options = parseJobOptions(await readBody(req, 1 << 16), model.manifest);
        if (options.style && !job.options.style) {
          throw new HttpError(
            400,
            'this film was scored without a style reference; upload it again with a "style" file',
          );
        }
        const from = store.folder(job.id);
        const files = [JOB_FILES.input(job.name)];
        if (job.options.style) {
          files.push(JOB_FILES.style(job.options.style.name));
          // The reference stays; how it is followed may change with the take's options.
          options.style = { ...job.options.style, ...options.style, name: job.options.style.name };
        }
        for (const f of files) {
          if (!(await stat(join(from, f)).catch(() => null)))
            throw new HttpError(410, 'the upload is no longer on disk');
        }
        const { id, folder } = store.reserve();
        try {
          for (const f of files) {
            await link(join(from, f), join(folder, f)).catch(() =>
              copyFile(join(from, f), join(folder, f)),
            );
          }
        } catch (err) {
          await rm(folder, { recursive: true, force: true });
          throw err;
        }
        const take = store.add(id, job.name, options);
        runner.emit('change', take);
        runner.kick();
        return sendJson(res, 201, { id: take.id });
      }
    }
    throw new HttpError(404, 'not found');
  };

  /** Server-sent events: the job now, then each change until it ends. */
  function events(res: ServerResponse, job: Job): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    const send = (j: Job): void => {
      res.write(`data: ${JSON.stringify(j)}\n\n`);
      if (j.status !== 'queued' && j.status !== 'running') {
        runner.off('change', onChange);
        res.end();
      }
    };
    const onChange = (j: Job): void => {
      if (j.id === job.id) send(j);
    };
    runner.on('change', onChange);
    res.on('close', () => runner.off('change', onChange));
    send(job);
  }

  return createServer((req, res) => {
    routes(req, res).catch((err: unknown) => {
      const status =
        err instanceof HttpError
          ? err.status
          : err instanceof BodyTooLargeError
            ? 413
            : err instanceof UsageError
              ? 400
              : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Drain what the client is still sending, so that it reads the answer.
      req.resume();
      sendJson(res, status, { error: status === 500 ? `internal error: ${message}` : message });
    });
  });
}
