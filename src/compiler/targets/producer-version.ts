/** The producer version every export records (ONNX producer_version, GraphModel metadata). */
import { readTextIfReadable } from '../../host/read-file.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ibc's version from package.json (the producer_version). */
export function ibcVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readTextIfReadable('asset', join(dir, 'package.json')) ?? 'null') as { name?: string; version?: string } | null;
      if (pkg?.name === 'ibc' && pkg.version) return pkg.version;
    } catch {
      // not here: keep walking up
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}
