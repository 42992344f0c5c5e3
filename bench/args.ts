// The benchmarks' command lines: `--name value` pairs after the script.

/** The value after `name` on the command line, or `fallback` when it is not there. */
export function option(name: string, fallback: string): string;
export function option(name: string): string | undefined;
export function option(name: string, fallback?: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}
