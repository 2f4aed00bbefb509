/**
 * Dependency rules (`npm run check:deps`, a step of `.ci/run`); docs/architecture.md describes the
 * rooms they keep apart. TypeScript is parsed with swc (`parser: 'swc'`): dependency-cruiser's own
 * TypeScript support needs the compiler API of TypeScript < 7, which this project does not use.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment:
        'src/core is the functional core: no Node built-in, no OpenTelemetry package, no pino, ' +
        'gRPC, client-node, p-queue or prom-client. It is handed "now" and a hash function.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: {
        path: 'node_modules/(@opentelemetry|pino|@grpc|@kubernetes/client-node|p-queue|prom-client)(/|$)',
      },
    },
    {
      name: 'core-imports-no-builtin',
      comment: 'src/core imports no Node built-in, with or without the node: prefix.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-imports-only-core',
      comment: 'src/core imports only src/core: the edges depend on the core, never the reverse.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'nothing-imports-test',
      comment: 'test/ is for ava alone: src/, sim/ and scripts/ never import it.',
      severity: 'error',
      from: { path: '^(src|sim|scripts)/' },
      to: { path: '^test/' },
    },
    {
      name: 'src-imports-no-tooling',
      comment: 'The shipped agent (src/, built into dist/) never imports sim/ or scripts/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(sim|scripts)/' },
    },
    {
      name: 'sim-imports-no-scripts',
      comment: 'sim/ serves tests and scripts alike, so it imports neither.',
      severity: 'error',
      from: { path: '^sim/' },
      to: { path: '^scripts/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves: a typo or a moved file fails here, not at run time.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|\\.ci)/' },
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'],
    },
  },
};
