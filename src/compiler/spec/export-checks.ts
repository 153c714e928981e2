/**
 * Checks of the export section against what the exporters can write, so that
 * `ibc check` reports an opset ibc cannot export (located at the value)
 * instead of `ibc compile` failing later without a location.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET } from '../targets/onnx/opset.js';
import type { ResolvedSpec } from './resolved-spec.js';
import { locateValue, type SpanMap } from './span-map.js';

export function checkExport(spec: ResolvedSpec, spans: SpanMap): Diagnostic[] {
  const opset = spec.export.opset;
  if (opset === undefined || (opset >= MIN_OPSET && opset <= MAX_OPSET)) return [];
  const span = locateValue(spans, '/export/opset');
  return [diagnostic('exportOpsetUnsupported', { ...(span ? { span } : {}), args: { opset, min: MIN_OPSET, max: MAX_OPSET, default: DEFAULT_OPSET } })];
}
