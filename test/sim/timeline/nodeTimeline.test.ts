import test from 'ava';
import { loadTimeline } from '../../../sim/timeline/loadTimeline.js';
import { timelineForNode, timelineNodes } from '../../../sim/timeline/nodeTimeline.js';

const path = (name: string) => new URL(`../../../timelines/${name}.yaml`, import.meta.url).pathname;
const names = (items: readonly string[]) =>
  items.map((text) => (JSON.parse(text) as { metadata: { name: string } }).metadata.name).sort();

test('a timeline on two nodes: each node serves exactly its own pods, together all of them', (t) => {
  const timeline = loadTimeline(path('stock-litmus'));
  t.deepEqual(timelineNodes(timeline), ['worker-1', 'worker-2']);
  const one = timelineForNode(timeline, 'worker-1');
  const two = timelineForNode(timeline, 'worker-2');
  t.is(one.nodeName, 'worker-1');
  for (let s = 0; s <= timeline.endSeconds; s += 5) {
    const all = timeline.itemsAt(s, 0);
    const a = one.itemsAt(s, 0);
    const b = two.itemsAt(s, 0);
    t.deepEqual([...names(a), ...names(b)].sort(), names(all), `second ${s}`);
    for (const text of a) t.is(JSON.parse(text).spec.nodeName, 'worker-1');
    for (const text of b) t.is(JSON.parse(text).spec.nodeName, 'worker-2');
  }
  t.true(names(two.itemsAt(12, 0)).includes('container-kill-helper-hzv7c'));
  t.false(names(one.itemsAt(12, 0)).includes('container-kill-helper-hzv7c'));
  // scripted exits follow their pods
  t.true(one.exits.every((e) => e.pod !== 'container-kill-helper-hzv7c'));
  t.true(two.exits.some((e) => e.pod === 'container-kill-helper-hzv7c'));
  t.is(one.exits.length + two.exits.length, timeline.exits.length);
});

test('a one-node timeline has one node, served whole', (t) => {
  const timeline = loadTimeline(path('litmus-container-kill'));
  t.deepEqual(timelineNodes(timeline), ['worker-1']);
  const view = timelineForNode(timeline, 'worker-1');
  t.deepEqual(view.itemsAt(20, 7), timeline.itemsAt(20, 7));
});
