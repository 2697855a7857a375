/**
 * The layering rules of docs/architecture.md's "Code layout", checked by `npm test` (test/unit/code-rules.test.ts):
 * platform never imports a module, a module reaches another module only through its services or the narrow
 * interfaces it exports (never its repositories), and no import cycle.
 */
module.exports = {
  forbidden: [
    {
      name: 'platform-imports-module',
      comment: 'src/platform is infrastructure shared by every module: it must not depend on one.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'contracts-import-code',
      comment: 'src/contracts holds API schemas shared with web/: schemas only, no server code.',
      severity: 'error',
      from: { path: '^src/contracts/' },
      to: { path: '^src/(modules|platform|cli|simulator)/' },
    },
    {
      name: 'module-imports-other-repository',
      comment: "Each table belongs to one module's repository; other modules call its service or a narrow interface.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/([^/]*repository[.]ts$|repositories/)', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'no-cycle',
      comment: 'An import cycle makes the order of initialisation fragile and the layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
