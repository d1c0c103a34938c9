/**
 * The extension's commands. Each one calls a server command through `workspace/executeCommand`
 * and shows its result read-only (a `parsercraft:` Markdown document), or asks which feature
 * or topic to pass.
 */
import * as vscode from 'vscode';
import type { ParserCraftClient } from './client';
import { describe } from './log';
import { breakerItems, renderAudit, renderHealth, runbookItems, runbookMarkdown } from './report';

export const SCHEME = 'parsercraft';

export const COMMANDS = {
  showHealth: 'parsercraft.showHealth',
  showAudit: 'parsercraft.showAudit',
  resetBreaker: 'parsercraft.resetBreaker',
  showRunbook: 'parsercraft.showRunbook',
  restartServer: 'parsercraft.restartServer',
} as const;

/** Read-only documents holding the rendered reports. */
class Reports implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  async show(name: string, markdown: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name}.md` });
    this.contents.set(uri.toString(), markdown);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: true });
  }
}

/** Register every command; the disposables go to the extension context. */
export function registerCommands(client: ParserCraftClient): vscode.Disposable[] {
  const reports = new Reports();
  const run =
    (action: () => Promise<void>) =>
    async (): Promise<void> => {
      try {
        await action();
      } catch (error) {
        void vscode.window.showErrorMessage(`ParserCraft: ${describe(error)}`);
      }
    };
  return [
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, reports),
    vscode.commands.registerCommand(
      COMMANDS.showHealth,
      run(async () => reports.show('health', renderHealth(await client.execute('parsercraft.health')))),
    ),
    vscode.commands.registerCommand(
      COMMANDS.showAudit,
      run(async () => reports.show('audit', renderAudit(await client.execute('parsercraft.audit', { limit: 500 })))),
    ),
    vscode.commands.registerCommand(
      COMMANDS.resetBreaker,
      run(async () => {
        const items = breakerItems(await client.execute('parsercraft.health'));
        const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Reset the breaker of which feature?' });
        if (pick !== undefined) {
          await client.execute('parsercraft.resetBreaker', { feature: pick.label });
          void vscode.window.showInformationMessage(`ParserCraft: the ${pick.label} breaker is closed.`);
        }
      }),
    ),
    vscode.commands.registerCommand(
      COMMANDS.showRunbook,
      run(async () => {
        const health = await client.execute('parsercraft.health').catch(() => undefined);
        const pick = await vscode.window.showQuickPick(runbookItems(health), { placeHolder: 'Which runbook?' });
        if (pick !== undefined) {
          const result = await client.execute('parsercraft.runbook', { topic: pick.label });
          await reports.show(`runbook-${pick.label}`, runbookMarkdown(result));
        }
      }),
    ),
    vscode.commands.registerCommand(COMMANDS.restartServer, run(() => client.restart())),
  ];
}
