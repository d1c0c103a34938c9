/**
 * Starts `parsercraft-ls serve` through vscode-languageclient, passes settings, forwards the
 * status notification, restarts a crashed server with backoff, and runs server commands.
 */
import * as fs from 'fs';
import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  ConfigurationParams,
  DidChangeConfigurationNotification,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { describe } from './log';
import { RestartPolicy } from './restart';
import {
  didChangeConfigurationParams,
  documentSelector,
  extensionsFromToml,
  initializationOptions,
  resolveServerCommand,
  ServerCommand,
  SERVER_SETTINGS,
  wireSettings,
} from './settings';
import { STATUS_METHOD, StatusBar } from './status';

const SECTION = 'parsercraft';
const PROJECT_GLOB = '**/parsercraft.toml';
const EXCLUDE_GLOB = '**/{node_modules,.venv,.git}/**';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The language client and its lifecycle. */
export class ParserCraftClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private server: ServerCommand | undefined;
  private selectorKey = '';
  private readonly policy = new RestartPolicy();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly status: StatusBar,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => void this.onConfigurationChanged(e)),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(PROJECT_GLOB);
    const reselect = (): void => void this.onProjectChanged();
    this.disposables.push(
      watcher,
      watcher.onDidCreate(reselect),
      watcher.onDidChange(reselect),
      watcher.onDidDelete(reselect),
    );
  }

  /** Start the server (no-op when running). */
  async start(): Promise<void> {
    if (this.client !== undefined) {
      return;
    }
    const config = vscode.workspace.getConfiguration(SECTION);
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const server = resolveServerCommand(config.get<string>('server.path'), folders, fs.existsSync);
    const selector = documentSelector(await this.projectExtensions(), config.get('languages'));
    this.server = server;
    this.selectorKey = JSON.stringify(selector);
    this.log.info(`starting ${server.command} ${server.args.join(' ')} (from ${server.source})`);
    this.log.info(`files: ${selector.map((f) => f.pattern).join(', ') || '(none mapped yet)'}`);
    const serverOptions: ServerOptions = {
      command: server.command,
      args: server.args,
      options: folders[0] === undefined ? {} : { cwd: folders[0] },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: selector,
      outputChannel: this.log,
      initializationOptions: () => initializationOptions(vscode.workspace.getConfiguration(SECTION)),
      errorHandler: this.errorHandler(),
      // The language configs a project points at; the server reloads them when they change.
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher('**/{parsercraft.toml,*.yaml,*.yml}'),
      },
      middleware: {
        workspace: {
          // The server validates the whole section and reports unknown keys, so answer its
          // pull with the server's keys only (not `server.path` or `trace.server`).
          configuration: (params, token, next) => this.configuration(params, token, next),
        },
      },
    };
    const client = new LanguageClient('parsercraft', 'ParserCraft', serverOptions, clientOptions);
    client.onNotification(STATUS_METHOD, (payload: unknown) => this.status.update(payload));
    client.onDidChangeState((e) => {
      if (e.newState === State.Starting) {
        this.status.setClientState('starting');
      }
    });
    this.client = client;
    this.status.setClientState('starting');
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      const hint =
        server.source === 'PATH'
          ? 'Install it (pip install parsercraft-ls) or set "parsercraft.server.path".'
          : 'Check "parsercraft.server.path" and run it with `serve` in a terminal to see why.';
      const message = `Could not start ${server.command}: ${describe(error)}. ${hint}`;
      this.log.error(message);
      this.status.setClientState('failed', message);
      void vscode.window.showErrorMessage(message, 'Show Output').then((choice) => {
        if (choice === 'Show Output') {
          this.log.show();
        }
      });
    }
  }

  /** Stop the server (no-op when stopped). */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) {
      return;
    }
    try {
      if (client.isRunning()) {
        await client.stop(5000);
      }
    } catch (error) {
      this.log.warn(`stopping the server: ${describe(error)}`);
    }
    await client.dispose().catch(() => undefined);
    this.status.setClientState('stopped');
  }

  /** Stop and start again, forgetting past crashes (the user asked for it). */
  async restart(): Promise<void> {
    this.policy.reset();
    await this.stop();
    await this.start();
  }

  /** Run a server command through `workspace/executeCommand`; `params` is its one argument. */
  async execute(command: string, params?: Record<string, unknown>): Promise<unknown> {
    const client = this.client;
    if (client === undefined || !client.isRunning()) {
      throw new Error('parsercraft-ls is not running; run "ParserCraft: Restart Server"');
    }
    return client.sendRequest(ExecuteCommandRequest.type, {
      command,
      arguments: params === undefined ? [] : [params],
    });
  }

  private errorHandler(): ErrorHandler {
    return {
      error: (_error, _message, count): ErrorHandlerResult => ({
        action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
      }),
      closed: async (): Promise<CloseHandlerResult> => {
        const decision = this.policy.onCrash();
        if (decision.action === 'giveUp') {
          this.log.error(decision.message);
          this.status.setClientState('failed', decision.message);
          void vscode.window
            .showErrorMessage(decision.message, 'Restart Server', 'Show Output')
            .then((choice) => {
              if (choice === 'Restart Server') {
                void this.restart();
              } else if (choice === 'Show Output') {
                this.log.show();
              }
            });
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        this.log.warn(decision.message);
        this.status.setClientState('restarting', decision.message);
        await sleep(decision.delayMs);
        return { action: CloseAction.Restart, handled: true };
      },
    };
  }

  private async configuration(
    params: ConfigurationParams,
    token: vscode.CancellationToken,
    next: (params: ConfigurationParams, token: vscode.CancellationToken) => unknown,
  ): Promise<unknown[]> {
    const others = params.items.some((item) => item.section !== SECTION);
    const answered = others ? await Promise.resolve(next(params, token)) : [];
    return params.items.map((item, i) => {
      if (item.section !== SECTION) {
        return Array.isArray(answered) ? answered[i] : null;
      }
      const scope = item.scopeUri === undefined ? undefined : vscode.Uri.parse(item.scopeUri);
      return wireSettings(vscode.workspace.getConfiguration(SECTION, scope));
    });
  }

  private async onConfigurationChanged(e: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!e.affectsConfiguration(SECTION)) {
      return;
    }
    const config = vscode.workspace.getConfiguration(SECTION);
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const server = resolveServerCommand(config.get<string>('server.path'), folders, fs.existsSync);
    const selector = documentSelector(await this.projectExtensions(), config.get('languages'));
    if (
      this.client === undefined ||
      server.command !== this.server?.command ||
      JSON.stringify(selector) !== this.selectorKey
    ) {
      this.log.info('the server path or the mapped files changed: restarting');
      await this.restart();
      return;
    }
    if (SERVER_SETTINGS.some((key) => e.affectsConfiguration(`${SECTION}.${key}`))) {
      await this.client.sendNotification(
        DidChangeConfigurationNotification.type,
        didChangeConfigurationParams(config),
      );
    }
  }

  private async onProjectChanged(): Promise<void> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const selector = documentSelector(await this.projectExtensions(), config.get('languages'));
    if (this.client !== undefined && JSON.stringify(selector) !== this.selectorKey) {
      this.log.info('parsercraft.toml maps other files now: restarting');
      await this.restart();
    }
  }

  /** The extensions mapped by the workspace's `parsercraft.toml` files. */
  private async projectExtensions(): Promise<string[]> {
    const files = await vscode.workspace.findFiles(PROJECT_GLOB, EXCLUDE_GLOB, 50);
    const extensions: string[] = [];
    for (const file of files) {
      try {
        const bytes = await vscode.workspace.fs.readFile(file);
        extensions.push(...extensionsFromToml(Buffer.from(bytes).toString('utf8')));
      } catch (error) {
        this.log.warn(`reading ${file.fsPath}: ${describe(error)}`);
      }
    }
    return extensions;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    void this.stop();
  }
}
