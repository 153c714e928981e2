/**
 * `ibc explain CODE`: the long form of every catalog code. The tables live in
 * explanations/, one per stage, keyed by the catalog's names.
 */
import { messages, type MessageName, type MessageTemplate } from './catalog.js';
import type { Explanation } from './explanations/types.js';
import { syntaxExplanations } from './explanations/syntax.js';
import { schemaExplanations } from './explanations/schema.js';
import { semanticExplanations } from './explanations/semantic.js';
import { shapeExplanations } from './explanations/shape.js';
import { targetExplanations } from './explanations/target.js';
import { runtimeExplanations } from './explanations/runtime.js';
import { internalExplanations } from './explanations/internal.js';

export type { Explanation } from './explanations/types.js';

const explanations: Readonly<Record<MessageName, Explanation>> = {
  ...syntaxExplanations,
  ...schemaExplanations,
  ...semanticExplanations,
  ...shapeExplanations,
  ...targetExplanations,
  ...runtimeExplanations,
  ...internalExplanations,
};

export interface ExplainedCode {
  readonly name: MessageName;
  readonly template: MessageTemplate;
  readonly explanation: Explanation;
}

/** Every catalog entry with its explanation, in code order. */
export function allExplained(): ExplainedCode[] {
  return (Object.keys(messages) as MessageName[])
    .map((name) => ({ name, template: messages[name] as MessageTemplate, explanation: explanations[name] }))
    .sort((a, b) => a.template.code.localeCompare(b.template.code));
}

/** The entry for `code` ('IB2003', 'ib2003' or '2003'), or undefined. */
export function explain(code: string): ExplainedCode | undefined {
  const wanted = /^\d+$/.test(code) ? `IB${code}` : code.toUpperCase();
  return allExplained().find((e) => e.template.code === wanted);
}

function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}

/** The text `ibc explain CODE` prints. */
export function formatExplanation(e: ExplainedCode): string {
  return [
    `${e.template.code} (${e.template.severity}): ${e.template.template}`,
    '',
    e.explanation.explanation,
    '',
    'Example:',
    indent(e.explanation.example),
    '',
    `Fix: ${e.explanation.fix}`,
    '',
  ].join('\n');
}
