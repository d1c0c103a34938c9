/** Paths the tests share: the package, the repository and the server executable. */
import * as path from 'path';

/** editors/vscode (the compiled tests run from out/test). */
export const PACKAGE_DIR = path.resolve(__dirname, '..', '..');
/** The repository root. */
export const REPO_DIR = path.resolve(PACKAGE_DIR, '..', '..');
/** The example workspace. */
export const EXAMPLES_DIR = path.join(REPO_DIR, 'examples');
/** `parsercraft-ls`: `$PARSERCRAFT_LS`, else the repository's `.venv`. */
export const SERVER = path.resolve(
  PACKAGE_DIR,
  process.env.PARSERCRAFT_LS ?? path.join('..', '..', '.venv', 'bin', 'parsercraft-ls'),
);
