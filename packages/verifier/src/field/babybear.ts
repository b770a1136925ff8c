/** BabyBear: p = 15·2^27 + 1, two-adicity 27; extension X^4 − 11. */
import { QuarticExtension } from './extension.js';
import { PrimeField } from './prime.js';

export const BabyBear: PrimeField = new PrimeField(15 * 2 ** 27 + 1, 'BabyBear');
export const BabyBearExt4: QuarticExtension = new QuarticExtension(BabyBear, 11);
