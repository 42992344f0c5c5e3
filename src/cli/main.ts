#!/usr/bin/env node
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { VIDEO_OUTPUT_TYPES } from '../media/containers.js';
import { exitCodeFor } from './exit-codes.js';
import { positiveInteger, positiveNumber } from './arguments.js';
import { runAnalyze } from './analyze-command.js';
import { runScore } from './score-command.js';
import { runTransfer } from './transfer-command.js';
import { STYLE_OPTION_HELP } from './style-options.js';
import { runReconstruct } from './reconstruct-command.js';
import { runCalibrate } from './calibrate-command.js';
import { runEval, runOriginality } from './eval-command.js';
import { runMosReport, runMosServe } from './mos-command.js';
import { runServe } from './serve-command.js';
import { runCorpusDebian } from './corpus-command.js';
import { parseRatios, runDatasetBuild } from './dataset-command.js';
import { datasetStats, statsText, writeStatsFigure } from '../dataset/stats.js';
import { writeSyntheticPairs } from '../dataset/synthetic-pairs.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

const program = new Command()
  .name('filmscore')
  .description(
    'Scores films: composes an original score that fits a video clip (HPM), and analyses music the way the model sees it.',
  )
  .version(pkg.version)
  .option('--debug', 'on an internal error, print the stack trace')
  // Commander's own refusals (unknown option, missing argument) are usage errors, exit 2;
  // subcommands made below inherit this.
  .exitOverride();

program
  .command('analyze')
  .description(
    'Analyse an audio or video file. Sound: AudioLDM log-mel, melody control (pitch class per 10 ms ' +
      "frame), dynamics control (dB), onsets, tempo and beats, drawn like the paper's Figure 4. " +
      'Picture (videos): shot cuts, motion, aesthetic attributes, emotion probabilities and affect ' +
      "descriptors, drawn as a timeline like the paper's Figure 3.",
  )
  .argument('<file>', 'audio or video file (anything ffmpeg reads)')
  .option(
    '--json',
    'print one JSON object to stdout instead of the summary (videos add a "film" key)',
  )
  .option(
    '--png <path>',
    'where to write the sound figure (default: <file name>.analysis.png in the current folder)',
  )
  .option(
    '--film-png <path>',
    'where to write the film timeline of a video (default: <file name>.film.png)',
  )
  .option(
    '--semantic-model <onnx>',
    'image encoder for the semantic branch (e.g. a CLIP image tower: [N,3,224,224] → [N,D]); default: scene statistics',
  )
  .option(
    '--aesthetic-model <onnx>',
    'aesthetic model ([N,3,224,224] → [N,7] attributes + overall, or [N,1]); default: frame statistics',
  )
  .option(
    '--emotion-model <onnx>',
    "video emotion model ([1,T,3,112,112] → [1,6] logits, EmoMV order); default: affective cues and faces' expressions",
  )
  .option('--no-faces', "leave faces' expressions (models/faces) out of the default emotion branch")
  .option('--no-png', 'do not draw the figures')
  .option('-q, --quiet', 'no progress on stderr')
  .action(
    async (
      file: string,
      opts: {
        json?: boolean;
        png?: string | boolean;
        filmPng?: string;
        quiet?: boolean;
        semanticModel?: string;
        aestheticModel?: string;
        emotionModel?: string;
        faces?: boolean;
      },
    ) => {
      await runAnalyze(file, {
        ...opts,
        png: opts.png === true ? undefined : opts.png,
      });
    },
  );

