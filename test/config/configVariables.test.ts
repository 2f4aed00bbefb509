import test from 'ava';
import { CONFIG_VARIABLES, renderConfigTable } from '../../src/config/configVariables.js';

test('CONFIG_VARIABLES names are unique and described', (t) => {
  const names = CONFIG_VARIABLES.map((v) => v.name);
  t.is(new Set(names).size, names.length);
  for (const v of CONFIG_VARIABLES) {
    t.regex(v.name, /^[A-Z][A-Z0-9_]*$/);
    t.true(v.description.length > 10, v.name);
  }
});

test('renderConfigTable has a header and one row per variable', (t) => {
  const table = renderConfigTable();
  const lines = table.trimEnd().split('\n');
  t.is(lines[0], '| Variable | Default | Description |');
  t.is(lines.length, CONFIG_VARIABLES.length + 2);
  for (const v of CONFIG_VARIABLES) {
    t.true(table.includes(`| \`${v.name}\` |`), v.name);
  }
  t.true(table.includes('| `POLL_INTERVAL` | `250ms` |'));
  t.true(table.includes('| `IDLE_POLL_INTERVAL` | `1s` |'));
  t.true(table.includes('| `NODE_NAME` | — |'));
  t.true(table.endsWith('|\n'));
});
