import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  documentSelector,
  extensionsFromToml,
  initializationOptions,
  didChangeConfigurationParams,
  resolveServerCommand,
  SERVER_SETTINGS,
  SettingsReader,
  wireSettings,
} from '../settings';
import { EXAMPLES_DIR, PACKAGE_DIR } from './paths';

interface Contributes {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, { default?: unknown; description?: string; markdownDescription?: string }> };
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as Contributes;
const properties = manifest.contributes.configuration.properties;

/** A reader over a flat `{key: value}` table, like `WorkspaceConfiguration.get`. */
function reader(values: Record<string, unknown>): SettingsReader {
  return { get: <T>(key: string): T | undefined => values[key] as T | undefined };
}

/** The `parsercraft.*` defaults declared in package.json, keyed without the prefix. */
export function manifestDefaults(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    out[key.replace(/^parsercraft\./, '')] = schema.default;
  }
  return out;
}

describe('package.json', () => {
  it('contributes every server setting, the server path and trace.server, each described', () => {
    const expected = [...SERVER_SETTINGS.map((k) => `parsercraft.${k}`), 'parsercraft.server.path', 'parsercraft.trace.server'];
    assert.deepEqual(Object.keys(properties).sort(), expected.sort());
    for (const [key, schema] of Object.entries(properties)) {
      assert.ok((schema.description ?? schema.markdownDescription ?? '').length > 20, `${key} has a description`);
      assert.ok('default' in schema, `${key} has a default`);
    }
  });

  it('declares the server defaults of server/settings.py', () => {
    const defaults = manifestDefaults();
    assert.deepEqual(wireSettings(reader(defaults)), {
      languages: [],
      indentWidth: 4,
      diagnosticsDelayMs: 150,
      policies: {},
      chaos: {},
      workers: 2,
      maxDocumentMb: 32,
      auditFile: null,
      memoryLimitMb: 2048,
    });
  });

  it('contributes the five commands and activates on each', () => {
    const commands = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(commands, [
      'parsercraft.resetBreaker',
      'parsercraft.restartServer',
      'parsercraft.showAudit',
      'parsercraft.showHealth',
      'parsercraft.showRunbook',
    ]);
    for (const command of commands) {
      assert.ok(manifest.activationEvents.includes(`onCommand:${command}`), command);
    }
    assert.ok(manifest.activationEvents.includes('workspaceContains:**/parsercraft.toml'));
  });
});

describe('settings on the wire', () => {
  const values = { ...manifestDefaults(), indentWidth: 2, chaos: { completion: { failureRate: 1 } } };

  it('initializationOptions nest the server keys under "parsercraft" and drop client keys', () => {
    const options = initializationOptions(reader(values));
    assert.deepEqual(Object.keys(options), ['parsercraft']);
    assert.deepEqual(Object.keys(options.parsercraft).sort(), [...SERVER_SETTINGS].sort());
    assert.equal(options.parsercraft.indentWidth, 2);
    assert.deepEqual(options.parsercraft.chaos, { completion: { failureRate: 1 } });
    assert.ok(!('server' in options.parsercraft) && !('trace' in options.parsercraft));
  });

  it('didChangeConfiguration pushes the same whole section', () => {
    assert.deepEqual(didChangeConfigurationParams(reader(values)), {
      settings: initializationOptions(reader(values)),
    });
  });

  it('keys a reader does not know are left out rather than sent as undefined', () => {
    assert.deepEqual(wireSettings(reader({ workers: 3 })), { workers: 3 });
  });
});

describe('mapped files', () => {
  it('reads the extensions of the example parsercraft.toml', () => {
    const text = fs.readFileSync(path.join(EXAMPLES_DIR, 'parsercraft.toml'), 'utf8');
    assert.deepEqual(extensionsFromToml(text), ['.pas', '.pyl', '.bas', '.lsp', '.calc']);
  });

  it('adds the missing dot and accepts single quotes and several entries', () => {
    const text = "[[language]]\nname='x'\nextensions = ['x1', \".X2\"]  # two\n# extensions = [\".no\"]\n";
    assert.deepEqual(extensionsFromToml(text), ['.x1', '.X2']);
  });

  it('selects both cases of each extension, plus the languages setting', () => {
    const selector = documentSelector(['.pas'], [{ name: 'l', config: 'preset:x', extensions: ['.tch'], globs: ['lessons/*.txt'] }]);
    assert.deepEqual(
      selector.map((f) => f.pattern),
      ['**/*.PAS', '**/*.TCH', '**/*.pas', '**/*.tch', '**/lessons/*.txt'],
    );
    assert.ok(selector.every((f) => f.scheme === 'file'));
  });

  it('ignores a malformed languages setting', () => {
    assert.deepEqual(documentSelector([], 'nonsense'), []);
    assert.deepEqual(documentSelector([], [null, { extensions: 5 }]), []);
  });
});

describe('server executable', () => {
  const none = (): boolean => false;

  it('uses the setting, relative to the first workspace folder', () => {
    assert.deepEqual(resolveServerCommand('tools/pcls', ['/ws'], none, 'linux'), {
      command: '/ws/tools/pcls',
      args: ['serve'],
      source: 'setting',
    });
    assert.equal(resolveServerCommand('/opt/pcls', ['/ws'], none, 'linux').command, '/opt/pcls');
    assert.equal(resolveServerCommand('pcls', ['/ws'], none, 'linux').command, 'pcls');
  });

  it('prefers a workspace .venv, else PATH', () => {
    const exists = (file: string): boolean => file === '/b/.venv/bin/parsercraft-ls';
    assert.deepEqual(resolveServerCommand('', ['/a', '/b'], exists, 'linux'), {
      command: '/b/.venv/bin/parsercraft-ls',
      args: ['serve'],
      source: 'workspace .venv',
    });
    assert.deepEqual(resolveServerCommand(undefined, ['/a'], none, 'linux'), {
      command: 'parsercraft-ls',
      args: ['serve'],
      source: 'PATH',
    });
  });
});
