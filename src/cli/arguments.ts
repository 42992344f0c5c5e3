import { InvalidArgumentError } from 'commander';
import { UsageError } from '../util/errors.js';

/** Command-line values checked and converted, each refusal naming the option and its range. */

/** A number as typed: Number() would read "" and "  " as 0 and "0x10" as 16. */
export function toNumber(v: string): number {
  return /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(v) ? Number(v) : NaN;
}

/** A whole number from `min` to `max` (no upper bound when left out); `fallback` when the
 * option was not given. */
export function integer(
  name: string,
  v: string | undefined,
  fallback: number,
  min: number,
  max = Infinity,
): number {
  if (v === undefined) return fallback;
  const n = toNumber(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = Number.isFinite(max) ? `from ${min} to ${max}` : `≥ ${min}`;
    throw new UsageError(`${name} must be a whole number ${range}, not "${v}"`);
  }
  return n;
}

/** Seconds ≥ 0, or undefined when the option was not given. */
export function seconds(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = toNumber(v);
  if (!Number.isFinite(n) || n < 0) {
    throw new UsageError(`${name} must be a number of seconds ≥ 0, not "${v}"`);
  }
  return n;
}

/** A number from `min` to `max`; `fallback` when the option was not given. */
export function numberIn(
  name: string,
  v: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const n = v === undefined ? fallback : toNumber(v);
  if (!(n >= min && n <= max)) {
    throw new UsageError(`${name} must be a number from ${min} to ${max}, not "${v}"`);
  }
  return n;
}

/** --guidance: a classifier-free guidance scale from 0 to 30 (the model's default if not given). */
export function guidanceScale(v: string | undefined, fallback: number): number {
  return numberIn('--guidance', v, fallback, 0, 30);
}

/** Commander parsers: a refusal becomes "option '--x <n>' argument 'abc' is invalid. …", exit 2. */
export function positiveNumber(v: string): number {
  const n = toNumber(v);
  if (!(n > 0 && Number.isFinite(n))) throw new InvalidArgumentError('It must be a number > 0.');
  return n;
}

export function positiveInteger(v: string): number {
  const n = toNumber(v);
  if (!(Number.isInteger(n) && n > 0)) {
    throw new InvalidArgumentError('It must be a whole number > 0.');
  }
  return n;
}
