/**
 * Settings: which `parsercraft.*` keys go to the server, how they travel, which files the
 * client sends, and which executable it starts. Pure: no `vscode` import, so tests need no stub.
 */
import * as path from 'path';

/** The server's settings, camelCase as on the wire (server/settings.py). */
export const SERVER_SETTINGS = [
  'languages',
  'indentWidth',
  'diagnosticsDelayMs',
  'policies',
  'chaos',
  'workers',
  'maxDocumentMb',
  'auditFile',
  'memoryLimitMb',
] as const;

export type ServerSettingKey = (typeof SERVER_SETTINGS)[number];

/** The `parsercraft` section as the server reads it: only server keys, never client ones. */
export type WireSettings = Partial<Record<ServerSettingKey, unknown>>;

/** What the client reads settings through (a `vscode.WorkspaceConfiguration` fits). */
export interface SettingsReader {
  get<T>(key: string): T | undefined;
}

/**
 * The section to send. Every server key is sent, defaults included: the server reads each
 * delivery as the whole section ("replace, not merge"), so a key left out would reset.
 */
export function wireSettings(reader: SettingsReader): WireSettings {
  const out: WireSettings = {};
  for (const key of SERVER_SETTINGS) {
    const value = reader.get<unknown>(key);
    if (value !== undefined) {
      out[key] = value;
    }
  }
  return out;
}

/** `initializationOptions` of the `initialize` request. */
export function initializationOptions(reader: SettingsReader): { parsercraft: WireSettings } {
  return { parsercraft: wireSettings(reader) };
}

/** Params of a pushed `workspace/didChangeConfiguration`. */
export function didChangeConfigurationParams(reader: SettingsReader): {
  settings: { parsercraft: WireSettings };
} {
  return { settings: { parsercraft: wireSettings(reader) } };
}

/** One entry of the `parsercraft.languages` setting, as far as the client cares. */
export interface LanguageEntry {
  extensions?: unknown;
  globs?: unknown;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The `extensions` of every `[[language]]` table of a `parsercraft.toml`, with the leading dot
 * the server adds when it is missing. Only the string arrays are read; the server validates.
 */
export function extensionsFromToml(text: string): string[] {
  const found: string[] = [];
  const pattern = /^\s*extensions\s*=\s*\[([^\]]*)\]/gm;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const body = match[1] ?? '';
    for (const item of body.matchAll(/"([^"]*)"|'([^']*)'/g)) {
      const ext = item[1] ?? item[2] ?? '';
      if (ext) {
        found.push(ext.startsWith('.') ? ext : `.${ext}`);
      }
    }
  }
  return found;
}

/** A `DocumentFilter` for files on disk. */
export interface FileFilter {
  scheme: 'file';
  pattern: string;
}

/**
 * Document filters for the mapped extensions (from `parsercraft.toml` files) and the
 * `parsercraft.languages` setting. VS Code globs are case-sensitive and the server compares
 * extensions case-insensitively, so both spellings are sent.
 */
export function documentSelector(tomlExtensions: string[], languages: unknown): FileFilter[] {
  const exts = new Set<string>();
  const globs = new Set<string>();
  const add = (ext: string): void => {
    const bare = ext.replace(/^\./, '');
    if (bare) {
      exts.add(bare.toLowerCase());
      exts.add(bare.toUpperCase());
    }
  };
  tomlExtensions.forEach(add);
  for (const entry of Array.isArray(languages) ? (languages as LanguageEntry[]) : []) {
    strings(entry?.extensions).forEach(add);
    strings(entry?.globs).forEach((glob) => globs.add(`**/${glob}`));
  }
  const filters: FileFilter[] = [...exts]
    .sort()
    .map((ext) => ({ scheme: 'file', pattern: `**/*.${ext}` }));
  return filters.concat([...globs].sort().map((pattern) => ({ scheme: 'file', pattern })));
}

/** The executable to start and why it was chosen. */
export interface ServerCommand {
  command: string;
  args: string[];
  source: 'setting' | 'workspace .venv' | 'PATH';
}

/**
 * `parsercraft.server.path` when set (relative to the first workspace folder), else the first
 * workspace folder with a `.venv` holding `parsercraft-ls`, else `parsercraft-ls` on PATH.
 */
export function resolveServerCommand(
  configured: string | undefined,
  folders: readonly string[],
  exists: (file: string) => boolean,
  platform: NodeJS.Platform = process.platform,
): ServerCommand {
  const args = ['serve'];
  const setting = (configured ?? '').trim();
  if (setting) {
    const first = folders[0];
    const command =
      path.isAbsolute(setting) || first === undefined || !/[\\/]/.test(setting)
        ? setting
        : path.resolve(first, setting);
    return { command, args, source: 'setting' };
  }
  const relative =
    platform === 'win32'
      ? path.join('.venv', 'Scripts', 'parsercraft-ls.exe')
      : path.join('.venv', 'bin', 'parsercraft-ls');
  for (const folder of folders) {
    const candidate = path.join(folder, relative);
    if (exists(candidate)) {
      return { command: candidate, args, source: 'workspace .venv' };
    }
  }
  return { command: 'parsercraft-ls', args, source: 'PATH' };
}
