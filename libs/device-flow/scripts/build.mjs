// Builds the publishable package (run by `npm run build` and by `prepack`, so `npm pack` / `npm publish`):
//   1. a clean dist/ with the JS and .d.ts of what src/index.ts reaches: the public API and its implementation,
//      never specs or dev-only code (no file list to keep up to date);
//   2. checks: every package the built code imports is declared in package.json; every public export has
//      JSDoc (house rule; the .d.ts carry it to integrators' editors);
//   3. API.md, a generated reference of the public exports, for the package page;
//   4. any non-TypeScript file under src/ (templates, styles) that the code may load at run time.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const entry = join(src, 'index.ts');

function fail(message) {
  process.stderr.write(`nest-device-flow build failed: ${message}\n`);
  process.exit(1);
}

// A stale file from a deleted source must never ship.
rmSync(dist, { recursive: true, force: true });

// 1. Compile, as tsc -p tsconfig.build.json would.
const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(format([d])) };
const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), {}, host);
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
const diagnostics = [...config.errors, ...ts.getPreEmitDiagnostics(program)];
if (diagnostics.length) fail(`type errors\n${format(diagnostics)}`);
const emitted = program.emit();
if (emitted.emitSkipped || emitted.diagnostics.length) fail(format(emitted.diagnostics));

function format(list) {
  return ts.formatDiagnosticsWithColorAndContext(list, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
}

// Every package the built code imports must be declared, or the tarball installs but fails at import.
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const declared = new Set([
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.peerDependencies ?? {}),
]);
const undeclared = new Set();
for (const item of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!item.isFile() || !/\.(js|d\.ts)$/.test(item.name)) continue;
  const code = readFileSync(join(item.parentPath, item.name), 'utf8');
  for (const { fileName: spec } of ts.preProcessFile(code, true, false).importedFiles) {
    if (spec.startsWith('.') || spec.startsWith('node:')) continue;
    const name = spec
      .split('/')
      .slice(0, spec.startsWith('@') ? 2 : 1)
      .join('/');
    const types = `@types/${name.replace(/^@(.*)\//, '$1__')}`;
    if (!declared.has(name) && !(item.name.endsWith('.d.ts') && declared.has(types)))
      undeclared.add(`${name} (dist/${relative(dist, join(item.parentPath, item.name))})`);
  }
}
if (undeclared.size) {
  fail(
    'imported but not in libs/device-flow/package.json dependencies or peerDependencies ' +
      `(a peer if the host app must share it, like Nest or TypeORM):\n  ${[...undeclared].join('\n  ')}`,
  );
}

// 2 and 3. The public API: every export of index.ts, documented.
const checker = program.getTypeChecker();
const exports = checker.getExportsOfModule(
  checker.getSymbolAtLocation(program.getSourceFile(entry)),
);
const undocumented = [];
const reference = [];
for (const exported of exports) {
  const symbol =
    exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const declaration = symbol.declarations?.[0];
  const file = declaration ? relative(src, declaration.getSourceFile().fileName) : '?';
  const doc = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  if (!doc) undocumented.push(`${exported.name} (src/${file})`);
  const see = symbol
    .getJsDocTags(checker)
    .filter((t) => t.name === 'see')
    .map((t) => ts.displayPartsToString(t.text).trim());
  // An interface + token has two comments; the reference shows the first declaration's.
  const first = declaration && ts.getJSDocCommentsAndTags(declaration).find(ts.isJSDoc);
  const lead = (first && ts.getTextOfJSDocComment(first.comment)) || doc;
  reference.push({ name: exported.name, kind: kindOf(symbol), doc: lead, see });
}
if (undocumented.length) {
  fail(
    `public exports without JSDoc (house rule: JSDoc on every export):\n  ${undocumented.join('\n  ')}`,
  );
}

function kindOf(symbol) {
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Enum) return 'enum';
  // An interface and a token of the same name: one import is both type and injection token.
  if (f & ts.SymbolFlags.Interface && f & ts.SymbolFlags.Variable) return 'interface + token';
  if (f & ts.SymbolFlags.Interface) return 'interface';
  if (f & ts.SymbolFlags.TypeAlias) return 'type';
  return 'const';
}

/** The first paragraph of a JSDoc comment, on one line, for a table cell. */
function summary(doc) {
  return doc
    .split(/\n\s*\n/)[0]
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\{@link ([^}|\s]+)[^}]*\}/g, '`$1`')
    .replace(/\|/g, '\\|');
}

const rows = reference.map(
  (r) =>
    `| \`${r.name}\` | ${r.kind} | ${summary(r.doc)}${r.see.length ? ` (${r.see.join('; ')})` : ''} |`,
);
writeFileSync(
  join(root, 'API.md'),
  [
    '# nest-device-flow API reference',
    '',
    '<!-- Generated by scripts/build.mjs from the JSDoc of src/index.ts exports: do not edit. -->',
    '',
    "Everything below is imported from `'nest-device-flow'`; no other import path is supported. Full",
    'documentation of each export is in its JSDoc, shown by editors from the shipped `.d.ts` files.',
    '',
    '| Export | Kind | Summary |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n'),
);

// 4. Assets.
/** Test-only files and folders, never shipped. */
const TEST_ONLY = /(\.(spec|test)\.[^/]+$)|(^|\/)(__tests__|__fixtures__|fixtures|testing)(\/|$)/;
let assets = 0;
for (const item of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!item.isFile()) continue;
  const rel = relative(src, join(item.parentPath, item.name)).split('\\').join('/');
  if (/\.[cm]?tsx?$/.test(rel) || TEST_ONLY.test(rel)) continue;
  mkdirSync(dirname(join(dist, rel)), { recursive: true });
  copyFileSync(join(src, rel), join(dist, rel));
  assets++;
}

process.stderr.write(
  `nest-device-flow: built dist/ (${reference.length} public exports, ${assets} asset files) and API.md\n`,
);
