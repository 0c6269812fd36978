// ESLint: typescript-eslint's type-checked rules over src/, test/ and scripts/; formatting is
// Prettier's (eslint-config-prettier turns off the rules that would fight it).
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The layers of src/, lowest first (the lead's decision, issue 10 item 3). A module may import only
// modules of lower layers, and only through their door (index.ts); inside a module, any file. Modules
// of one layer are siblings and do not import each other: groups and transactions both sit on
// replication and are both served by kafka, and a consumer group never needs the transaction
// coordinator (nor the reverse; the kafka handlers and the wiring join them where a request needs
// both). metadata sits below replication because a partition's replicas follow the metadata log
// (placement, leaders, configs) and the controller's partition elections are replication's
// protocol; raft may use storage and common, nothing above. Near the top: http, the endpoint the
// node serves; client, Brook's own Kafka client on kafka's codec; line, the line-protocol listener,
// and apply, the declarative topics file, both written on the client; console, the web console, on
// the client and the http endpoint. Then the wiring: broker.ts and node.ts build the node from the
// doors below, and src/index.ts is the package's door (embedded Brook). Last, cli: the `brook`
// command, which runs the node (`brook start`) or the client. Tests may reach into a module's files
// (they test them); the rule applies to src/.
const LAYERS = [
  ['common'],
  ['storage'],
  ['raft'],
  ['metadata'],
  ['replication'],
  ['groups', 'transactions'],
  ['kafka'],
  ['http'],
  ['client'],
  ['line'],
  ['apply'],
  ['console'],
  ['wiring'],
  ['cli'],
];
const ELEMENTS = LAYERS.flat();
const MODULES = ELEMENTS.filter((element) => element !== 'wiring');
/** Every element of a lower layer than `i`. */
const below = (i) => LAYERS.slice(0, i).flat();
/** Every element of layer `i` or above, except `element` itself. */
const notBelow = (i, element) =>
  LAYERS.slice(i)
    .flat()
    .filter((other) => other !== element);

const layering = {
  files: ['src/**/*.ts'],
  plugins: { boundaries },
  settings: {
    'boundaries/elements': [
      ...MODULES.map((module) => ({ type: module, pattern: `src/${module}`, partialMatch: false })),
      // broker.ts and node.ts: the files of src/ that sit in no module.
      { type: 'wiring', pattern: 'src', partialMatch: false },
    ],
    'boundaries/legacy-templates': false,
    // `export ... from` and `import()` cross modules too.
    'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
    // Resolves '../kafka/index.js' to the .ts file, as tsc does; without it no import is classified.
    'import/resolver': { typescript: { project: './tsconfig.json' } },
  },
  rules: {
    'boundaries/no-unknown-files': 'error',
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        policies: [
          // npm packages and Node's built-ins are not a layer.
          { allow: { to: { module: { origin: ['external', 'core'] } } } },
          // Anything within the same module.
          ...ELEMENTS.map((element) => ({
            from: { element: { type: element } },
            allow: { to: { element: { type: element } } },
          })),
          // Down the layers, through the door.
          ...LAYERS.flatMap((layer, i) =>
            layer.map((element) => ({
              from: { element: { type: element } },
              allow: { to: { element: { types: { anyOf: below(i) }, fileInternalPath: 'index.ts' } } },
            })),
          ),
          // The two ways to break it, each with its own message (of the policies that match, the last
          // one decides).
          ...MODULES.map((module) => ({
            from: { element: { types: { noneOf: [module] } } },
            disallow: { to: { element: { type: module, fileInternalPath: '!index.ts' } } },
            message: `{{to.element.fileInternalPath}} is inside ${module}: import src/${module}/index.ts instead`,
          })),
          // Last, so an upward import of a module's inner file is named for what it is.
          ...LAYERS.flatMap((layer, i) =>
            layer.map((element) => ({
              from: { element: { type: element } },
              disallow: { to: { element: { types: { anyOf: notBelow(i, element) } } } },
              message:
                `${element} may not import {{to.element.types.[0]}}, a sibling or a higher layer ` +
                `(lowest first: ${LAYERS.map((l) => l.join(' | ')).join(' <- ')})`,
            })),
          ),
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'data/', 'native/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests hand async callbacks to client libraries (kafkajs' eachMessage) that want promises.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Plain JavaScript scripts and fixtures: no type information.
    files: ['**/*.mjs', 'eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    // The web console's page script: plain JavaScript run by the browser, no type information.
    files: ['src/console/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.browser },
  },
  layering,
  prettier,
);
