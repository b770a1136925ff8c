export { FieldError, PrimeField } from './prime.js';
export { QuarticExtension, type Ext } from './extension.js';
export { ntt, intt } from './ntt.js';
export { BabyBear, BabyBearExt4 } from './babybear.js';
export { KoalaBear, KoalaBearExt4 } from './koalabear.js';
