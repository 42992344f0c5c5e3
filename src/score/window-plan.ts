/**
 * Where the generation windows of a long score sit, in latent frames (the sampler's grid: one
 * frame is `hop × latent stride` samples, 40 ms for both shipped models).
 *
 * A window holds `window` frames of music. The first is generated from noise; every later one
 * carries on from what is already composed: its first frames (`start` … `newFrom`) are known
 * (the score's latent so far) and only the rest is sampled, so the music continues instead of
 * restarting. A new stretch begins at a shot cut when the film has one near where the previous
 * window runs out (within `flex` frames), so changes of section land on the cut; the last
 * window ends at the end of the picture, carrying more instead of blending more.
 *
 * With `loop`, the last window also knows the score's first `loopFrames` as its own last ones
 * (past the picture's end), so the end continues into the start.
 */
export interface WindowPlanOptions {
  /** Frames of music per window. */
  window: number;
  /** Frames each window carries over from the score so far. */
  carry: number;
  /** How much earlier (frames) a window may hand over so that the next begins at a cut. */
  flex: number;
  /** Cut positions in frames, ascending. */
  cuts?: readonly number[];
  loop?: boolean;
}

export interface PlannedWindow {
  /** First frame of the window on the score's grid. */
  start: number;
  /** First frame it composes; start … newFrom − 1 are carried (known). */
  newFrom: number;
  /** Frames ≥ `frames` (the picture's end) it knows as the score's start (loops only). */
  wrapFrom?: number;
  /** Its new music begins at a shot cut. */
  atCut?: boolean;
}

export interface WindowPlan {
  windows: PlannedWindow[];
  /** Frames of the score's start that the last window repeats past the end (loops; else 0). */
  loopFrames: number;
}

/** The carried frames of a loop's wrap: as long as a carry, at most half the score. */
function loopFramesOf(frames: number, carry: number): number {
  return Math.max(1, Math.min(carry, Math.floor(frames / 2)));
}

export function planScoreWindows(frames: number, opts: WindowPlanOptions): WindowPlan {
  const { window: W, flex } = opts;
  if (!Number.isInteger(frames) || frames < 1) {
    throw new RangeError(`a score needs at least one frame, not ${frames}`);
  }
  if (!(opts.carry >= 1 && opts.carry + flex < W)) {
    throw new RangeError(
      `carry (${opts.carry}) + flex (${flex}) must be less than a window (${W})`,
    );
  }
  const loop = opts.loop === true;
  const L = loop ? loopFramesOf(frames, opts.carry) : 0;
  const target = frames + L;
  const cuts = opts.cuts ?? [];
  const windows: PlannedWindow[] = [{ start: 0, newFrom: 0 }];
  // A loop's last window must compose something before the picture's end (up to 1 s before
  // it), so that the wrap is music it writes towards, not a copy.
  const latestNew = loop ? frames - Math.max(1, Math.min(25, frames - L)) : frames - 1;
  while (windows[windows.length - 1].start + W < target || (loop && windows.length === 1)) {
    const prev = windows[windows.length - 1];
    const natural = prev.start + W;
    const earliest = Math.max(prev.newFrom + 1, natural - flex);
    let cut: number | undefined;
    for (const c of cuts) if (c >= earliest && c <= natural && c < frames) cut = c;
    const newFrom = Math.max(prev.newFrom + 1, Math.min(cut ?? natural, latestNew));
    const carry = Math.min(opts.carry, newFrom);
    // The last window ends where the score ends (carrying more), never past it.
    const start = Math.max(0, Math.min(newFrom - carry, target - W));
    windows.push(newFrom === cut ? { start, newFrom, atCut: true } : { start, newFrom });
    if (newFrom >= latestNew) break;
  }
  if (loop) windows[windows.length - 1].wrapFrom = frames;
  return { windows, loopFrames: L };
}

/**
 * Where one window's condition changes: the starts (window-relative frames, the first 0) of
 * the stretches between the shot cuts inside its `frames`, each at least `minFrames` long (a
 * cut nearer than that to the window's edge or to the last change is left out) and at most
 * `max` of them (the boundary beside the shortest stretch goes first, so what is left is the
 * window's longest shots).
 */
export function windowStretches(
  frames: number,
  cuts: readonly number[],
  opts: { minFrames: number; max: number },
): number[] {
  const starts = [0];
  for (const c of cuts) {
    if (c - starts[starts.length - 1] >= opts.minFrames && frames - c >= opts.minFrames) {
      starts.push(c);
    }
  }
  while (starts.length > Math.max(1, opts.max)) {
    const length = (i: number) => (starts[i + 1] ?? frames) - starts[i];
    let shortest = 0;
    for (let i = 1; i < starts.length; i++) if (length(i) < length(shortest)) shortest = i;
    // Merge the shortest stretch into its shorter neighbour: drop the boundary between them.
    const before = shortest > 0 ? length(shortest - 1) : Infinity;
    const after = shortest + 1 < starts.length ? length(shortest + 1) : Infinity;
    starts.splice(before <= after ? shortest : shortest + 1, 1);
  }
  return starts;
}

/**
 * The shot cuts a window hits (window-relative frames): those in the music the score keeps of
 * it (from `from`, its first new frame, to `frames`, where the next window's begins), at least
 * `spacing` frames after the last one hit — a montage's every cut would make one long accent.
 */
export function windowHits(
  cuts: readonly number[],
  opts: { from: number; frames: number; spacing: number },
): number[] {
  const hits: number[] = [];
  for (const c of cuts) {
    if (c < opts.from || c >= opts.frames) continue;
    if (hits.length && c - hits[hits.length - 1] < opts.spacing) continue;
    hits.push(c);
  }
  return hits;
}