program
  .command('score')
  .description(
    'Score a video: read the film (cuts, motion, light, faces → affect), generate an original score ' +
      'with the latent diffusion model, and write the video with the score under it, exactly as long ' +
      'as the picture. A longer video gets one continuous piece: 10 s windows, each carrying on from ' +
      'the last 4 s of the music so far, new stretches starting at shot cuts; each shot takes its own reading and each cut is hit.',
  )
  .argument('<video>', 'video file (anything ffmpeg reads)')
  .requiredOption(
    '-o, --output <file>',
    `the scored video to write (${VIDEO_OUTPUT_TYPES.join(', ')}); never the input itself`,
  )
  .option('--model <dir>', 'model folder (manifest.json + ONNX files); default: the bundled model')
  .option('--seed <n>', 'random seed (window k uses seed + k); same seed, same score', '0')
  .option(
    '--loop',
    'make the end of the score continue seamlessly into its start (games, installations)',
  )
  .option(
    '--no-hit-cuts',
    'let the music run on through shot cuts (default: each cut is hit, an accent of fast, loud music on it, at most one a second)',
  )
  .option('--steps <n>', "denoising steps (default: the model's, 25)")
  .option(
    '--guidance <w>',
    "classifier-free guidance scale on the film condition (default: the model's)",
  )
  .option('--scheduler <name>', 'dpm-solver++ or ddim (default: dpm-solver++)')
  .option(
    '--vocoder <name>',
    "neural (the model's network), griffin-lim (no weights) or hybrid (the network's phase on the mel's magnitudes, 6 Griffin-Lim rounds); default: the model's choice",
  )
  .option('--mood <list>', "override the film's affect levels, 0–1: e.g. pace=0.8,tension=0.3")
  .option('--wav <file>', 'also write the score alone as a WAV')
  .option(
    '--video-codec <codec>',
    "how the picture goes in: auto (copied when the output container takes its codec, else re-encoded with the container's usual codec), copy (never re-encode; fail if it does not fit) or an ffmpeg encoder name such as libx264",
    'auto',
  )
  .option('--mix', "lay the score under the video's own sound instead of replacing it")
  .option(
    '--style-from <music>',
    'a reference piece whose melody and/or dynamics the score follows, aligned window by window from --style-start on (a shorter reference loops); needs a model with a control branch',
  )
  .option('--style-start <s>', STYLE_OPTION_HELP.styleStart)
  .option('--controls <list>', STYLE_OPTION_HELP.controls)
  .option('--control-scale <k>', STYLE_OPTION_HELP.controlScale)
  .option('--no-control-guidance', STYLE_OPTION_HELP.noControlGuidance)
  .option('--no-dynamics-ride', STYLE_OPTION_HELP.noDynamicsRide)
  .option('--json', 'print one JSON object (windows, conditions, timings) instead of the summary')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (video: string, opts: Parameters<typeof runScore>[1]) => {
    await runScore(video, opts);
  });

program
  .command('transfer')
  .description(
    "Compose a new piece that follows a reference's melody and/or dynamics (S-Control, HPM's maestro-guided " +
      'style transfer), in the mood of a film (--film) or of --mood levels; as long as the reference ' +
      'from --style-start on, or --duration. Needs a model with a control branch.',
  )
  .argument('<music>', 'the reference piece (any audio ffmpeg reads)')
  .requiredOption('-o, --output <file.wav>', "the new piece (WAV at the model's rate)")
  .option('--model <dir>', 'model folder with a control branch (manifest version 2)')
  .option('--film <video>', "score in this film's mood (its windows at the same times)")
  .option('--mood <list>', 'affect levels, 0–1 (default medium): e.g. pace=0.8,tension=0.3')
  .option('--style-start <s>', STYLE_OPTION_HELP.styleStart)
  .option(
    '--duration <s>',
    'length of the new piece (default: the reference from --style-start on)',
  )
  .option('--controls <list>', STYLE_OPTION_HELP.controls)
  .option('--control-scale <k>', STYLE_OPTION_HELP.controlScale)
  .option('--no-control-guidance', STYLE_OPTION_HELP.noControlGuidance)
  .option('--no-dynamics-ride', STYLE_OPTION_HELP.noDynamicsRide)
  .option('--seed <n>', 'random seed (window k uses seed + k)', '0')
  .option('--loop', 'make the end of the new piece continue seamlessly into its start')
  .option('--steps <n>', "denoising steps (default: the model's)")
  .option('--guidance <w>', "classifier-free guidance scale on the mood (default: the model's)")
  .option(
    '--png <file>',
    "also draw the reference's and the new piece's melody and dynamics on one time axis",
  )
  .option('--json', 'print one JSON object (windows, fidelity) instead of the summary')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (music: string, opts: Parameters<typeof runTransfer>[1]) => {
    await runTransfer(music, opts);
  });

