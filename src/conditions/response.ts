/**
 * A model's measured response to one condition slot: the values it was given (ascending) and
 * what was measured on the music it made for each (mean over seeds, fitted non-decreasing).
 *
 * Why: the quantile calibration (calibration.ts) turns a requested level into the training
 * music's value of the descriptor, but a model does not make exactly what it is asked for —
 * the first bundled model, asked for the corpus's median loudness (0.675), makes music that
 * measures 0.32. Inverting the measured response asks the model for whatever value makes the
 * requested one (`filmscore calibrate` measures it; the manifest keeps it).
 */
export interface ResponseCurve {
  /** Condition values given to the model, ascending. */
  inputs: number[];
  /** The descriptor measured on its output for each input, non-decreasing (isotonic fit). */
  outputs: number[];
}

/**
 * The non-decreasing sequence closest to `y` in least squares, each point weighted by `w`
 * (pool adjacent violators).
 */
export function isotonicFit(y: readonly number[], w: readonly number[] = y.map(() => 1)): number[] {
  const blocks: { value: number; weight: number; count: number }[] = [];
  y.forEach((v, i) => {
    blocks.push({ value: v, weight: w[i], count: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2].value > blocks[blocks.length - 1].value) {
      const b = blocks.pop()!;
      const a = blocks[blocks.length - 1];
      const weight = a.weight + b.weight;
      a.value = (a.value * a.weight + b.value * b.weight) / weight;
      a.weight = weight;
      a.count += b.count;
    }
  });
  return blocks.flatMap((b) => Array<number>(b.count).fill(b.value));
}

/**
 * A response curve from the inputs and, per input, the measurements (one per seed). The curve
 * spans only the inputs from the one whose music measured lowest to the one whose music
 * measured highest: asked for a more extreme value than those, a model that made less extreme
 * music (a value few training clips had) is not asked for it. Measured: a candidate UNet given
 * pace 0.083 made music measuring 0.47, given 0.337 made 0.12; a curve over all seven inputs
 * pooled the three lowest to 0.29 and sent "slowest" to 0.083, so a still film got busy music.
 */
export function fitResponse(
  inputs: readonly number[],
  measured: readonly number[][],
): ResponseCurve {
  if (inputs.length < 2 || inputs.length !== measured.length) {
    throw new Error('fitResponse: needs two or more inputs, each with its measurements');
  }
  for (let i = 1; i < inputs.length; i++) {
    if (!(inputs[i] > inputs[i - 1])) throw new Error('fitResponse: inputs must be ascending');
  }
  const means = measured.map((m) => m.reduce((a, b) => a + b, 0) / m.length);
  let lo = 0; // the first input whose music measured lowest
  let hi = 0; // the last input whose music measured highest
  for (let i = 0; i < means.length; i++) {
    if (means[i] < means[lo]) lo = i;
    if (means[i] >= means[hi]) hi = i;
  }
  // A model that runs the wrong way overall keeps its whole range (the span check sees it).
  if (hi - lo < 1) [lo, hi] = [0, means.length - 1];
  return {
    inputs: inputs.slice(lo, hi + 1),
    outputs: isotonicFit(
      means.slice(lo, hi + 1),
      measured.slice(lo, hi + 1).map((m) => m.length),
    ),
  };
}

/**
 * How far the curve's output moves across its inputs. Below `MIN_RESPONSE_SPAN` the model
 * does not follow this slot, and inverting the curve would only amplify noise.
 */
export const MIN_RESPONSE_SPAN = 0.1;

export function responseSpan(curve: ResponseCurve): number {
  return curve.outputs[curve.outputs.length - 1] - curve.outputs[0];
}

/**
 * The input that makes `target` by the curve (piecewise linear between its points): below the
 * curve's lowest output, its lowest input; above the highest, its highest. On a flat stretch
 * the first input that reaches the target.
 */
export function invertResponse(target: number, curve: ResponseCurve): number {
  const { inputs, outputs } = curve;
  const last = outputs.length - 1;
  if (target <= outputs[0]) return inputs[0];
  if (target >= outputs[last]) return inputs[last];
  for (let i = 0; i < last; i++) {
    if (target <= outputs[i + 1] && outputs[i + 1] > outputs[i]) {
      const f = (target - outputs[i]) / (outputs[i + 1] - outputs[i]);
      return inputs[i] + f * (inputs[i + 1] - inputs[i]);
    }
  }
  return inputs[last];
}

/** Is `v` a well-formed curve (what a manifest may carry)? */
export function isResponseCurve(v: unknown): v is ResponseCurve {
  const c = v as ResponseCurve | undefined;
  if (!c || !Array.isArray(c.inputs) || !Array.isArray(c.outputs)) return false;
  if (c.inputs.length < 2 || c.inputs.length !== c.outputs.length) return false;
  const finite = [...c.inputs, ...c.outputs].every(
    (x) => typeof x === 'number' && Number.isFinite(x),
  );
  return (
    finite &&
    c.inputs.every((x, i) => i === 0 || x > c.inputs[i - 1]) &&
    c.outputs.every((x, i) => i === 0 || x >= c.outputs[i - 1])
  );
}
