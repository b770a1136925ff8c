/**
 * Strict flag parsing for `zkllm-verify`: unknown flags, repeated flags and missing
 * values are usage errors, so a typo never silently weakens a check.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type FlagSpec = Readonly<Record<string, 'string' | 'boolean'>>;
export type Flags<S extends FlagSpec> = { [K in keyof S]?: S[K] extends 'boolean' ? boolean : string };

export function parseFlags<S extends FlagSpec>(argv: readonly string[], spec: S): Flags<S> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg.slice(0, 100)}'`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const kind = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
    if (kind === undefined) throw new UsageError(`unknown flag --${name.slice(0, 100)}`);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new UsageError(`flag --${name} given twice`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`flag --${name} takes no value`);
      out[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`flag --${name} needs a value`);
    out[name] = value;
  }
  return out as Flags<S>;
}

export function intFlag(value: string | undefined, name: string, def: number, min: number, max: number): number {
  if (value === undefined) return def;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--${name} must be an integer, got '${value.slice(0, 40)}'`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  return n;
}
