// The one command list (src/extension/commands.ts) against package.json, both ways: every command in
// code is contributed with its title, category and icon, every contributed command is in code and
// registered by a handler, palette visibility matches, and every id that package.json's menus,
// `when` clauses and welcome views name exists in code.
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMAND_CATEGORY,
  COMMAND_LIST,
  COMMANDS,
  CONTEXT_KEYS,
  SETTINGS,
  TREE_ITEM_CONTEXTS,
  VIEW_IDS,
} from '../../src/extension/commands';

const root = path.resolve(__dirname, '..', '..');
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributes = packageJson.contributes;

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
  icon?: string;
}
interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}

const contributed: ContributedCommand[] = contributes.commands;
const menus: Record<string, MenuEntry[]> = contributes.menus;
const palette: MenuEntry[] = menus.commandPalette;

function sourceFiles(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every `when` clause of package.json: menus, views, welcome views. */
function whenClauses(): string[] {
  const clauses: string[] = [];
  for (const entries of Object.values(menus)) for (const entry of entries) if (entry.when) clauses.push(entry.when);
  for (const views of Object.values(contributes.views as Record<string, { when?: string }[]>)) for (const view of views) if (view.when) clauses.push(view.when);
  for (const welcome of contributes.viewsWelcome as { when?: string }[]) if (welcome.when) clauses.push(welcome.when);
  return clauses;
}

describe('command ids: code and package.json', () => {
  it('every command in code is contributed with its title, category and icon', () => {
    for (const command of COMMAND_LIST) {
      const found = contributed.find((candidate) => candidate.command === command.id);
      assert.ok(found, `${command.id} is not in package.json contributes.commands`);
      assert.equal(found.title, command.title, `title of ${command.id}`);
      assert.equal(found.category, COMMAND_CATEGORY, `category of ${command.id}`);
      assert.equal(found.icon, command.icon, `icon of ${command.id}`);
    }
  });

  it('every contributed command is in code, once', () => {
    const ids = new Set(COMMAND_LIST.map((command) => command.id));
    for (const command of contributed) assert.ok(ids.has(command.command), `${command.command} is contributed but not in src/extension/commands.ts`);
    assert.equal(new Set(contributed.map((command) => command.command)).size, contributed.length, 'a command is contributed twice');
    assert.equal(ids.size, COMMAND_LIST.length, 'two commands share an id');
  });

  it('every command id has the grokkingLab prefix and a Title Case title', () => {
    for (const command of COMMAND_LIST) {
      assert.match(command.id, /^grokkingLab\.[a-z][A-Za-z]+$/);
      for (const word of command.title.split(/[\s/]+/)) assert.match(word, /^[A-Z(-]|^[a-z]{1,3}$/, `"${word}" in "${command.title}"`);
    }
  });

  it('palette visibility matches: hidden or conditional commands have their commandPalette entry, the others none', () => {
    for (const command of COMMAND_LIST) {
      const entries = palette.filter((entry) => entry.command === command.id);
      if (command.paletteWhen === undefined) assert.equal(entries.length, 0, `${command.id} should be listed in the palette without condition`);
      else assert.deepEqual(entries.map((entry) => entry.when), [command.paletteWhen], `palette when of ${command.id}`);
    }
    for (const entry of palette) assert.ok(COMMAND_LIST.some((command) => command.id === entry.command), `commandPalette names unknown ${entry.command}`);
  });

  it('the product names of docs/product.md §2.1 are the titles of the palette commands', () => {
    const titles = new Set(COMMAND_LIST.map((command) => command.title));
    for (const title of [
      'Run Grokking Experiment',
      'Stop Run',
      'Stop All Runs',
      'Open Dashboard',
      'Show Run Logs',
      'Reveal Run Folder',
      'Export Run (CSV/JSON)',
      'Compare Runs',
      'New Experiment File',
      'Re-run Missing Seeds',
    ]) {
      assert.ok(titles.has(title), `no command titled "${title}"`);
    }
    assert.equal(COMMAND_CATEGORY, 'Grokking Lab');
    assert.equal(packageJson.displayName, 'Grokking Lab');
  });

  it('every command is registered by a handler in src/extension, and nothing else is', () => {
    const registered = new Set<string>();
    for (const file of sourceFiles(path.join(root, 'src', 'extension'))) {
      for (const match of fs.readFileSync(file, 'utf8').matchAll(/registerCommand\(\s*\w+,\s*'(\w+)'/g)) registered.add(match[1]);
    }
    assert.deepEqual([...registered].sort(), Object.keys(COMMANDS).sort());
  });

  it('menus and welcome views name only known commands', () => {
    const known = new Set(COMMAND_LIST.map((command) => command.id));
    for (const [menu, entries] of Object.entries(menus)) {
      for (const entry of entries) assert.ok(known.has(entry.command), `${menu} names unknown ${entry.command}`);
    }
    for (const welcome of contributes.viewsWelcome as { contents: string }[]) {
      for (const match of welcome.contents.matchAll(/\(command:([\w.]+)\)/g)) {
        assert.ok(known.has(match[1]) || match[1].startsWith('vscode.') || match[1].startsWith('workbench.'), `welcome view links unknown ${match[1]}`);
      }
    }
  });

  it('views, the container and settings match their ids in code', () => {
    assert.deepEqual(contributes.viewsContainers.activitybar.map((container: { id: string; title: string }) => [container.id, container.title]), [[VIEW_IDS.container, 'Grokking Lab']]);
    assert.deepEqual(
      contributes.views[VIEW_IDS.container].map((view: { id: string; name: string }) => [view.id, view.name]),
      [
        [VIEW_IDS.experiments, 'Experiments'],
        [VIEW_IDS.runs, 'Runs'],
      ],
    );
    assert.deepEqual(Object.keys(contributes.configuration.properties).sort(), Object.values(SETTINGS).sort());
    assert.equal(contributes.configuration.properties[SETTINGS.runsFolder].default, '.grokking-lab/runs');
    assert.equal(contributes.configuration.properties[SETTINGS.maxConcurrentSeeds].default, 0);
    assert.deepEqual(contributes.configuration.properties[SETTINGS.engine].enum, ['wasm', 'tfjs']);
    assert.equal(contributes.configuration.properties[SETTINGS.detectorNotifications].type, 'boolean');
    assert.equal(contributes.configuration.properties[SETTINGS.openDashboardOnRun].default, true);
  });

  it('when clauses use only context keys and tree item values the code sets', () => {
    const keys = new Set<string>(Object.values(CONTEXT_KEYS));
    const viewIds = new Set<string>(Object.values(VIEW_IDS));
    const itemValues: string[] = Object.values(TREE_ITEM_CONTEXTS);
    for (const clause of whenClauses()) {
      for (const match of clause.matchAll(/\bgrokkingLab\.\w+/g)) {
        assert.ok(keys.has(match[0]) || viewIds.has(match[0]), `"${clause}" uses ${match[0]}, which is neither a context key nor a view`);
      }
      for (const match of clause.matchAll(/viewItem == ([\w.]+)/g)) assert.ok(itemValues.includes(match[1]), `"${clause}": no tree item has contextValue ${match[1]}`);
      for (const match of clause.matchAll(/viewItem =~ \/(.+?)\/(?=\s|$)/g)) {
        const pattern = new RegExp(match[1]);
        assert.ok(itemValues.some((value) => pattern.test(value)), `"${clause}": no tree item value matches /${match[1]}/`);
      }
    }
  });

  it('activation, entry point, trust and YAML schema are declared', () => {
    assert.equal(packageJson.main, './dist/extension.js');
    assert.ok(packageJson.activationEvents.includes('workspaceContains:**/*.grok.yaml'));
    assert.equal(packageJson.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.deepEqual(contributes.yamlValidation, [{ fileMatch: '*.grok.yaml', url: './schemas/grok.schema.json' }]);
    assert.ok(fs.existsSync(path.join(root, 'schemas', 'grok.schema.json')));
    assert.ok(fs.existsSync(path.join(root, contributes.viewsContainers.activitybar[0].icon)));
  });
});