program
  .command('reconstruct')
  .description(
    "Send a piece through the model's own audio representation and back (its front end → VAE " +
      'encoder → decoder → vocoder) and write the result: what the model can keep of real music ' +
      'at best, since every generation is decoded the same way. Prints melody accuracy, dynamics r, ' +
      'mel L1, MR-STFT distance and spectral flatness of the output against the input.',
  )
  .argument('<audio>', 'audio or video file (anything ffmpeg reads; its sound is used)')
  .requiredOption(
    '-o, --output <file.wav>',
    "the reconstruction to write (WAV at the model's rate)",
  )
  .option('--model <dir>', 'model folder (manifest.json + ONNX files); default: the bundled model')
  .option('--start <s>', 'start this many seconds into the input (default 0)')
  .option('--duration <s>', 'take only this many seconds (default: to the end)')
  .option(
    '--through <path>',
    'vae (front end → VAE → vocoder, default) or vocoder (front end → vocoder: the decoder alone)',
  )
  .option(
    '--vocoder <name>',
    "neural (the model's network), griffin-lim (no weights) or hybrid (the network's phase on the mel's magnitudes, 6 Griffin-Lim rounds); default: the model's choice",
  )
  .option('--json', 'print one JSON object with the measurements instead of the summary')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (audio: string, opts: Parameters<typeof runReconstruct>[1]) => {
    await runReconstruct(audio, opts);
  });

program
  .command('calibrate')
  .description(
    'Measure how a model follows requested pace, loudness and noisiness (it generates at evenly spaced ' +
      'levels, several seeds each, and reads the music back as the corpus was labelled) and keep ' +
      'the measured responses in its manifest, so that a requested level is what comes out: the model is then given whatever value made it. A descriptor the model does not follow (its output moves less than 0.1) is left as it was.',
  )
  .option(
    '--model <dir>',
    'model folder to calibrate (its manifest.json is rewritten); default: the bundled model',
  )
  .option('--points <n>', 'levels per descriptor, evenly spaced from 0 to 1 (default 7)')
  .option('--seeds <n>', 'generations per level (default 3)')
  .option(
    '--descriptors <list>',
    'which to calibrate (default: those of pace, loudness, noisiness the model is conditioned on)',
  )
  .option('--dry-run', 'measure and print, but leave the manifest as it was')
  .option('--json', 'print one JSON object with the measurements instead of the summary')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (opts: Parameters<typeof runCalibrate>[0]) => {
    await runCalibrate(opts);
  });

program
  .command('eval')
  .description(
    "The paper's metrics for a folder of generated clips: rhythm (BCS, BHS, F1, CSD, HSD as LORIS) " +
      "against reference music paired by file name and/or against videos' cuts and motion; FAD, KL and IS on an " +
      'audio model (the bundled filmscore-style embedding + classifier unless --audio-model says ' +
      'otherwise); melody accuracy / dynamics correlation against the control pieces. Unpaired ' +
      'files are listed, not fatal.',
  )
  .requiredOption('--generated <dir>', 'generated audio (or video) files')
  .option('--reference <dir>', 'reference music, same file names')
  .option(
    '--video <dir>',
    'the videos the music was made for, same file names (rhythm vs their cuts and motion peaks)',
  )
  .option('--controls <dir>', 'the pieces whose melody and dynamics controlled each generation')
  .option(
    '--audio-model <spec>',
    'embedding/classifier for FAD, KL, IS: filmscore-style (bundled), mfcc-stats, ' +
      'vggish:FILE.onnx or pann:FILE.onnx (your own exports; see README)',
    'filmscore-style',
  )
  .option('--json', 'one JSON object (BCS … as fractions 0–1) instead of the table')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (opts: Parameters<typeof runEval>[0]) => {
    await runEval(opts);
  });

