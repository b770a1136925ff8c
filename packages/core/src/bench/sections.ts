/** The benchmark sections `npm run bench` runs, in order. Add a row per measured subsystem. */
import { benchFields } from './field.js';

export interface BenchOptions {
  quick: boolean;
  pcsSizes: number[] | undefined;
}

export interface BenchSection {
  name: string;
  run(opts: BenchOptions): Promise<unknown> | unknown;
}

export const sections: BenchSection[] = [{ name: 'field', run: () => benchFields() }];
