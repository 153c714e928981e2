/**
 * onnxruntime-node, loaded only through `onnxRuntime()`, with its telemetry
 * off. Since 1.2x, ONNX Runtime on Linux and macOS sends usage events and
 * keeps a device id and an event database under
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime/, plus a
 * $TMPDIR/mat-debug-PID.log, the first time a session is created: files
 * outside anything the user named. `ORT_DISABLE_TELEMETRY=1` (read by the
 * library when it initialises, so it is set before the first import) turns
 * all of it off: no uploader, no device id, no cache; `ORT_TELEMETRY_DISABLED`
 * is the name newer releases read. ibc sets both for its own process, whatever
 * the caller's environment says.
 */
import type * as Ort from 'onnxruntime-node';

export type OnnxRuntime = typeof Ort;

/** The environment that keeps ONNX Runtime from writing or sending telemetry. */
export const ORT_TELEMETRY_OFF: Readonly<Record<string, string>> = { ORT_DISABLE_TELEMETRY: '1', ORT_TELEMETRY_DISABLED: '1' };

let loading: Promise<OnnxRuntime> | undefined;

/** onnxruntime-node with telemetry off (the variables are set before the library loads). */
export function onnxRuntime(): Promise<OnnxRuntime> {
  Object.assign(process.env, ORT_TELEMETRY_OFF);
  loading ??= import('onnxruntime-node');
  return loading;
}
