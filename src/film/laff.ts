import { OnnxModel, type FloatTensor } from '../onnx/model.js';

/** The three film-encoder branches, in the order the LAFF graph takes them. */
export interface FilmBranches {
  semantic: Float32Array;
  aesthetic: Float32Array;
  emotion: Float32Array;
}

export interface FusedFilm {
  /** c_film, the global condition of the generator. */
  cFilm: Float32Array;
  /** LAFF's convex weights over semantic, aesthetic, emotion (sum to 1). */
  weights: Float32Array;
}

/**
 * LAFF fusion (training/filmscore_training/laff.py, exported to ONNX): the branches of one
 * clip in, c_film and the branch weights out.
 */
export class LaffFusion {
  private constructor(private readonly model: OnnxModel) {}

  static async load(path: string): Promise<LaffFusion> {
    return new LaffFusion(await OnnxModel.load(path, 'LAFF fusion'));
  }

  async fuse(b: FilmBranches): Promise<FusedFilm> {
    const feed = (v: Float32Array): FloatTensor => ({ data: v, dims: [1, v.length] });
    const out = await this.model.run({
      semantic: feed(b.semantic),
      aesthetic: feed(b.aesthetic),
      emotion: feed(b.emotion),
    });
    return { cFilm: out.c_film.data, weights: out.weights.data };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
