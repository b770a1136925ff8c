/** KoalaBear: p = 2^31 − 2^24 + 1, two-adicity 24; extension X^4 − 3. */
import { QuarticExtension } from './extension.js';
import { PrimeField } from './prime.js';

export const KoalaBear: PrimeField = new PrimeField(2 ** 31 - 2 ** 24 + 1, 'KoalaBear');
export const KoalaBearExt4: QuarticExtension = new QuarticExtension(KoalaBear, 3);
