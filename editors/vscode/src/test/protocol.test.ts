/**
 * Drives the real `parsercraft-ls serve` over stdio with vscode-jsonrpc (the library VS Code's
 * language client is built on), sending exactly what the extension sends: package.json's
 * defaults as initializationOptions, the filtered section for `workspace/configuration`, pushed
 * settings, and `workspace/executeCommand` with one object argument.
 */
import './vscode-stub';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  createMessageConnection,
  MessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { renderAudit, renderHealth } from '../report';
import { didChangeConfigurationParams, initializationOptions, SettingsReader, wireSettings } from '../settings';
import { isStatusPayload, renderStatus, StatusPayload } from '../status';
import { EXAMPLES_DIR, PACKAGE_DIR, SERVER } from './paths';

interface Note {
  method: string;
  params: unknown;
}

type Json = Record<string, unknown>;

const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};

/** What `workspace.getConfiguration('parsercraft')` returns with nothing set, plus `extra`. */
function settings(extra: Json = {}): SettingsReader {
  const values: Json = {};
  for (const [key, schema] of Object.entries(manifest.contributes.configuration.properties)) {
    values[key.replace(/^parsercraft\./, '')] = schema.default;
  }
  Object.assign(values, extra);
  return { get: <T>(key: string): T | undefined => values[key] as T | undefined };
}

class Session {
  readonly notes: Note[] = [];
  readonly configurationRequests: unknown[] = [];
  private readonly waiters: Array<() => void> = [];
  stderr = '';
  current: SettingsReader = settings();

  constructor(
    readonly proc: ChildProcess,
    readonly rpc: MessageConnection,
  ) {
    proc.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    rpc.onNotification((method: string, params: unknown) => {
      this.notes.push({ method, params });
      this.waiters.splice(0).forEach((wake) => wake());
    });
    rpc.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => {
      this.configurationRequests.push(params);
      return params.items.map((item) => (item.section === 'parsercraft' ? wireSettings(this.current) : null));
    });
    rpc.onRequest('client/registerCapability', () => null);
    rpc.onRequest('window/workDoneProgress/create', () => null);
    rpc.listen();
  }

  /** The first notification (from index `from`) matching `match`; waits for it. */
  async waitFor(match: (note: Note) => boolean, what: string, from = 0, timeoutMs = 20_000): Promise<Note> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.notes.slice(from).find(match);
      if (found !== undefined) {
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.notes.map((n) => n.method))}\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  execute(command: string, params?: Json): Promise<unknown> {
    return this.rpc.sendRequest('workspace/executeCommand', { command, arguments: params === undefined ? [] : [params] });
  }
}

function statusOf(note: Note): StatusPayload | undefined {
  return note.method === 'parsercraft/status' && isStatusPayload(note.params) ? note.params : undefined;
}

