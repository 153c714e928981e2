/**
 * Golden diagnostics: one mistake per case, asserting code, span and message.
 * To accept new output after an intended change, run
 *   IBC_ACCEPT_GOLDEN=1 npx vitest run test/compiler/spec/golden.test.ts
 * which rewrites the expected lists below; review the diff before committing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brief, compileDiagnostics, mutate } from '../../fixtures/spec-text.js';

const cases: readonly (readonly [string, string, string, readonly string[]])[] = [
  ["classes 1", "classes 10", "classes 1", ["IB2003 4:11-4:12 classes must be ≥ 2, got 1"]],
  ["clases 10", "classes 10", "clases 10", ["IB3002 4:3-4:9 unknown key 'clases' in 'model' (did you mean 'classes'?)"]],
  ["input 28x28", "input 28x28x1", "input 28x28", ["IB2006 3:9-3:14 input must have exactly 3 values, got 2"]],
  ["input 28x0x1", "input 28x28x1", "input 28x0x1", ["IB2003 3:9-3:15 input item 2 must be ≥ 1, got 0"]],
  ["beta -0.1", "beta 0.01", "beta -0.1", ["IB2003 20:10-20:14 beta must be ≥ 0, got -0.1"]],
  ["beta", "beta 0.01", "beta", ["IB3015 20:5-20:9 'beta' needs a value"]],
  ["beta 0.1 0.2", "beta 0.01", "beta 0.1 0.2", ["IB3007 20:14-20:17 'beta' takes one value, got 2"]],
  ["beta=0.01", "beta 0.01", "beta=0.01", ["IB3015 20:5-20:9 'beta' needs a value","IB1201 20:9-20:10 expected end of line or ';' after the statement but found '='; a setting is written 'key value' without '=', and options as name=value after the key"]],
  ["latent 3.5", "latent 32", "latent 3.5", ["IB2001 19:12-19:15 latent must be a whole number, got 3.5"]],
  ["latent many", "latent 32", "latent many", ["IB2001 19:12-19:16 latent must be a whole number, got 'many'"]],
  ["at=stage3", "at=stage1", "at=stage3", ["IB3301 18:16-18:22 unknown insertion point 'stage3': the backbone's stages are stage1, stage2 (did you mean 'stage1'?)"]],
  ["at=stge1", "at=stage1", "at=stge1", ["IB3301 18:16-18:21 unknown insertion point 'stge1': the backbone's stages are stage1, stage2 (did you mean 'stage1'?)"]],
  ["stage stage1", "stage stage2", "stage stage1", ["IB3302 12:11-12:17 stage name 'stage1' is used twice"]],
  ["conv 16 kernal=3", "conv 16 kernel=3", "conv 16 kernal=3", ["IB3004 13:15-13:21 unknown option 'kernal' for 'conv' (did you mean 'kernel'?)"]],
  ["conv 16 kernel=3 kernel=5", "conv 16 kernel=3", "conv 16 kernel=3 kernel=5", ["IB3006 13:24-13:32 option 'kernel' is given twice"]],
  ["conv kernel=3", "conv 16 kernel=3", "conv kernel=3", ["IB2004 13:7-13:11 'conv' needs 'filters'"]],
  ["conv 0 kernel=3", "conv 16 kernel=3", "conv 0 kernel=3", ["IB2003 13:12-13:13 conv filters must be ≥ 1, got 0"]],
  ["conv 16 kernel=[3]", "conv 16 kernel=3", "conv 16 kernel=[3]", ["IB2006 13:22-13:25 conv kernel must have exactly 2 values, got 1"]],
  ["conv 16 kernel=\"big\"", "conv 16 kernel=3", "conv 16 kernel=\"big\"", ["IB2010 13:22-13:27 conv kernel must be a whole number ≥ 1 or a pair like 3x3, got 'big'"]],
  ["conv 16 padding=full", "conv 16 kernel=3", "conv 16 padding=full", ["IB2002 13:23-13:27 conv padding must be one of same, valid, got 'full'"]],
  ["convolution 16", "conv 16 kernel=3", "convolution 16", ["IB3003 13:7-13:18 unknown layer type 'convolution'"]],
  ["conv 16 32", "conv 16 kernel=3", "conv 16 32", ["IB3007 13:15-13:17 'conv' takes one value, got 2"]],
  ["maxpool 2 { relu } ⏎ stage stage2", "maxpool 2\n    }\n    stage stage2", "maxpool 2 { relu }\n    }\n    stage stage2", ["IB3008 10:17-10:25 'maxpool' takes no block"]],
  ["dropout 1.5 ⏎ maxpool 2", "      relu\n      maxpool 2\n    }\n  }", "      dropout 1.5\n      maxpool 2\n    }\n  }", ["IB2003 14:15-14:18 dropout rate must be < 1, got 1.5"]],
  ["data idxx", "data idx", "data idxx", ["IB2008 23:6-23:10 'data' must be one of idx, cifar10, cifar100, folder, synthetic, got 'idxx' (did you mean 'idx'?)"]],
  ["data cifar10", "data idx", "data cifar10", ["IB2004 23:1-23:5 data cifar10 needs 'path'","IB2005 24:3-24:8 'train' is not allowed in data cifar10; allowed: path, validation, augment, normalize","IB2005 25:3-25:7 'test' is not allowed in data cifar10; allowed: path, validation, augment, normalize"]],
  ["validation 1", "validation 0.1", "validation 1", ["IB2003 26:14-26:15 validation must be < 1, got 1"]],
  ["optimizer sgd lr=0 momentum=0.9", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0 momentum=0.9", ["IB2003 31:20-31:21 optimizer lr must be > 0, got 0"]],
  ["optimizer sgd lr=0.1 momentum=1.2", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 momentum=1.2", ["IB2003 31:33-31:36 optimizer momentum must be < 1, got 1.2"]],
  ["optimizer sgd lr=0.1 beta1=0.5", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 beta1=0.5", ["IB2005 31:24-31:29 'beta1' is not allowed in optimizer sgd; allowed: lr, momentum, nesterov, weight_decay"]],
  ["optimizer sgd lr=0.1 momentum=0 nesterov=true", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 momentum=0 nesterov=true", ["IB3305 31:44-31:48 nesterov needs momentum > 0"]],
  ["optimizer adam lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 momentum=0.9", "optimizer adam lr=0.1 momentum=0.9", ["IB2005 31:25-31:33 'momentum' is not allowed in optimizer adam; allowed: lr, beta1, beta2, epsilon, weight_decay"]],
  ["optimizer sgd lr=0.1 momentum=0.9 ⏎ schedule step gamma=0.5", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 momentum=0.9\n  schedule step gamma=0.5", ["IB2004 32:3-32:11 schedule step needs 'every'"]],
  ["optimizer sgd lr=0.1 ⏎ schedule multistep milestones=[5, 3]", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1\n  schedule multistep milestones=[5, 3]", ["IB3313 32:37-32:38 schedule milestones must be strictly increasing: 5, 3"]],
  ["optimizer sgd lr=0.1 ⏎ schedule cosin", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1\n  schedule cosin", ["IB2008 32:12-32:17 'schedule' must be one of constant, step, multistep, exponential, cosine, got 'cosin' (did you mean 'cosine'?)"]],
  ["optimizer sgd lr=0.1 ⏎ warmup lrs=[0.01, 0.1, 0.1]", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1\n  warmup lrs=[0.01, 0.1, 0.1]", ["IB3312 32:14-32:30 warm-up lists 3 epochs but training has only 2"]],
  ["epochs 2 ⏎ epochs 3", "epochs 2", "epochs 2\n  epochs 3", ["IB3005 30:3-30:9 'epochs' is set twice in 'train'"]],
  ["batch 0", "batch 32", "batch 0", ["IB2003 30:9-30:10 batch must be ≥ 1, got 0"]],
  ["trian {", "train {", "trian {", ["IB3001 28:1-28:6 unknown section 'trian' (did you mean 'train'?)"]],
  ["name \"has space\"", "name small", "name \"has space\"", ["IB2007 1:6-1:17 name 'has space' is not a valid name: no spaces or slashes"]],
  ["validation 0.1 ⏎ normalize mean=[0.5, 0.5] std=[0.5]", "validation 0.1", "validation 0.1\n  normalize mean=[0.5, 0.5] std=[0.5]", ["IB3309 27:18-27:28 normalize mean has 2 values but the input has 1 channel(s)"]],
  ["validation 0.1 ⏎ normalize mean=[0.5] std=[0]", "validation 0.1", "validation 0.1\n  normalize mean=[0.5] std=[0]", ["IB3310 27:29-27:30 normalize std must be > 0, got 0"]],
  ["validation 0.1 ⏎ augment { ⏎ random_resized_crop scale=[1, 0.5]", "validation 0.1", "validation 0.1\n  augment {\n    random_resized_crop scale=[1, 0.5]\n  }", ["IB3600 28:5-28:39 random_resized_crop needs folder data (images stored apart from the input size); 'data idx' holds images at the input size: use crop padding=N there","IB3602 28:31-28:39 random_resized_crop scale=[1, 0.5] is an empty range: give the low value first"]],
  ["validation 0.1 ⏎ augment { ⏎ crop ⏎ random_resized_crop", "validation 0.1", "validation 0.1\n  augment {\n    crop padding=4\n    random_resized_crop\n  }", ["IB3600 29:5-29:24 random_resized_crop needs folder data (images stored apart from the input size); 'data idx' holds images at the input size: use crop padding=N there","IB3601 29:5-29:24 crop and random_resized_crop are two ways to take the training crop; give one of them"]],
  ["validation 0.1 ⏎ augment { ⏎ crop padding=0 ⏎ flip vertical", "validation 0.1", "validation 0.1\n  augment {\n    crop padding=0\n    flip vertical\n  }", ["IB3311 28:18-28:19 crop with padding 0 never moves the image (the images are already the input size); give padding=4 or drop crop","IB2002 29:10-29:18 flip must be one of none, horizontal, got 'vertical'"]],
  ["beta 0.01 ⏎ decoder { ⏎ linear 32 ⏎ relu ⏎ linear 5", "beta 0.01", "beta 0.01\n    decoder {\n      linear 32\n      relu\n      linear 5\n    }", ["IB3307 24:14-24:15 the decoder must end with linear 10 (the number of classes), but its last layer is linear 5"]],
  ["beta 0.01 ⏎ quantize { ⏎ anchors 1 ⏎ init linspace low=1 high=0", "beta 0.01", "beta 0.01\n    quantize {\n      anchors 1\n      init linspace low=1 high=0\n    }", ["IB2003 22:15-22:16 anchors must be ≥ 2, got 1","IB3316 23:7-23:33 quantize init needs low < high, got low=1 high=0"]],
  ["beta 0.01 ⏎ quantize { ⏎ trainable false ⏎ lr_scale 0.1 ⏎ init randm", "beta 0.01", "beta 0.01\n    quantize {\n      trainable false\n      lr_scale 0.1\n      init randm\n    }", ["IB3317 23:16-23:19 lr_scale has no effect when anchors are not trainable","IB2008 24:12-24:17 'init' must be one of linspace, random, got 'randm' (did you mean 'random'?)"]],
  ["beta 0.01 ⏎ kl standrd ⏎ samples train=-1 evl=3", "beta 0.01", "beta 0.01\n    kl standrd\n    samples train=-1 evl=3", ["IB2002 21:8-21:15 kl must be one of standard, reference, got 'standrd' (did you mean 'standard'?)","IB2003 22:19-22:21 samples train must be ≥ 0, got -1","IB3004 22:22-22:25 unknown option 'evl' for 'samples' (did you mean 'eval'?)"]],
  ["clip norm=1 value=0.5", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 momentum=0.9\n  clip norm=1 value=0.5", ["IB3550 32:3-32:7 clip takes norm= or value=, not both: choose one way to clip the gradients"]],
  ["clip", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 momentum=0.9\n  clip", ["IB3553 32:3-32:7 clip needs norm= (largest global gradient norm) or value= (largest gradient value)"]],
  ["clip norm=0", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 momentum=0.9\n  clip norm=0", ["IB3553 32:3-32:7 clip needs norm= (largest global gradient norm) or value= (largest gradient value)","IB2003 32:13-32:14 clip norm must be > 0, got 0"]],
  ["warmup lrs=[0.01] steps=10", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 momentum=0.9\n  warmup lrs=[0.01] steps=10", ["IB3552 32:3-32:9 warmup takes steps= (a linear ramp) or a list of rates (lrs=[...]), not both"]],
  ["warmup steps=0", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 momentum=0.9\n  warmup steps=0", ["IB3554 32:3-32:9 warmup needs steps=N (a linear ramp over N steps) or a list of rates, e.g. warmup [0.01]","IB2003 32:16-32:17 warmup steps must be ≥ 1, got 0"]],
  ["validation 0 ⏎ early_stop patience=2", "validation 0.1\n}\ntrain {", "validation 0\n}\ntrain {\n  early_stop patience=2", ["IB3551 29:3-29:13 early_stop watches val_top1, but the data has no validation split: add 'validation 0.1' to the data section"]],
  ["early_stop metric=test_top1", "optimizer sgd lr=0.1 momentum=0.9", "optimizer sgd lr=0.1 momentum=0.9\n  early_stop metric=test_top1", ["IB2002 32:21-32:30 early_stop metric must be one of val_top1, val_ce_bits, val_loss_bits, got 'test_top1'"]],
  ["beta 0.01 ⏎ classifier { ⏎ flatten ⏎ linear 10", "beta 0.01", "beta 0.01\n  }\n  classifier {\n    flatten\n    linear 10", ["IB3306 22:3-22:13 'classifier' is for baselines without attention; with attention the decoder produces the logits"]],
  ["extends \"nope.ibspec\" ⏎ name small", "name small", "extends \"nope.ibspec\"\nname small", ["IB3101 1:9-1:22 cannot read the base spec '/specs/nope.ibspec'"]],
  ["name small ⏎ extends \"x.ibspec\"", "name small", "name small\nextends \"x.ibspec\"", ["IB3010 2:1-2:8 'extends' must be the first statement of the file"]],
  ["name small ⏎ model.attention.beta 0.5", "name small", "name small\nmodel.attention.beta 0.5", ["IB3005 2:1-2:21 'model.attention.beta' is set twice in the file"]],
  ["name small ⏎ model.attention.beat 0.5", "name small", "name small\nmodel.attention.beat 0.5", ["IB3013 2:17-2:21 unknown key 'beat' in path 'model.attention.beat' (did you mean 'beta'?)"]],
  ["name small ⏎ sweep { ⏎ model.attention.beta in [0.1, -1] ⏎ model.atention.latent in [8]", "name small", "name small\nsweep {\n  model.attention.beta in [0.1, -1]\n  model.atention.latent in [8]\n}", ["IB2003 3:33-3:35 beta must be ≥ 0, got -1","IB3013 4:9-4:17 unknown key 'atention' in path 'model.atention.latent' (did you mean 'attention'?)"]],
  ["conv 8 kernel=3 name=c ⏎ conv 8 kernel=3 name=c", "      conv 8 kernel=3", "      conv 8 kernel=3 name=c\n      conv 8 kernel=3 name=c", ["IB3303 8:28-8:29 layer name 'c' is used twice in stage 'stage1'"]],
  ["repeat 0 { relu }", "      conv 8 kernel=3", "      repeat 0 { relu }", ["IB3012 7:14-7:15 'repeat' needs a whole number of times ≥ 1 and a block of layers: repeat 3 { ... }"]],
  ["model.x 3", "      conv 8 kernel=3", "      model.x 3", ["IB3011 7:7-7:14 dotted key 'model.x' is only allowed at the top level or in 'sweep'"]],
  ["backbone wrn depth=27 {", "backbone custom {", "backbone wrn depth=27 {", ["IB3304 5:22-5:24 wrn depth must be 6n+4 (10, 16, 22, 28, 40, ...), got 27","IB2005 6:5-6:10 'stages' is not allowed in backbone wrn; allowed: depth, widen, dropout, weights, strict, freeze","IB3301 18:16-18:22 unknown insertion point 'stage1': the backbone's stages are conv1, group1, group2, group3, tail"]],
  ["beta 0.01 ⏎ map 7x7", "beta 0.01", "beta 0.01\n    map 7x7", ["IB4005 21:5-21:12 the map is 7x7 but the feature map at 'stage1' is 14x14 after one step: 2x2 maxpool stride 2 'stage1/maxpool0' (28x28 -> 14x14)"]],
  ["beta 0.01 ⏎ head { ⏎ conv 2 kernel=3", "beta 0.01", "beta 0.01\n    head {\n      conv 2 kernel=3\n    }", ["IB4004 22:7-22:22 the attention head must end with 1 channel (the map), but it yields 14x14x2 (2 channels); end the head with a conv of 1 filter"]],
  ["beta 0.01 ⏎ decoder { ⏎ linear 32 ⏎ relu", "beta 0.01", "beta 0.01\n    decoder {\n      linear 32\n      relu\n    }", ["IB4006 23:7-23:11 the decoder outputs 32 values but the model has 10 classes; end the decoder with linear 10"]],
  ["maxpool 64 ⏎ stage stage2", "      maxpool 2\n    }\n    stage stage2", "      maxpool 64\n    }\n    stage stage2", ["IB4001 10:7-10:17 'stage1/maxpool0': maxpool kernel 64x64 does not fit the 28x28 input with no padding: the output would be 0x0"]],
  ["beta 0.01 ⏎ encoder_head { ⏎ conv 4 kernel=1", "beta 0.01", "beta 0.01\n    encoder_head {\n      conv 4 kernel=1\n    }", ["IB4008 22:7-22:22 the encoder head yields the map 7x7x4, but the latent layer (linear 64) needs a flat vector; end encoder_head with 'flatten' or a pooling layer"]],
  ["conv 16 kernel=3 ⏎ global_avgpool ⏎ attention at=stage2", "      conv 16 kernel=3\n      relu\n      maxpool 2\n    }\n  }\n  attention at=stage1", "      conv 16 kernel=3\n      global_avgpool\n    }\n  }\n  attention at=stage2", ["IB4003 17:16-17:22 attention at 'stage2' needs a feature map [h, w, c], but that stage yields a flat vector of 16"]],
  ["conv 16 kernel=9 padding=valid stride=4 ⏎ conv 16 kernel=9 padding=valid", "      conv 16 kernel=3", "      conv 16 kernel=9 padding=valid stride=4\n      conv 16 kernel=9 padding=valid", ["IB4001 14:7-14:37 'stage2/conv1': conv kernel 9x9 does not fit the 2x2 input with no padding: the output would be 0x0 (its input is 2x2x16 after 2x2 maxpool stride 2 'stage1/maxpool0' (28x28 -> 14x14), conv 9x9 stride 4 'stage2/conv0' (14x14 -> 2x2))"]],
];

const ACCEPT = process.env.IBC_ACCEPT_GOLDEN === '1';
const accepted = new Map<string, string[]>();

afterAll(() => {
  if (!ACCEPT) return;
  const path = fileURLToPath(import.meta.url);
  const lines = readFileSync(path, 'utf8').split('\n');
  const out = lines.map((line) => {
    const m = /^  \[(".*?"), (".*?"), (".*?"), \[.*\]\],$/.exec(line);
    const actual = m?.[1] !== undefined ? accepted.get(JSON.parse(m[1]) as string) : undefined;
    return m && actual ? `  [${m[1]}, ${m[2]}, ${m[3]}, ${JSON.stringify(actual)}],` : line;
  });
  writeFileSync(path, out.join('\n'));
});

describe('golden diagnostics', () => {
  for (const [title, from, to, expected] of cases) {
    it(title, () => {
      const diagnostics = compileDiagnostics(mutate(from, to));
      if (ACCEPT) {
        accepted.set(title, diagnostics.map(brief));
        return;
      }
      expect(diagnostics.map(brief)).toEqual(expected);
      expect(diagnostics.map((d) => d.span?.file)).toEqual(expected.map(() => '/specs/main.ibspec'));
    });
  }
});