program
  .command('originality')
  .description(
    "Originality vs recognizability (HPM Figure 2): per class, the variance of the audio model's " +
      "embeddings over a system's generations, and a one-shot classifier's accuracy on them (nearest " +
      'shot by cosine). Each system folder holds one subfolder of clips per class; --shots holds one ' +
      'clip per class named like it.',
  )
  .requiredOption(
    '--system <name=dir>',
    'a system and its folder (repeat for several)',
    (v: string, prev: string[]) => [...prev, v],
    [] as string[],
  )
  .requiredOption('--shots <dir>', 'one reference clip per class: <class>.wav')
  .option(
    '--audio-model <spec>',
    'filmscore-style (bundled), mfcc-stats, vggish:FILE.onnx or pann:FILE.onnx',
    'filmscore-style',
  )
  .option('--figure <png>', 'write the Figure-2 plot here')
  .option('--json', 'one JSON object instead of the table')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (opts: Parameters<typeof runOriginality>[0]) => {
    await runOriginality(opts);
  });

const mos = program
  .command('mos')
  .description('A local listening test: blind, randomised clips from several systems rated 1–5.');
mos
  .command('serve')
  .description(
    'Serve the listening page for <dir>/<system>/<clip> audio: one clip at a time, system hidden, ' +
      'ratings of quality, clarity and latency (1–5) stored in SQLite.',
  )
  .argument('<dir>', 'one subfolder of clips per system')
  .option('--db <file>', 'SQLite file for the ratings (created if missing)', 'mos.sqlite')
  .option('--port <n>', 'port (0: any free one)', '8080')
  .option('--host <addr>', 'address to bind (127.0.0.1: this machine only)', '127.0.0.1')
  .action(async (dir: string, opts: { db: string; port: string; host: string }) => {
    await runMosServe(dir, opts);
  });
mos
  .command('report')
  .description(
    'MOS with 95 % confidence intervals per system and aspect; --csv exports every rating.',
  )
  .option('--db <file>', 'the ratings', 'mos.sqlite')
  .option('--csv <file>', 'also write every rating as CSV')
  .option('--json', 'print JSON instead of the table')
  .action(async (opts: { db: string; csv?: string; json?: boolean }) => {
    await runMosReport(opts);
  });

program
  .command('serve')
  .description(
    'The web app: drop a film in the page, set the mood, seed, steps and guidance, watch the progress, ' +
      'play and download the scored video. Jobs run one at a time and are kept (uploads, results, a ' +
      'SQLite list) under --data, so they survive a restart. HTTP API in the README.',
  )
  .option('--port <n>', 'port (0: any free one)', '8731')
  .option('--host <addr>', 'address to bind (127.0.0.1: this machine only)', '127.0.0.1')
  .option(
    '--data <dir>',
    'where jobs and their files are kept (created if missing)',
    'filmscore-data',
  )
  .option('--model <dir>', 'model folder; default: the bundled model')
  .option('--max-upload-mb <n>', 'largest video accepted, in MiB', '2048')
  .action(async (opts: Parameters<typeof runServe>[0]) => {
    await runServe(opts);
  });

const dataset = program
  .command('dataset')
  .description('Build and inspect FilmScoreDB-style datasets (10 s clips with cached features).');

