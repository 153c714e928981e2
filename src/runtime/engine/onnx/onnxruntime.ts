/**
 * onnxruntime-node, loaded only by what runs an ONNX file (`ibc compile --verify`,
 * `ibc bench --target onnx`). It is an optional peer of ibc, not a dependency:
 * installed as a dependency its install script downloads the CUDA provider from
 * NuGet (it ships only the CPU runtime in the package), which fails on a machine
 * that reaches only the npm registry, and it adds ~290 MB that exporting never
 * needs. When it is absent, the command that needs it says so and how to add it.
 *
 * It is loaded with its telemetry off. Since 1.2x, ONNX Runtime on Linux and
 * macOS sends usage events and keeps a device id and an event database under
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime/, plus a
 * $TMPDIR/mat-debug-PID.log, the first time a session is created: files
 * outside anything the user named. `ORT_DISABLE_TELEMETRY=1`, read when the
 * library initialises (so it is set before the import), turns all of it off:
 * no uploader, no device id, no cache; `ORT_TELEMETRY_DISABLED` is the name
 * newer releases read. ibc sets both for its own process, whatever the
 * caller's environment says.
 */
import type * as Ort from 'onnxruntime-node';
import { installKind, npmInstallLine, packageRoot } from '../../../host/package-root.js';
import { runError } from '../../../support/errors.js';

export type OnnxRuntime = typeof Ort;

/** The environment that keeps ONNX Runtime from writing or sending telemetry. */
export const ORT_TELEMETRY_OFF: Readonly<Record<string, string>> = { ORT_DISABLE_TELEMETRY: '1', ORT_TELEMETRY_DISABLED: '1' };

/** The onnxruntime-node release ibc's exports and tests are checked against (package.json's devDependencies). */
export const TESTED_ONNXRUNTIME = '1.30.0';

/**
 * The one line that installs onnxruntime-node where `root` (ibc's package folder)
 * will find it. ONNXRUNTIME_NODE_INSTALL=skip keeps its install script from
 * downloading the CUDA provider.
 */
export function onnxruntimeInstallLine(root: string): string {
  if (installKind(root) === 'checkout') return 'npm ci (in the ibc checkout: it is a devDependency)';
  return npmInstallLine(root, `onnxruntime-node@${TESTED_ONNXRUNTIME}`, 'ONNXRUNTIME_NODE_INSTALL=skip ');
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** onnxruntime-node, or a RunError (IB6620) naming what needed it and the line that installs it. */
export async function loadOnnxRuntime(purpose: string, root: string = packageRoot()): Promise<OnnxRuntime> {
  Object.assign(process.env, ORT_TELEMETRY_OFF);
  try {
    const specifier: string = 'onnxruntime-node'; // a variable: an optional peer is resolved at run time only
    const mod = (await import(specifier)) as OnnxRuntime & { default?: OnnxRuntime };
    // A CommonJS package seen from ESM: its named exports may only be on `default`.
    return typeof mod.InferenceSession === 'function' ? mod : (mod.default ?? mod);
  } catch (error) {
    throw runError('onnxruntimeMissing', { purpose, reason: firstLine(error), fix: onnxruntimeInstallLine(root) });
  }
}
