/** Entry point: activate and deactivate only; the work is in client.ts and commands.ts. */
import * as vscode from 'vscode';
import { ParserCraftClient } from './client';
import { COMMANDS, registerCommands } from './commands';
import { createLog } from './log';
import { StatusBar } from './status';

let client: ParserCraftClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = createLog();
  const status = new StatusBar(COMMANDS.showHealth);
  client = new ParserCraftClient(log, status);
  context.subscriptions.push(log, status, client, ...registerCommands(client));
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
