/**
 * Minimal, strict flag parser for the `zkllm` CLI. Unknown flags and missing values are
 * errors (hostile-input rule: nothing is silently accepted).
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  /** `string` flags take a value, `boolean` flags do not. */
  readonly [flag: string]: 'string' | 'boolean';
}

export type ParsedFlags<S extends FlagSpec> = {
  [K in keyof S]?: S[K] extends 'boolean' ? boolean : string;
};

export function parseFlags<S extends FlagSpec>(argv: readonly string[], spec: S): ParsedFlags<S> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const kind = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
    if (kind === undefined) throw new UsageError(`unknown flag --${name}`);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new UsageError(`flag --${name} given twice`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`flag --${name} takes no value`);
      out[name] = true;
    } else {
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        value = argv[i + 1];
        i++;
      }
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) {
        throw new UsageError(`flag --${name} needs a value`);
      }
      out[name] = value;
    }
  }
  return out as ParsedFlags<S>;
}

/** Parses a decimal integer flag within [min, max]; anything else is a usage error. */
export function intFlag(value: string | undefined, name: string, def: number, min: number, max: number): number {
  if (value === undefined) return def;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be an integer, got '${value}'`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  }
  return n;
}
