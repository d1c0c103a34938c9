/** The ParserCraft output channel, shared by the extension and the language client. */
import * as vscode from 'vscode';

/** A log output channel (VS Code >= 1.74 levels: trace, debug, info, warn, error). */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('ParserCraft', { log: true });
}

/** A message for the log from any thrown value. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}
