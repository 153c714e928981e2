/**
 * Where a worker thread's script is. Built code runs the worker's .js file beside the module
 * that starts it; when that module runs from its TypeScript source (the test runner), the
 * worker built into dist/ at the same place is used, since a worker thread cannot load
 * TypeScript.
 */
import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `workerFile` (a .js name) beside the module at `moduleUrl`, or its built copy in dist/; `what` names it in the error when neither exists. */
export function workerScript(moduleUrl: string, workerFile: string, what: string): URL {
  const beside = new URL(`./${workerFile}`, moduleUrl);
  const path = fileURLToPath(beside);
  if (existsSync(path)) return beside;
  const inSources = path.lastIndexOf(`${sep}src${sep}`);
  if (inSources >= 0) {
    const built = `${path.slice(0, inSources)}${sep}dist${sep}${path.slice(inSources + sep.length + 'src'.length + sep.length)}`;
    if (existsSync(built)) return pathToFileURL(built);
  }
  throw new Error(`the ${what} script is missing (${path}): build ibc first (npm run build)`);
}
