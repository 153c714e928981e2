/**
 * The compiler as a library: parse, validate and lower .ibspec files without
 * the CLI. The runtime (training, loadModel) is the separate `ibc/runtime` entry.
 */
export type { Diagnostic, Span, Position, Result, Severity } from './diagnostics/diagnostic.js';
export { hasErrors } from './diagnostics/diagnostic.js';
export { renderDiagnostics, diagnosticsToJson } from './diagnostics/render.js';
export { nodeFileSystem, memoryFileSystem } from './host/file-system.js';
export type { FileSystem } from './host/file-system.js';
export { parseSpec } from './grammar/parse.js';
export { formatSpec } from './grammar/format.js';
export { loadSpec, loadSweep } from './compiler/spec/load-spec.js';
export { specJsonSchema } from './compiler/spec/schema.js';
export { serializeSpec, specHash } from './compiler/spec/serialize.js';
export type { ResolvedSpec } from './compiler/spec/resolved-spec.js';
export { compileSpec, compileResolved } from './compiler/compile.js';
export type { CompiledSpec } from './compiler/compile.js';
export { buildModel } from './compiler/network/build-model.js';
export { describeLayers } from './compiler/network/describe.js';
export type { ModelIR, IrNode, Op, ParamSpec } from './compiler/ir/ir.js';
export { verifyIR } from './compiler/ir/verify.js';
