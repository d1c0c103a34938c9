/**
 * The status bar item, driven by the server's `parsercraft/status` notification
 * (docs/reference/notifications.md). Rendering is a pure function; `StatusBar` only shows it.
 */
import * as vscode from 'vscode';

export const STATUS_METHOD = 'parsercraft/status';

export type Health = 'ok' | 'warning' | 'error';

/** The `parsercraft/status` payload. */
export interface StatusPayload {
  health: Health;
  quiescent: boolean;
  message: string;
  degraded: string[];
}

/** What the client itself knows when there is no payload to show. */
export type ClientState = 'starting' | 'restarting' | 'stopped' | 'failed';

export type Level = Health | ClientState;

/** What the status bar shows. */
export interface StatusView {
  level: Level;
  text: string;
  tooltip: string;
}

/** Whether `value` is a well-formed `parsercraft/status` payload. */
export function isStatusPayload(value: unknown): value is StatusPayload {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    (v.health === 'ok' || v.health === 'warning' || v.health === 'error') &&
    typeof v.message === 'string' &&
    Array.isArray(v.degraded) &&
    v.degraded.every((d) => typeof d === 'string')
  );
}

const CLICK = 'Click for the health report.';

/** The status bar text and tooltip for a server status. */
export function renderStatus(status: StatusPayload): StatusView {
  const degraded = status.degraded.length > 0 ? status.degraded.join(', ') : '';
  switch (status.health) {
    case 'ok':
      return {
        level: 'ok',
        text: '$(check) ParserCraft',
        tooltip: `parsercraft-ls is healthy: ${status.message}.\n${CLICK}`,
      };
    case 'warning':
      return {
        level: 'warning',
        text: degraded ? `$(warning) ParserCraft: ${degraded}` : '$(warning) ParserCraft',
        tooltip:
          `parsercraft-ls is degraded${degraded ? ` (${degraded})` : ''}: ${status.message}.\n` +
          `Degraded features answer with reduced results. ${CLICK}`,
      };
    case 'error':
      return {
        level: 'error',
        text: degraded ? `$(error) ParserCraft: ${degraded}` : '$(error) ParserCraft',
        tooltip:
          `parsercraft-ls is unhealthy${degraded ? ` (${degraded})` : ''}: ${status.message}.\n` +
          `${CLICK} The report names a runbook for each reason.`,
      };
  }
}

/** The status bar text and tooltip while there is no server status. */
export function renderClientState(state: ClientState, detail = ''): StatusView {
  const suffix = detail ? `\n${detail}` : '';
  switch (state) {
    case 'starting':
      return { level: state, text: '$(sync~spin) ParserCraft', tooltip: `parsercraft-ls is starting.${suffix}` };
    case 'restarting':
      return {
        level: state,
        text: '$(sync~spin) ParserCraft',
        tooltip: `parsercraft-ls stopped unexpectedly and is restarting.${suffix}`,
      };
    case 'stopped':
      return { level: state, text: '$(circle-slash) ParserCraft', tooltip: `parsercraft-ls is not running.${suffix}` };
    case 'failed':
      return {
        level: state,
        text: '$(error) ParserCraft: stopped',
        tooltip: `parsercraft-ls is not running.${suffix}\nRun "ParserCraft: Restart Server" once the cause is fixed.`,
      };
  }
}

const BACKGROUND: Partial<Record<Level, string>> = {
  warning: 'statusBarItem.warningBackground',
  error: 'statusBarItem.errorBackground',
  failed: 'statusBarItem.errorBackground',
};

/** The status bar item; clicking it runs `command` (the health report). */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private last: StatusView | undefined;

  constructor(command: string) {
    this.item = vscode.window.createStatusBarItem('parsercraft.status', vscode.StatusBarAlignment.Left, 0);
    this.item.name = 'ParserCraft';
    this.item.command = command;
    this.show(renderClientState('starting'));
  }

  /** Show a server status payload (ignores malformed ones). */
  update(payload: unknown): void {
    if (isStatusPayload(payload)) {
      this.show(renderStatus(payload));
    }
  }

  /** Show the client's own state. */
  setClientState(state: ClientState, detail = ''): void {
    this.show(renderClientState(state, detail));
  }

  /** What is shown now. */
  get view(): StatusView | undefined {
    return this.last;
  }

  private show(view: StatusView): void {
    this.last = view;
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    const color = BACKGROUND[view.level];
    this.item.backgroundColor = color === undefined ? undefined : new vscode.ThemeColor(color);
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
