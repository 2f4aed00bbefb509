import { readFileSync } from 'node:fs';
import test from 'ava';
import { CONFIG_VARIABLES, renderConfigTable } from '../src/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README configuration reference is the one the config module renders', (t) => {
  const start = readme.indexOf('<!-- config-table:start -->');
  const end = readme.indexOf('<!-- config-table:end -->');
  t.true(start >= 0 && end > start, 'markers present');
  const embedded = readme.slice(start + '<!-- config-table:start -->'.length, end).trim();
  t.is(embedded, renderConfigTable().trim(), 'run `npm run docs:config`');
});

test('every variable the agent reads is documented in the README', (t) => {
  for (const v of CONFIG_VARIABLES) t.true(readme.includes(`\`${v.name}\``), v.name);
});

test('the README names the commands that exist', (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  for (const match of readme.matchAll(/npm run ([a-z:]+)/g)) {
    t.truthy(pkg.scripts[match[1] ?? ''], `npm run ${match[1]}`);
  }
});
