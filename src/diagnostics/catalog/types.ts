/** One catalog entry: a stable code and a message template with {placeholders}. */
export interface MessageTemplate {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly template: string;
}

/** A stage's catalog: name -> template. Each stage owns one file in this folder and one code range. */
export type StageCatalog = Readonly<Record<string, MessageTemplate>>;
