// Music the model never saw, as the benchmarks read it: held-out clips of the corpus and crops of
// real recordings outside it (scripts/fetch-outside-music.sh).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { analyzeAudio } from '../src/analysis/music-analysis.js';
import { AFFECT_NAMES, type AffectDescriptors, type AffectName } from '../src/conditions/affect.js';
import { musicAffect } from '../src/conditions/music-affect.js';
import { decodeNpy } from '../src/dataset/npy.js';
import { decodeAudio } from '../src/media/audio-decode.js';
import { probe } from '../src/media/probe.js';

export interface HeldOutPiece {
  name: string;
  /** Mono, 16 kHz. */
  audio: Float32Array;
  /** A corpus clip's id (its cached descriptors are in the dataset); none for outside crops. */
  id?: string;
}

/** `n` clips of a dataset split, evenly spread over its ids (16 kHz audio). */
export function corpusClips(dataset: string, split: string, n: number): HeldOutPiece[] {
  const db = new Database(join(dataset, 'index.sqlite'), { readonly: true });
  const ids = (
    db.prepare('SELECT id FROM clips WHERE split = ? ORDER BY id').all(split) as { id: string }[]
  ).map((r) => r.id);
  db.close();
  const every = Math.max(1, Math.floor(ids.length / n));
  return ids
    .filter((_, i) => i % every === 0)
    .slice(0, n)
    .map((id) => {
      const a = decodeNpy(new Uint8Array(readFileSync(join(dataset, 'clips', id, 'audio.npy'))));
      return { name: id, id, audio: Float32Array.from(a.values, (v) => v / 32768) };
    });
}

/** Crops of `cropS` from the tracks in `dir`: one at 30 % and one at 70 % of each, up to `n`. */
export async function outsideCrops(dir: string, n: number, cropS = 10.24): Promise<HeldOutPiece[]> {
  const files = readdirSync(dir)
    .filter((f) => /\.(ogg|mp3|opus|flac|wav)$/.test(f))
    .sort();
  const out: HeldOutPiece[] = [];
  for (const at of [0.3, 0.7]) {
    for (const f of files) {
      if (out.length >= n) return out;
      const path = join(dir, f);
      const info = await probe(path);
      if (info.durationS < cropS * 2) continue;
      const startS = Math.floor(at * (info.durationS - cropS));
      const d = await decodeAudio(path, {
        sampleRate: 16000,
        channels: 1,
        info,
        startS,
        durationS: cropS,
      });
      out.push({ name: `${f}@${startS}`, audio: d.channels[0] });
    }
  }
  return out;
}

/**
 * A held-out piece's music descriptors in the order of `names` (a model's condition.names): a
 * corpus clip's cached affect.npy (AFFECT_NAMES order), with any descriptor a cache built
 * before it lacks (noisiness) measured from the audio; an outside crop measured whole.
 */
export function pieceCondition(
  dataset: string,
  p: HeldOutPiece,
  names: readonly string[],
): Float32Array {
  const cached = p.id
    ? decodeNpy(new Uint8Array(readFileSync(join(dataset, 'clips', p.id, 'affect.npy')))).values
    : new Float64Array(0);
  let measured: AffectDescriptors | undefined;
  return Float32Array.from(names, (n) => {
    const k = AFFECT_NAMES.indexOf(n as AffectName);
    if (k < 0) throw new Error(`${n} is not a music descriptor (${AFFECT_NAMES.join(', ')})`);
    if (k < cached.length) return cached[k];
    measured ??= musicAffect(analyzeAudio(p.audio, 16000));
    return measured[n as AffectName];
  });
}
