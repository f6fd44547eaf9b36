#!/usr/bin/env node
// The public surface, as a report that changes only when the surface does (api/session-sync.api.md).
//
// Every entry point in package.json "exports" (".", "./advanced", "./machines": the `types` target
// under dist/ maps back to its source file) is read with the TypeScript compiler API, and every name
// it exports is printed as the checker sees it: its kind and its declaration (the signatures of a
// function, the public members of an interface or class with their types, the type of a const, the
// right-hand side of a type alias). Names and members are sorted, and types that the checker would
// qualify with the file that declares them are printed by name alone, so moving an implementation
// file does not change the report; changing what users can import or what its types say does.
// A type that a public declaration mentions but no entry point exports is listed under "Referenced
// but not exported" (API Extractor's "forgotten export").
//
// Usage:
//   node scripts/api-report.mjs            check (npm run api:check): exit 1, naming every added,
//                                          removed or changed name, when the surface differs
//   node scripts/api-report.mjs --update   rewrite the report (npm run api:update)
// test/package/public-api-matches-the-report.test.ts runs the check, so `npm test` fails on an unseen
// change.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPORT = 'api/session-sync.api.md';
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** package.json "exports" → [{ subpath: '.', specifier: 'session-sync', file: 'src/index.ts' }, …] */
function entryPoints() {
  const entries = [];
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    const types = typeof target === 'object' && target !== null ? target.types : undefined;
    if (typeof types !== 'string') continue; // ./package.json
    const match = /^\.\/dist\/(.+)\.d\.ts$/.exec(types);
    if (!match) throw new Error(`api-report: exports["${subpath}"].types (${types}) is not a .d.ts under dist/`);
    const file = `${match[1]}.ts`;
    if (!existsSync(join(root, file))) throw new Error(`api-report: exports["${subpath}"] has no source ${file}`);
    entries.push({ subpath, specifier: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`, file });
  }
  return entries;
}

function createProgram(files) {
  const configPath = join(root, 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  if (!config) throw new Error('api-report: cannot read tsconfig.json');
  return ts.createProgram({ rootNames: files.map((f) => join(root, f)), options: { ...config.options, noEmit: true } });
}

const printer = ts.createPrinter({ removeComments: true });
const BUILD =
  ts.NodeBuilderFlags.NoTruncation |
  ts.NodeBuilderFlags.UseSingleQuotesForStringLiteralType |
  ts.NodeBuilderFlags.UseAliasDefinedOutsideCurrentScope |
  ts.NodeBuilderFlags.IgnoreErrors;
const FORMAT =
  ts.TypeFormatFlags.NoTruncation |
  ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType |
  ts.TypeFormatFlags.WriteClassExpressionAsTypeLiteral |
  ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;

/** Builds the report: { entries: [{ subpath, specifier, file, items: [{ name, kind, text }] }], forgotten } */
export function buildReport() {
  const entries = entryPoints();
  const program = createProgram(entries.map((e) => e.file));
  const checker = program.getTypeChecker();
  const problems = [];
  const referenced = new Map(); // name → Set of "subpath name" that mention it

  // The defaults of the package's own generic types: `SyncCollectionOptions<any>` and
  // `SyncCollectionOptions` are one type, which the checker prints either way depending on whether it
  // reuses a written type or builds one; a trailing argument equal to its default is dropped.
  const defaults = new Map();
  for (const f of program.getSourceFiles()) {
    if (program.isSourceFileDefaultLibrary(f) || program.isSourceFileFromExternalLibrary(f) || /[\\/]node_modules[\\/]/.test(f.fileName)) continue;
    for (const st of f.statements) {
      if (!(ts.isInterfaceDeclaration(st) || ts.isClassDeclaration(st) || ts.isTypeAliasDeclaration(st)) || !st.name || !st.typeParameters) continue;
      const these = st.typeParameters.map((p) => (p.default ? p.default.getText(f).replace(/\s+/g, ' ') : null));
      const seen = defaults.get(st.name.text);
      defaults.set(st.name.text, seen === undefined || JSON.stringify(seen) === JSON.stringify(these) ? these : []);
    }
  }

  for (const entry of entries) {
    const source = program.getSourceFile(join(root, entry.file));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`api-report: ${entry.file} is not a module`);
    // The checker's own diagnostics for the entry file: an export whose module or name does not
    // resolve would otherwise print as `any`.
    for (const d of program.getSemanticDiagnostics(source)) {
      problems.push(`${entry.file}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    }
    const mentions = new Set();
    const print = (fn) => {
      const text = fn();
      // `import("./client/sync-client").SyncClient` / `import("/…/src/x").Y` → the name alone, so the
      // report does not depend on which file declares a type; packages keep their specifier.
      return text.replace(/import\((["'])([^"']+)\1\)\.((?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*)/g, (all, _q, spec, name) => {
        if (!spec.startsWith('.') && !spec.startsWith('/') && !/^[A-Za-z]:/.test(spec)) return all.replace(/\/(?:dist|lib)\/[^"']*/, '');
        mentions.add(name.split('.')[0]);
        return name;
      });
    };
    // Printed through the node builder, so that the text can be normalised before it is printed: the
    // members of a union are sorted (the checker orders them by when it first met each literal, which
    // depends on unrelated code), and a type the checker would name through the file that declares it
    // (`import("./client/x").Y`) is named alone.
    const normalise = (built) => {
      const [out] = ts.transform(built, [
        (context) => {
          const visit = (n) => {
            if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
              const spec = n.argument.literal.text;
              if ((spec.startsWith('.') || spec.startsWith('/') || /^[A-Za-z]:/.test(spec)) && n.qualifier) {
                const first = ts.isIdentifier(n.qualifier) ? n.qualifier : n.qualifier.left;
                mentions.add(ts.idText(ts.isIdentifier(first) ? first : first.right));
                const args = n.typeArguments?.map((a) => ts.visitNode(a, visit));
                return n.isTypeOf ? ts.factory.createTypeQueryNode(n.qualifier, args) : ts.factory.createTypeReferenceNode(n.qualifier, args);
              }
            }
            if (ts.isTypeReferenceNode(n) || ts.isTypeQueryNode(n) || ts.isExpressionWithTypeArguments(n)) {
              let head = ts.isTypeReferenceNode(n) ? n.typeName : ts.isTypeQueryNode(n) ? n.exprName : n.expression;
              while (ts.isQualifiedName(head) || ts.isPropertyAccessExpression(head)) head = ts.isQualifiedName(head) ? head.left : head.expression;
              if (ts.isIdentifier(head)) mentions.add(ts.idText(head));
            }
            const visited = ts.visitEachChild(n, visit, context);
            if (ts.isTypeReferenceNode(visited) && ts.isIdentifier(visited.typeName) && visited.typeArguments?.length) {
              const own = defaults.get(ts.idText(visited.typeName)) ?? [];
              const args = [...visited.typeArguments];
              while (args.length && own[args.length - 1] != null && printNode(args[args.length - 1]) === own[args.length - 1]) args.pop();
              if (args.length < visited.typeArguments.length) {
                return ts.factory.updateTypeReferenceNode(visited, visited.typeName, args.length ? ts.factory.createNodeArray(args) : undefined);
              }
            }
            if (ts.isUnionTypeNode(visited)) {
              const keyed = visited.types.map((t) => [printNode(t), t]);
              keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
              return ts.factory.updateUnionTypeNode(visited, ts.factory.createNodeArray(keyed.map(([, t]) => t)));
            }
            return visited;
          };
          return (node) => ts.visitNode(node, visit);
        },
      ]).transformed;
      return out;
    };
    const printNode = (n) => printer.printNode(ts.EmitHint.Unspecified, n, source).replace(/;\s*$/, '');
    // A long type is printed over several lines, so that a change to it shows as the lines it changed.
    const LONG = 160;
    const typeText = (type, node, extra = 0) => {
      const once = (flags) => {
        const built = checker.typeToTypeNode(type, node, BUILD | extra | flags);
        return print(() => (built ? printNode(normalise(built)) : checker.typeToString(type, node, FORMAT)));
      };
      const text = once(0);
      return text.length > LONG ? once(ts.NodeBuilderFlags.MultilineObjectLiterals) : text;
    };
    const signatureText = (sig, node) => {
      const once = (flags) => {
        const built = checker.signatureToSignatureDeclaration(sig, ts.SyntaxKind.CallSignature, node, BUILD | flags);
        return print(() => (built ? printNode(normalise(built)) : checker.signatureToString(sig, node, FORMAT)));
      };
      const text = once(0);
      return text.length > LONG ? once(ts.NodeBuilderFlags.MultilineObjectLiterals) : text;
    };
    const typeParams = (decl) =>
      decl && decl.typeParameters?.length ? `<${decl.typeParameters.map((p) => print(() => p.getText())).join(', ')}>` : '';

    const memberLines = (type, node, { skipPrototype = false } = {}) => {
      const lines = [];
      for (const sig of checker.getSignaturesOfType(type, ts.SignatureKind.Call)) lines.push(signatureText(sig, node));
      for (const sig of checker.getSignaturesOfType(type, ts.SignatureKind.Construct)) lines.push(`new ${signatureText(sig, node)}`);
      for (const info of checker.getIndexInfosOfType(type)) {
        lines.push(`${info.isReadonly ? 'readonly ' : ''}[key: ${typeText(info.keyType, node)}]: ${typeText(info.type, node)}`);
      }
      const props = checker.getPropertiesOfType(type).filter((p) => {
        if (skipPrototype && p.name === 'prototype') return false;
        if (p.name.startsWith('__#')) return false; // #private
        // Members inherited from a library's type (Error's stack, …) are named by `extends` instead.
        if (p.declarations?.length && p.declarations.every(external)) return false;
        const decl = p.valueDeclaration ?? p.declarations?.[0];
        if (!decl) return true;
        if (decl.name && ts.isPrivateIdentifier(decl.name)) return false;
        const flags = ts.getCombinedModifierFlags(decl);
        return !(flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
      });
      const named = [];
      for (const p of props) {
        const decl = p.valueDeclaration ?? p.declarations?.[0];
        const propType = checker.getTypeOfSymbolAtLocation(p, node);
        const optional = p.flags & ts.SymbolFlags.Optional ? '?' : '';
        const flags = decl ? ts.getCombinedModifierFlags(decl) : 0;
        const isReadonly = flags & ts.ModifierFlags.Readonly || (p.flags & ts.SymbolFlags.GetAccessor && !(p.flags & ts.SymbolFlags.SetAccessor));
        const readonly = isReadonly ? 'readonly ' : '';
        const key = /^[A-Za-z_$][\w$]*$/.test(p.name) ? p.name : JSON.stringify(p.name);
        if (decl && (ts.isMethodSignature(decl) || ts.isMethodDeclaration(decl))) {
          for (const sig of checker.getSignaturesOfType(propType, ts.SignatureKind.Call)) named.push([p.name, `${key}${optional}${signatureText(sig, node)}`]);
        } else {
          let text = typeText(propType, node);
          // Under exactOptionalPropertyTypes an optional member's type carries no `| undefined` of its own.
          if (optional && !pkgOptions.exactOptionalPropertyTypes) text = text.replace(/ \| undefined$/, '');
          named.push([p.name, `${readonly}${key}${optional}: ${text}`]);
        }
      }
      named.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return [...lines, ...named.map(([, line]) => line)];
    };
    const external = (d) => {
      const f = d.getSourceFile();
      return program.isSourceFileDefaultLibrary(f) || program.isSourceFileFromExternalLibrary(f) || /[\\/]node_modules[\\/]/.test(f.fileName);
    };
    const externalBases = (type) =>
      (checker.getBaseTypes(type) ?? []).filter((b) => (b.symbol?.declarations ?? []).some(external)).map((b) => typeText(b, source));
    // A library generic on the right of a type alias (`Pick<ActorRefFrom<typeof m>, 'id' | …>`) is named
    // with its arguments: the checker would expand it into the library's whole type.
    const aliasText = (typeNode) => {
      if (ts.isTypeReferenceNode(typeNode) && typeNode.typeArguments?.length) {
        let target = checker.getSymbolAtLocation(ts.isIdentifier(typeNode.typeName) ? typeNode.typeName : typeNode.typeName.right);
        if (target && target.flags & ts.SymbolFlags.Alias) target = checker.getAliasedSymbol(target);
        if (target?.declarations?.length && target.declarations.every(external)) {
          const typeName = ts.isIdentifier(typeNode.typeName) ? target.name : typeNode.typeName.getText();
          mentions.add(typeName.split('.')[0]);
          return `${typeName}<${typeNode.typeArguments.map(aliasText).join(', ')}>`;
        }
      }
      if (ts.isTypeQueryNode(typeNode) && !typeNode.typeArguments) {
        const text = typeNode.exprName.getText();
        mentions.add(text.split('.')[0]);
        return `typeof ${text}`;
      }
      return typeText(checker.getTypeFromTypeNode(typeNode), source);
    };
    const block = (header, lines) =>
      lines.length ? `${header} {\n${lines.map((l) => `  ${l.replace(/\n/g, '\n  ')};`).join('\n')}\n}` : `${header} {}`;

    const items = [];
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const name = exported.name;
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!symbol.declarations?.length) {
        problems.push(`${entry.file}: ${name} does not resolve to a declaration`);
        continue;
      }
      const decls = symbol.declarations;
      const node = source;
      const parts = [];
      const kinds = [];
      const flags = symbol.flags;
      mentions.clear();
      if (flags & ts.SymbolFlags.Class) {
        kinds.push('class');
        const decl = decls.find(ts.isClassDeclaration);
        const instance = checker.getDeclaredTypeOfSymbol(symbol);
        const bases = externalBases(instance);
        const staticType = checker.getTypeOfSymbolAtLocation(symbol, node);
        const statics = memberLines(staticType, node, { skipPrototype: true }).map((l) => (l.startsWith('new ') ? `constructor${l.slice(4)}` : `static ${l}`));
        const header = `${decl && ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Abstract ? 'abstract ' : ''}class ${name}${typeParams(decl)}${bases.length ? ` extends ${bases.join(', ')}` : ''}`;
        parts.push(block(header, [...statics, ...memberLines(instance, node)]));
      } else if (flags & ts.SymbolFlags.Function) {
        kinds.push('function');
        const type = checker.getTypeOfSymbolAtLocation(symbol, node);
        for (const sig of checker.getSignaturesOfType(type, ts.SignatureKind.Call)) parts.push(`function ${name}${signatureText(sig, node)}`);
      } else if (flags & ts.SymbolFlags.Variable) {
        const decl = decls.find(ts.isVariableDeclaration);
        const isConst = decl && ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const;
        kinds.push(isConst ? 'const' : 'let');
        parts.push(`${isConst ? 'const' : 'let'} ${name}: ${typeText(checker.getTypeOfSymbolAtLocation(symbol, node), node)}`);
      } else if (flags & ts.SymbolFlags.Enum) {
        kinds.push('enum');
        const members = checker.getExportsOfModule(symbol).map((m) => `${m.name} = ${JSON.stringify(checker.getConstantValue(m.valueDeclaration))}`);
        parts.push(block(`enum ${name}`, members));
      }
      if (flags & ts.SymbolFlags.Interface) {
        kinds.push('interface');
        const decl = decls.find(ts.isInterfaceDeclaration);
        const declared = checker.getDeclaredTypeOfSymbol(symbol);
        const bases = externalBases(declared);
        parts.push(block(`interface ${name}${typeParams(decl)}${bases.length ? ` extends ${bases.join(', ')}` : ''}`, memberLines(declared, node)));
      }
      if (flags & ts.SymbolFlags.TypeAlias) {
        kinds.push('type');
        const decl = decls.find(ts.isTypeAliasDeclaration);
        const type = checker.getDeclaredTypeOfSymbol(symbol);
        // The right-hand side as the checker names it (`Pick<…>` stays `Pick<…>`), expanded one level
        // only when that would just repeat the alias's own name.
        let rhs = decl?.type ? aliasText(decl.type) : '';
        if (!rhs || rhs === name || rhs.startsWith(`${name}<`)) rhs = typeText(type, node, ts.NodeBuilderFlags.InTypeAlias);
        parts.push(`type ${name}${typeParams(decl)} = ${rhs}`);
      }
      if (!kinds.length) {
        kinds.push('other');
        parts.push(`${name}: ${typeText(checker.getTypeOfSymbolAtLocation(symbol, node), node)}`);
      }
      for (const m of mentions) if (m !== name) (referenced.get(m) ?? referenced.set(m, new Set()).get(m)).add(`${entry.specifier} ${name}`);
      // `export type { SyncClient }`: the class's type is public, its constructor and `instanceof` are not.
      const spec = exported.declarations?.find(ts.isExportSpecifier);
      const typeOnly = spec && (spec.isTypeOnly || spec.parent.parent.isTypeOnly) && symbol.flags & ts.SymbolFlags.Value;
      items.push({ name, kind: `${kinds.join(' + ')}${typeOnly ? ', type only' : ''}`, text: parts.join('\n') });
    }
    items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    entry.items = items;
  }
  const exportedEverywhere = new Set(entries.flatMap((e) => e.items.map((i) => i.name)));
  // Names declared at the top level of the package's own files: a mention of one that no entry point
  // exports is a type users meet but cannot import.
  const ours = new Set();
  for (const f of program.getSourceFiles()) {
    if (program.isSourceFileDefaultLibrary(f) || program.isSourceFileFromExternalLibrary(f) || /[\\/]node_modules[\\/]/.test(f.fileName)) continue;
    for (const st of f.statements) {
      if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) ts.isIdentifier(d.name) && ours.add(d.name.text);
      else if (st.name && ts.isIdentifier(st.name)) ours.add(st.name.text);
    }
  }
  const forgotten = [...referenced]
    .filter(([name]) => ours.has(name) && !exportedEverywhere.has(name))
    .map(([name, by]) => ({ name, by: [...by].sort() }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return { entries, forgotten, problems };
}

const pkgOptions = (() => {
  try {
    return ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })?.options ?? {};
  } catch {
    return {};
  }
})();

/** The report as Markdown: one section per entry point, one block per name. */
export function renderReport({ entries, forgotten }) {
  const out = [
    `# API report: ${pkg.name}`,
    '',
    '<!-- Written by scripts/api-report.mjs (`npm run api:update`); do not edit by hand. -->',
    '',
    'The public surface: every name each entry point exports, with its kind and its declaration as the',
    'TypeScript checker prints it. `npm test` fails when the sources differ from this file; record an',
    'intended change with `npm run api:update` and commit this file with it.',
    '',
    ...entries.map((e) => `- \`${e.specifier}\` (${e.file}): ${e.items.length} names (${e.items.filter((i) => /class|function|const|let|enum/.test(i.kind) && !/type only/.test(i.kind)).length} values)`),
  ];
  for (const entry of entries) {
    out.push('', `## \`${entry.specifier}\``, '');
    for (const item of entry.items) out.push(`### \`${item.name}\` (${item.kind})`, '', '```ts', item.text, '```', '');
    out.pop();
  }
  out.push('', '## Referenced but not exported', '');
  if (forgotten.length === 0) out.push('None: every type a public declaration mentions is exported by an entry point.');
  else {
    out.push('Types that public declarations mention but no entry point exports (users cannot name them):', '');
    for (const f of forgotten) out.push(`- \`${f.name}\`: in ${f.by.map((b) => `\`${b}\``).join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

/** "specifier name" → block text, from a rendered report. */
function parseReport(text) {
  const blocks = new Map();
  let section = null;
  const re = /^## `([^`]+)`$|^### `([^`]+)` \(([^)]+)\)\n\n```ts\n([\s\S]*?)\n```$|^## Referenced but not exported\n\n([\s\S]*)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1]) section = m[1];
    else if (m[2]) blocks.set(`${section} ${m[2]}`, `(${m[3]})\n${m[4]}`);
    else if (m[5] !== undefined) blocks.set('(referenced but not exported)', m[5].trim());
  }
  return blocks;
}

/** Differences between the stored report and the sources, as readable lines (empty: identical). */
export function compareReport(storedText, currentText) {
  if (storedText === currentText) return [];
  const stored = parseReport(storedText);
  const current = parseReport(currentText);
  const lines = [];
  for (const [key, text] of current) if (!stored.has(key)) lines.push(`+ added    ${key}`, ...indent(text, '+'));
  for (const [key, text] of stored) if (!current.has(key)) lines.push(`- removed  ${key}`, ...indent(text, '-'));
  for (const [key, text] of current) {
    const before = stored.get(key);
    if (before === undefined || before === text) continue;
    lines.push(`~ changed  ${key}`, ...lineDiff(before, text));
  }
  if (lines.length === 0) lines.push('the report differs in its wording only (header, counts or layout)');
  return lines;
}

const indent = (text, mark) => text.split('\n').map((l) => `    ${mark} ${l}`);
function lineDiff(before, after) {
  const a = before.split('\n');
  const b = after.split('\n');
  const inB = new Set(b);
  const inA = new Set(a);
  return [...a.filter((l) => !inB.has(l)).map((l) => `    - ${l}`), ...b.filter((l) => !inA.has(l)).map((l) => `    + ${l}`)];
}

function main() {
  const update = process.argv.includes('--update');
  const report = buildReport();
  if (report.problems.length) {
    console.error(`api-report: the entry points do not type-check, so their surface cannot be read:\n${report.problems.map((p) => `  ${p}`).join('\n')}`);
    process.exit(2);
  }
  const text = renderReport(report);
  const file = join(root, REPORT);
  const counts = report.entries.map((e) => `${e.specifier} ${e.items.length}`).join(', ');
  if (update) {
    mkdirSync(dirname(file), { recursive: true });
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
    writeFileSync(file, text);
    console.log(`api-report: ${before === text ? 'unchanged' : 'wrote'} ${relative(root, file)} (${counts})`);
    return;
  }
  if (!existsSync(file)) {
    console.error(`api-report: ${REPORT} is missing; run \`npm run api:update\` and commit it.`);
    process.exit(1);
  }
  const differences = compareReport(readFileSync(file, 'utf8'), text);
  if (differences.length === 0) {
    console.log(`api-report: the public surface matches ${REPORT} (${counts})`);
    return;
  }
  console.error(
    [
      `api-report: the public surface differs from ${REPORT}:`,
      ...differences.map((l) => `  ${l}`),
      '',
      `If the change is intended, run \`npm run api:update\` and commit ${REPORT} with it;`,
      'otherwise undo the change to the exports (src/index.ts, src/advanced.ts, machines/index.ts) or to the types they name.',
    ].join('\n'),
  );
  process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