dataset
  .command('build')
  .description(
    'Cut each manifest segment into clips, split whole films into train/val/test, and cache each ' +
      "clip's audio, log-mel, melody, dynamics, affect descriptors (and, for video, the film " +
      "encoder's frames). Resumable: a rerun skips finished clips and rebuilds stale ones.",
  )
  .argument(
    '<manifest>',
    'JSON Lines manifest (see README: film, soundtrack, composer, genres, media, start, end[, emotion])',
  )
  .requiredOption('-o, --out <dir>', 'dataset folder (created if missing)')
  .option('--clip-seconds <s>', 'clip length in seconds', positiveNumber, 10)
  .option(
    '--ratios <train,val,test>',
    "split ratios by clip count (default: the paper's 26730,2895,2895)",
    parseRatios,
  )
  .option('--seed <text>', 'salt of the deterministic film → split assignment', 'filmscore')
  .option(
    '--remove-vocals <model.onnx>',
    'run this ONNX source-separation model (e.g. a Demucs export) on each clip and keep the accompaniment (default: off)',
  )
  .option(
    '--separator-rate <Hz>',
    'sample rate the separation model expects',
    positiveInteger,
    44100,
  )
  .option('--separator-channels <n>', 'channels the separation model expects', positiveInteger, 2)
  .option(
    '--separator-sources <list>',
    "the model's output sources, in order",
    (v) => v.split(','),
    ['drums', 'bass', 'other', 'vocals'],
  )
  .option('--separator-vocals <name>', 'which source is the voice', 'vocals')
  .option(
    '--separator-chunk-seconds <s>',
    'run the model on chunks this long (fixed-length exports)',
    positiveNumber,
  )
  .option('--json', 'print the build summary as one JSON object')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (manifest: string, opts) => {
    process.exitCode = await runDatasetBuild(manifest, opts);
  });

dataset
  .command('synth-pairs')
  .description(
    'Write a small paired (video, music) set whose picture (pace, brightness, cuts) and music ' +
      '(tempo, loudness, mode) follow the same known parameters, with its manifest: test data ' +
      'for the video path without real films.',
  )
  .requiredOption('-o, --out <dir>', 'folder for the clips, pairs.json and manifest.jsonl')
  .option('--count <n>', 'number of pairs', positiveInteger, 9)
  .option('--seconds <s>', 'length of each pair', positiveNumber, 10.5)
  .action(async (opts: { out: string; count: number; seconds: number }) => {
    const { manifest, pairs } = await writeSyntheticPairs(opts.out, opts.count, opts.seconds);
    process.stdout.write(`${pairs.length} pairs in ${opts.out}; manifest ${manifest}\n`);
  });

dataset
  .command('stats')
  .description(
    'Clips, hours, splits and the per-composer / per-genre distributions of a built dataset.',
  )
  .argument('<dir>', 'a folder made by `filmscore dataset build`')
  .option('--json', 'print one JSON object')
  .option('--png <path>', 'where to write the bar charts (default: <dir>/stats.png)')
  .option('--no-png', 'do not draw the charts')
  .action(async (dir: string, opts: { json?: boolean; png?: string | boolean }) => {
    const stats = datasetStats(dir);
    const png =
      opts.png === false ? null : typeof opts.png === 'string' ? opts.png : `${dir}/stats.png`;
    if (png) await writeStatsFigure(png, stats);
    process.stdout.write(
      opts.json
        ? `${JSON.stringify(stats)}\n`
        : `${statsText(stats)}${png ? `\nfigure: ${png}` : ''}\n`,
    );
  });

program
  .command('corpus')
  .description('Built-in corpora.')
  .command('debian')
  .description(
    "Fetch Debian's cinematic game soundtracks (apt-get download: wesnoth-1.16-music, ufoai-music, " +
      'warzone2100-music, nexuiz-music; ~530 MB), unpack them, write a manifest whose composers and ' +
      "licences come from each package's copyright file (and album metadata), and build the dataset.",
  )
  .option(
    '-o, --out <dir>',
    'where the packages, the manifest and the dataset go',
    '.cache/debian-corpus',
  )
  .option('--packages <list>', 'comma-separated subset of the packages', (v) =>
    v.split(',').map((s) => s.trim()),
  )
  .option('--no-build', 'stop after writing the manifest')
  .option('--clip-seconds <s>', 'clip length in seconds', positiveNumber, 10)
  .option('--json', 'print one JSON object')
  .option('-q, --quiet', 'no progress on stderr')
  .action(async (opts) => {
    process.exitCode = await runCorpusDebian(opts);
  });

program.parseAsync().catch((err: unknown) => {
  const { code, message } = exitCodeFor(err, process.argv.includes('--debug'));
  if (message) process.stderr.write(`\nfilmscore: ${message}\n`);
  process.exit(code);
});
