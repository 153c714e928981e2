/**
 * The one diagnostic catalog. Each stage owns a file under catalog/ with its
 * own code range; `allMessages` joins them and a test rejects duplicate codes.
 */
import type { Diagnostic, Span, RelatedInformation } from './diagnostic.js';
import type { MessageTemplate } from './catalog/types.js';
import { syntaxMessages } from './catalog/syntax.js';
import { schemaMessages } from './catalog/schema.js';
import { semanticMessages } from './catalog/semantic.js';
import { shapeMessages } from './catalog/shape.js';
import { targetMessages } from './catalog/target.js';
import { runtimeMessages } from './catalog/runtime.js';
import { internalMessages } from './catalog/internal.js';

export type { MessageTemplate } from './catalog/types.js';

export const messages = {
  ...syntaxMessages,
  ...schemaMessages,
  ...semanticMessages,
  ...shapeMessages,
  ...targetMessages,
  ...runtimeMessages,
  ...internalMessages,
} as const;

export type MessageName = keyof typeof messages;

/** Every template, for the duplicate-code test and documentation. */
export function allMessages(): readonly (MessageTemplate & { readonly name: string })[] {
  return Object.entries(messages).map(([name, t]) => ({ name, ...(t as MessageTemplate) }));
}

/** Fills {placeholders}; a missing argument is left visible as {name} so tests catch it. */
export function formatTemplate(template: string, args: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in args ? String(args[key]) : whole));
}

export interface DiagnosticOptions {
  readonly span?: Span;
  readonly args?: Readonly<Record<string, string | number>>;
  readonly suggestion?: string;
  readonly related?: readonly RelatedInformation[];
}

/** Builds a diagnostic from a catalog entry. */
export function diagnostic(name: MessageName, options: DiagnosticOptions = {}): Diagnostic {
  const t = messages[name] as MessageTemplate;
  return {
    code: t.code,
    severity: t.severity,
    message: formatTemplate(t.template, options.args ?? {}),
    ...(options.span ? { span: options.span } : {}),
    ...(options.suggestion !== undefined ? { suggestion: options.suggestion } : {}),
    ...(options.related ? { related: options.related } : {}),
  };
}