describe('protocol: the real server driven like the extension', { timeout: 120_000 }, () => {
  let session: Session;
  const brokenPath = path.join(EXAMPLES_DIR, 'src', 'broken.pas');
  const broken = pathToFileURL(brokenPath).href;
  const helloPath = path.join(EXAMPLES_DIR, 'src', 'hello.pas');
  const hello = pathToFileURL(helloPath).href;

  before(() => {
    assert.ok(fs.existsSync(SERVER), `parsercraft-ls not found at ${SERVER} (set PARSERCRAFT_LS or run make venv)`);
    const proc = spawn(SERVER, ['serve'], { cwd: EXAMPLES_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
    const rpc = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    session = new Session(proc, rpc);
  });

  after(() => {
    session.rpc.dispose();
    if (session.proc.exitCode === null) {
      session.proc.kill('SIGKILL');
    }
  });

  it('initializes with package.json defaults and lists every server command', async () => {
    const root = pathToFileURL(EXAMPLES_DIR).href;
    const result = (await session.rpc.sendRequest('initialize', {
      processId: process.pid,
      rootUri: root,
      workspaceFolders: [{ uri: root, name: 'examples' }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false } },
        textDocument: { publishDiagnostics: {}, completion: { completionItem: { snippetSupport: true } } },
      },
      initializationOptions: initializationOptions(session.current),
    })) as { capabilities: { executeCommandProvider?: { commands: string[] } } };
    assert.deepEqual(result.capabilities.executeCommandProvider?.commands.slice().sort(), [
      'parsercraft.audit',
      'parsercraft.documentText',
      'parsercraft.health',
      'parsercraft.metrics',
      'parsercraft.reloadConfiguration',
      'parsercraft.resetBreaker',
      'parsercraft.runbook',
    ]);
    await session.rpc.sendNotification('initialized', {});
  });

  it('sends a healthy parsercraft/status after initialized', async () => {
    const note = await session.waitFor((n) => statusOf(n) !== undefined, 'parsercraft/status');
    const status = statusOf(note)!;
    assert.equal(status.health, 'ok', JSON.stringify(status));
    assert.equal(renderStatus(status).text, '$(check) ParserCraft');
  });

  it('is answered its workspace/configuration pull with the server keys only, and reports no configuration errors', async () => {
    const start = Date.now();
    while (session.configurationRequests.length === 0 && Date.now() - start < 5000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(session.configurationRequests.length, 1);
    assert.deepEqual(
      Object.keys(wireSettings(session.current)).sort(),
      ['auditFile', 'chaos', 'diagnosticsDelayMs', 'indentWidth', 'languages', 'maxDocumentMb', 'memoryLimitMb', 'policies', 'workers'],
    );
    const health = (await session.execute('parsercraft.health')) as Json;
    assert.deepEqual(health.configErrors, []);
    assert.ok(!session.notes.some((n) => n.method === 'window/showMessage'), 'no warning was shown');
  });

  it('publishes diagnostics for a file with errors', async () => {
    await session.rpc.sendNotification('textDocument/didOpen', {
      textDocument: { uri: broken, languageId: 'pascal', version: 1, text: fs.readFileSync(brokenPath, 'utf8') },
    });
    const note = await session.waitFor(
      (n) => n.method === 'textDocument/publishDiagnostics' && (n.params as Json).uri === broken,
      'diagnostics of broken.pas',
    );
    const diagnostics = (note.params as { diagnostics: { message: string; source: string }[] }).diagnostics;
    assert.ok(diagnostics.length >= 3, JSON.stringify(diagnostics));
    assert.ok(diagnostics.some((d) => d.message === "undefined name 'missing'"), JSON.stringify(diagnostics));
    assert.ok(diagnostics.every((d) => d.source === 'parsercraft'));
  });

  it('parsercraft.health renders as a report', async () => {
    const md = renderHealth(await session.execute('parsercraft.health'));
    assert.match(md, /^# parsercraft-ls health: ✅ healthy/);
    assert.match(md, /\| completion \| closed \|/);
  });

  it('pushed chaos degrades completion and the status bar names it', async () => {
    await session.rpc.sendNotification('textDocument/didOpen', {
      textDocument: { uri: hello, languageId: 'pascal', version: 1, text: fs.readFileSync(helloPath, 'utf8') },
    });
    const from = session.notes.length;
    session.current = settings({ chaos: { completion: { failureRate: 1.0 } } });
    await session.rpc.sendNotification('workspace/didChangeConfiguration', didChangeConfigurationParams(session.current));
    const list = (await session.rpc.sendRequest('textDocument/completion', {
      textDocument: { uri: hello },
      position: { line: 14, character: 2 },
    })) as { isIncomplete: boolean; items: { label: string }[] };
    assert.equal(list.isIncomplete, true, 'a degraded completion is marked incomplete');
    assert.ok(list.items.some((i) => i.label === 'BEGIN'), 'degraded completion still offers keywords');
    const note = await session.waitFor((n) => (statusOf(n)?.degraded ?? []).includes('completion'), 'a degraded status', from);
    const view = renderStatus(statusOf(note)!);
    assert.notEqual(view.level, 'ok');
    assert.match(view.text, /ParserCraft: .*completion/);
    const audit = renderAudit(await session.execute('parsercraft.audit', { feature: 'completion' }));
    assert.match(audit, /\| chaos \| completion \|/);
  });

  it('resetBreaker and runbook take one object argument; a bad one is InvalidParams', async () => {
    assert.deepEqual(await session.execute('parsercraft.resetBreaker', { feature: 'completion' }), {
      feature: 'completion',
      breaker: 'closed',
    });
    const runbook = (await session.execute('parsercraft.runbook', { topic: 'breaker-open' })) as Json;
    assert.match(String(runbook.markdown), /breaker/i);
    await assert.rejects(session.execute('parsercraft.resetBreaker', { feature: 'nope' }), (error: unknown) => {
      assert.ok(error instanceof ResponseError);
      assert.equal(error.code, -32602);
      assert.match(error.message, /unknown feature 'nope'/);
      return true;
    });
  });

  it('shuts down and exits with code 0', async () => {
    const exited = new Promise<number | null>((resolve) => session.proc.once('exit', (code) => resolve(code)));
    await session.rpc.sendRequest('shutdown');
    await session.rpc.sendNotification('exit');
    assert.equal(await exited, 0);
  });
});
