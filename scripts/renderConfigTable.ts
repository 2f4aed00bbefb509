/**
 * Writes the configuration reference (rendered from the declarations in src/config/) into README.md between the
 * `<!-- config-table:start -->` and `<!-- config-table:end -->` markers. `npm run docs:config`;
 * test/readme.test.ts fails when the README and the config module disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTable } from '../src/config.js';

export const START = '<!-- config-table:start -->';
export const END = '<!-- config-table:end -->';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} … ${END} markers`);
const next = `${readme.slice(0, start + START.length)}\n${renderConfigTable()}${readme.slice(end)}`;
writeFileSync(path, next);
process.stdout.write(next === readme ? 'README.md already up to date\n' : 'README.md updated\n');
