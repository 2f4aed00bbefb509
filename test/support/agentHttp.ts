/**
 * The agent's HTTP endpoints as an end-to-end test reads them: a GET, one metric out of the
 * Prometheus text, and `/metrics` read until a condition holds (bounded at 20 s on a loaded machine,
 * asserting nothing about the time; the last body is returned either way, for the assertions).
 */
export interface AgentHttp {
  get(path: string): Promise<{ status: number; body: string }>;
  /** `kubelet_span_exporter_<name>` (with its labels, as written) in `body`; undefined: absent. */
  metric(body: string, name: string): number | undefined;
  metricsWhen(holds: (body: string) => boolean): Promise<string>;
}

export function agentHttp(port: unknown): AgentHttp {
  const base = `http://127.0.0.1:${String(port)}`;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: await res.text() };
  };
  return {
    get,
    metric(body, name) {
      const full = `kubelet_span_exporter_${name}`;
      const line = body
        .split('\n')
        .find((l) => l.startsWith(`${full} `) || l.startsWith(`${full}{`));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    },
    async metricsWhen(holds) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { body } = await get('/metrics');
        if (holds(body) || Date.now() > deadline) return body;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
