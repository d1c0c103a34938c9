/**
 * A stand-in for the `vscode` module, so the extension's own logic runs under node's test
 * runner without downloading VS Code. Import it before any module that imports `vscode`.
 */
import Module = require('module');

/** The fake status bar item, with the fields the extension sets. */
export interface FakeStatusBarItem {
  id: string;
  name: string | undefined;
  text: string;
  tooltip: string | undefined;
  command: string | undefined;
  backgroundColor: { id: string } | undefined;
  visible: boolean;
  disposed: boolean;
  show(): void;
  hide(): void;
  dispose(): void;
}

export const items: FakeStatusBarItem[] = [];

class ThemeColor {
  constructor(readonly id: string) {}
}

/** What the fake editor was asked to do, for the command tests. */
export const calls = {
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  providers: new Map<string, { provideTextDocumentContent(uri: FakeUri): string }>(),
  shown: [] as { uri: string; language: string; text: string }[],
  quickPicks: [] as { items: { label: string; description: string }[]; placeHolder: string }[],
  pick: undefined as string | undefined,
  info: [] as string[],
  errors: [] as string[],
};

class FakeUri {
  constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static from(parts: { scheme: string; path: string }): FakeUri {
    return new FakeUri(parts.scheme, parts.path);
  }
  toString(): string {
    return `${this.scheme}:${this.path}`;
  }
}

class EventEmitter<T> {
  private listeners: ((value: T) => void)[] = [];
  readonly event = (listener: (value: T) => void): { dispose(): void } => {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  };
  fire(value: T): void {
    this.listeners.forEach((l) => l(value));
  }
}

const disposable = { dispose: (): void => undefined };

export const vscodeStub = {
  StatusBarAlignment: { Left: 1, Right: 2 },
  ThemeColor,
  Uri: FakeUri,
  EventEmitter,
  commands: {
    registerCommand(name: string, handler: (...args: unknown[]) => unknown): typeof disposable {
      calls.commands.set(name, handler);
      return disposable;
    },
  },
  workspace: {
    registerTextDocumentContentProvider(
      scheme: string,
      provider: { provideTextDocumentContent(uri: FakeUri): string },
    ): typeof disposable {
      calls.providers.set(scheme, provider);
      return disposable;
    },
    async openTextDocument(uri: FakeUri): Promise<{ uri: FakeUri; text: string }> {
      return { uri, text: calls.providers.get(uri.scheme)!.provideTextDocumentContent(uri) };
    },
  },
  languages: {
    async setTextDocumentLanguage<D extends { language?: string }>(doc: D, language: string): Promise<D> {
      doc.language = language;
      return doc;
    },
  },
  window: {
    async showTextDocument(doc: { uri: FakeUri; text: string; language?: string }): Promise<void> {
      calls.shown.push({ uri: doc.uri.toString(), language: doc.language ?? '', text: doc.text });
    },
    async showQuickPick<I extends { label: string; description: string }>(
      items: I[],
      options: { placeHolder: string },
    ): Promise<I | undefined> {
      calls.quickPicks.push({ items, placeHolder: options.placeHolder });
      return items.find((i) => i.label === calls.pick);
    },
    async showInformationMessage(message: string): Promise<undefined> {
      calls.info.push(message);
      return undefined;
    },
    async showErrorMessage(message: string): Promise<undefined> {
      calls.errors.push(message);
      return undefined;
    },
    createStatusBarItem(id: string): FakeStatusBarItem {
      const item: FakeStatusBarItem = {
        id,
        name: undefined,
        text: '',
        tooltip: undefined,
        command: undefined,
        backgroundColor: undefined,
        visible: false,
        disposed: false,
        show() {
          this.visible = true;
        },
        hide() {
          this.visible = false;
        },
        dispose() {
          this.disposed = true;
        },
      };
      items.push(item);
      return item;
    },
  },
};

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const loader = Module as unknown as { _load: Load };
const original = loader._load;
loader._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
  return request === 'vscode' ? vscodeStub : original.call(this, request, parent, isMain);
};
