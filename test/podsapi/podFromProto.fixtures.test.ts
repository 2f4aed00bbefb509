/**
 * The Pods API path against the JSON path, field by field: every pod of the project's `/pods`
 * fixtures is encoded with the SIMULATOR's proto (`sim/podsapi/`), decoded from the bytes with
 * the AGENT's proto (`decodePodBytes`), and must equal what `decodePodList` makes of its JSON.
 */
import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import { injectTraceContexts } from '../../scripts/lib/injectTraceContexts.js';
import { podToProtoMessage } from '../../sim/podsapi/podToProtoMessage.js';
import { encodePodMessage } from '../../sim/podsapi/simPodsApiProto.js';
import { decodePodList } from '../../src/core/decodePodList.js';
import { decodePodBytes } from '../../src/podsapi/decodePodBytes.js';

const FIXTURES = new URL('../fixtures/kubelet/', import.meta.url);
const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

/** Every env name in a PodList, so that all of its env entries (values, fieldRefs, secrets) are kept. */
function allEnvNames(body: unknown): string[] {
  const names = new Set<string>(['TRACEPARENT']);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'env' && Array.isArray(v)) {
          for (const e of v) if (typeof e?.name === 'string') names.add(e.name);
        }
        visit(v);
      }
    }
  };
  visit(body);
  return [...names];
}

test('the fixtures are there', (t) => {
  t.true(files.length >= 4);
});

for (const file of files) {
  for (const envMode of ['TRACEPARENT only', 'every env name', 'contexts injected'] as const) {
    test(`${file} (${envMode}): each pod decoded from Pods API bytes equals its JSON decoding`, (t) => {
      const parsed: unknown = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8'));
      const body = (envMode === 'contexts injected' ? injectTraceContexts(parsed) : parsed) as {
        items: unknown[];
      };
      const hasEnv = JSON.stringify(body).includes('"env":');
      const envNames = envMode === 'TRACEPARENT only' ? ['TRACEPARENT'] : allEnvNames(body);
      const json = decodePodList(body, { envNames });
      if (!json.ok) return t.fail(json.error);
      t.true(body.items.length > 0);
      let compared = 0;
      let envEntries = 0;
      let pod = 0;
      for (let index = 0; index < body.items.length; index++) {
        const bytes = encodePodMessage(podToProtoMessage(body.items[index]));
        const fromProto = decodePodBytes(bytes, { envNames });
        const malformed = json.malformed.find((m) => m.index === index);
        if (malformed !== undefined) {
          t.false(fromProto.ok, `item ${index} is malformed in JSON (${malformed.error})`);
          continue;
        }
        if (!fromProto.ok) return t.fail(`item ${index}: ${fromProto.error}`);
        const expected = json.pods[pod++];
        t.deepEqual(fromProto.pod, expected, `item ${index} (${expected?.name})`);
        for (const c of [...fromProto.pod.initContainers, ...fromProto.pod.containers]) {
          envEntries += c.env.size;
        }
        compared++;
      }
      t.is(compared, json.pods.length);
      if (envMode !== 'TRACEPARENT only' && hasEnv) t.true(envEntries > 0, 'env entries compared');
    });
  }
}
