// The layer order of src/ (docs/contributing.md, Layout): a file imports only from its own floor or the floors below
// it, type imports included, and nothing imports in a circle, neither files nor folders. `npm run layers` checks it;
// `npm test` runs it after the typecheck. A floor is a list of path patterns: a folder or one root file.
/** @type {Array<{ name: string, paths: string[] }>} lowest floor first */
const FLOORS = [
  {
    name: 'base',
    paths: ['^src/clock\\.ts$', '^src/retry-contract\\.ts$', '^src/config\\.ts$', '^src/env-schema\\.ts$', '^src/rules-schema\\.ts$', '^src/generated/'],
  },
  { name: 'mail', paths: ['^src/mail/'] },
  { name: 'inbound', paths: ['^src/inbound/'] },
  { name: 'rules', paths: ['^src/rules/'] },
  { name: 'store', paths: ['^src/store/'] },
  { name: 'policy / flood / forward', paths: ['^src/policy/', '^src/flood/', '^src/forward/'] },
  { name: 'deliver', paths: ['^src/deliver\\.ts$', '^src/delivery\\.ts$', '^src/reply\\.ts$', '^src/send-once\\.ts$', '^src/guards\\.ts$', '^src/exactly-once\\.ts$', '^src/claim-pair\\.ts$'] },
  {
    name: 'HTTP edges',
    paths: ['^src/inbound-route/', '^src/events/', '^src/resend/', '^src/admin/', '^src/alias-api/', '^src/metrics/', '^src/digest/', '^src/error-handler\\.ts$'],
  },
  { name: 'app', paths: ['^src/app\\.ts$'] },
  {
    name: 'server / cli',
    paths: ['^src/server\\.ts$', '^src/main\\.ts$', '^src/listen\\.ts$', '^src/log-format\\.ts$', '^src/log-escape\\.ts$', '^src/compile-cache\\.ts$', '^src/cli/'],
  },
];

const ALL = FLOORS.flatMap((floor) => floor.paths);

const upward = FLOORS.slice(0, -1).map((floor, i) => ({
  name: `layer-order: ${floor.name}`,
  comment: `${floor.name} imports only from its own floor and those below: ${FLOORS.slice(0, i + 1).map((f) => f.name).join(', ')}`,
  severity: 'error',
  from: { path: floor.paths },
  to: { path: FLOORS.slice(i + 1).flatMap((f) => f.paths) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'files that import each other, directly or through others: one of them belongs lower',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'folders that import each other (sideways on one floor included): move the shared part down',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    // A file on no floor, whether it imports or is imported: a new folder or root file must be placed.
    ...[
      { from: { path: '^src/', pathNot: ALL }, to: {} },
      { from: {}, to: { path: '^src/', pathNot: ALL } },
    ].map((ends) => ({
      name: 'on-no-floor',
      comment: 'a file in src/ on no floor of .dependency-cruiser.cjs: give it one (and a line in README, Layout)',
      severity: 'error',
      ...ends,
    })),
  ],
  options: {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
