import type { StageCatalog } from './types.js';

/** schema diagnostics: codes IB2xxx. Codes are stable: never renumber or reuse one. */
export const schemaMessages = {
  wrongType: { code: 'IB2001', severity: 'error', template: '{label} must be {expected}, got {actual}' },
  notOneOf: { code: 'IB2002', severity: 'error', template: '{label} must be one of {allowed}, got {actual}' },
  outOfRange: { code: 'IB2003', severity: 'error', template: '{label} must be {comparison} {limit}, got {actual}' },
  missingKey: { code: 'IB2004', severity: 'error', template: '{parent} needs {missing}' },
  notAllowedHere: { code: 'IB2005', severity: 'error', template: "'{name}' is not allowed in {parent}; allowed: {allowed}" },
  wrongLength: { code: 'IB2006', severity: 'error', template: '{label} must have {expected}, got {actual}' },
  badPattern: { code: 'IB2007', severity: 'error', template: '{label} {actual} is not a valid name: {rule}' },
  unknownKind: { code: 'IB2008', severity: 'error', template: "'{label}' must be one of {allowed}, got {actual}" },
  missingKind: { code: 'IB2009', severity: 'error', template: "'{label}' needs a kind: one of {allowed}" },
  noAlternative: { code: 'IB2010', severity: 'error', template: '{label} must be {expected}, got {actual}' },
  schemaOther: { code: 'IB2099', severity: 'error', template: '{label}: {message}' },
} as const satisfies StageCatalog;
