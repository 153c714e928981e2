import type { schemaMessages } from '../catalog/schema.js';
import type { Explanation } from './types.js';

/** Explanations of the schema diagnostics (IB2xxx): the spec document checked against `ibc schema`. */
export const schemaExplanations = {
  wrongType: {
    explanation: 'Once the spec text is read into its document, every key has a type in the JSON Schema (`ibc schema`): a number, a whole number, text, true/false, a list. The value given has another type.',
    example: 'train {\n  epochs ten\n}',
    fix: 'Give a value of the type named: epochs 10.',
  },
  notOneOf: {
    explanation: 'The key accepts a fixed set of words (an enum), and the value is not one of them. The message lists the allowed ones and, when close, suggests one.',
    example: 'model.attention.kl standrad',
    fix: 'Use one of the listed values: model.attention.kl standard.',
  },
  outOfRange: {
    explanation: 'The value is of the right type but outside the range the key allows (for example a negative KL weight, or a fraction above 1).',
    example: 'model {\n  attention at=stage2 {\n    beta -0.1\n  }\n}',
    fix: 'Give a value inside the range in the message: beta 0.01.',
  },
  missingKey: {
    explanation: 'A required key is absent. Every spec needs, for example, model.input, model.classes, a backbone and a data section.',
    example: 'model {\n  input 28x28x1\n  backbone vgg16\n}',
    fix: 'Add the key named in the message: classes 10. If it comes from a base, check the `extends` path.',
  },
  notAllowedHere: {
    explanation: 'The key exists in the language but not in this section or for this kind (for example labels= on CIFAR-10, which only CIFAR-100 has).',
    example: 'data cifar10 path="data/c10" labels=coarse',
    fix: 'Remove the key, or move it to where the message says it is allowed.',
  },
  wrongLength: {
    explanation: 'A list or a dimension has the wrong number of entries: model.input has three (height x width x channels), map sizes two.',
    example: 'model {\n  input 28x28\n}',
    fix: 'Give every entry: input 28x28x1.',
  },
  badPattern: {
    explanation: 'Names (the spec name, stage and layer names) must be identifiers that are safe in file names and ONNX node names.',
    example: 'name "my spec/v2"',
    fix: 'Use letters, digits, `-`, `_` and `.`: name my-spec-v2.',
  },
  unknownKind: {
    explanation: 'A tagged section (backbone, data, optimizer, schedule, ...) has a kind that ibc does not know.',
    example: 'train {\n  optimizer adamw lr=0.001\n}',
    fix: 'Use one of the kinds listed in the message (here adam, with weight_decay=...).',
  },
  missingKind: {
    explanation: 'A tagged section needs its kind as its first value: `optimizer sgd`, `data idx`, `backbone vgg16`.',
    example: 'train {\n  optimizer lr=0.1\n}',
    fix: 'Name the kind: optimizer sgd lr=0.1.',
  },
  noAlternative: {
    explanation: 'The value fits none of the forms the key accepts (for example a data split is either a quoted folder or images=... labels=...).',
    example: 'data folder {\n  train 12\n}',
    fix: 'Use one of the forms in the message: train "data/train".',
  },
  schemaOther: {
    explanation: 'The JSON Schema rejected the value for a reason without a more specific code; the message carries the validator\'s words.',
    example: 'Rare: a constraint combination the other codes do not cover.',
    fix: 'Compare the value with `ibc schema` for that key.',
  },
} as const satisfies Record<keyof typeof schemaMessages, Explanation>;
