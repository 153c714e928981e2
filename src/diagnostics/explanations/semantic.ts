import type { semanticMessages } from '../catalog/semantic.js';
import type { Explanation } from './types.js';

/** Explanations of the semantic diagnostics (IB3xxx). */
export const semanticExplanations = {
  unknownSection: {
    explanation: 'The top level of a spec holds the sections name, model, data, train, export and sweep, plus `extends` and dotted overrides. This word is none of them.',
    example: 'modle {\n  classes 10\n}',
    fix: 'Use the section meant (the message suggests the nearest): model { ... }.',
  },
  unknownKey: {
    explanation: 'Each section knows a fixed set of keys (see docs/language.md). A misspelt key is reported rather than ignored, since ignoring it would silently run another experiment.',
    example: 'train {\n  epoch 30\n}',
    fix: 'Use the key meant: epochs 30.',
  },
  unknownLayer: {
    explanation: 'Layer lists (stages, head, decoder, classifier, encoder_head) take the layer types conv, batchnorm, relu, maxpool, avgpool, linear, dropout, ... and `repeat N { }`.',
    example: 'stage s1 {\n  convolution 64 kernel=3\n}',
    fix: 'Use a known layer type: conv 64 kernel=3.',
  },
  unknownOption: {
    explanation: 'Options are the name=value parts of a statement; each statement accepts its own set.',
    example: 'conv 64 kernal=3',
    fix: 'Use the option meant: conv 64 kernel=3.',
  },
  duplicateKey: {
    explanation: 'A key may be set once per section; the second setting would silently win otherwise. The related note points at the first one.',
    example: 'train {\n  epochs 30\n  epochs 40\n}',
    fix: 'Keep one of them. To change a base value, use extends and set it in the extending file.',
  },
  duplicateOption: {
    explanation: 'The same option appears twice in one statement.',
    example: 'optimizer sgd lr=0.1 lr=0.01',
    fix: 'Give it once.',
  },
  tooManyValues: {
    explanation: 'The statement takes fewer positional values than were given.',
    example: 'classes 10 20',
    fix: 'Give the number of values the message names: classes 10.',
  },
  unexpectedBlock: {
    explanation: 'This statement is complete without a block, so `{ ... }` after it has no meaning.',
    example: 'beta 0.01 {\n}',
    fix: 'Remove the block.',
  },
  missingBlock: {
    explanation: 'This statement introduces a section or a layer list and needs a block of statements.',
    example: 'stage s1',
    fix: 'Add the block: stage s1 { conv 64 kernel=3 }, one statement per line.',
  },
  extendsNotFirst: {
    explanation: '`extends "base.ibspec"` says what the file builds on; it must come before anything the file sets.',
    example: 'name child\nextends "base.ibspec"',
    fix: 'Move the extends line to the top of the file.',
  },
  dottedKeyNotAllowed: {
    explanation: 'Dotted keys (model.attention.beta 0.1) are overrides: allowed at the top level and in sweep, not inside sections, where the nesting already says where a key belongs.',
    example: 'model {\n  attention.beta 0.1\n}',
    fix: 'Write it at the top level (model.attention.beta 0.1) or nest it: attention at=... { beta 0.1 }.',
  },
  invalidRepeat: {
    explanation: '`repeat N { layers }` repeats a list of layers N times; N must be a whole number of at least 1 and the block must hold layers.',
    example: 'repeat 0 {\n  conv 64 kernel=3\n}',
    fix: 'Give a count of at least 1: repeat 2 { ... }.',
  },
  unknownPath: {
    explanation: 'A dotted override or sweep path names a key that does not exist at that place.',
    example: 'model.attention.betta 0.1',
    fix: 'Use the path meant: model.attention.beta 0.1.',
  },
  pathNotAValue: {
    explanation: 'A dotted path must end at a single value; sections and layer lists cannot be overridden as one value.',
    example: 'sweep {\n  model.attention in [a, b]\n}',
    fix: 'Name a key inside it: model.attention.beta in [0.01, 0.1].',
  },
  missingValue: {
    explanation: 'The key is a plain value statement and needs its value after it on the same line.',
    example: 'train {\n  epochs\n}',
    fix: 'Give the value: epochs 30.',
  },
  optionsNotAllowed: {
    explanation: 'This statement is a plain value and takes no name=value options.',
    example: 'beta 0.01 scale=2',
    fix: 'Remove the option, or set the key it names separately (kl_scale 2).',
  },
  unexpectedArguments: {
    explanation: 'This statement takes only a block; values before the block have no meaning.',
    example: 'train fast {\n  epochs 1\n}',
    fix: 'Remove the values before the block: train { ... }.',
  },
  extendsMissingFile: {
    explanation: 'The file named by `extends` could not be read. Its path is relative to the folder of the file that extends it.',
    example: 'extends "bases/cifar.ibspec"   # but the file is in base/',
    fix: 'Correct the path (relative to this file), or create the base.',
  },
  extendsCycle: {
    explanation: 'Files extend each other in a loop, so there is no first base to start from.',
    example: 'a.ibspec: extends "b.ibspec"\nb.ibspec: extends "a.ibspec"',
    fix: 'Break the loop: a base must not extend the files built on it.',
  },
  extendsNotString: {
    explanation: '`extends` takes exactly one quoted file name.',
    example: 'extends base.ibspec',
    fix: 'Quote it: extends "base.ibspec".',
  },
  missingFile: {
    explanation: 'A file given on the command line could not be read: it does not exist, is a folder where a file was expected, or is not readable.',
    example: 'ibc check spec/fashion.ibspec   # the folder is specs/',
    fix: 'Check the path and the permissions.',
  },
  notUtf8: {
    explanation: 'The file is not UTF-8 text, which spec files must be.',
    example: 'ibc check model.onnx',
    fix: 'Pass the .ibspec file, saved as UTF-8.',
  },
  malformedSweepEntry: {
    explanation: 'A sweep entry lists the values of one key: `path in [value, ...]`. The members are the cartesian product of all entries.',
    example: 'sweep {\n  model.attention.beta 0.01\n}',
    fix: 'Write the list: model.attention.beta in [0.001, 0.01].',
  },
  emptySweep: {
    explanation: 'A swept key with no values would make the sweep empty.',
    example: 'sweep {\n  train.seed in []\n}',
    fix: 'Give at least one value, or remove the entry.',
  },
  duplicateSweepPath: {
    explanation: 'The same key is swept twice; the product would contain contradictory members.',
    example: 'sweep {\n  train.seed in [1, 2]\n  train.seed in [3]\n}',
    fix: 'Merge the lists: train.seed in [1, 2, 3].',
  },
  sweepTooLarge: {
    explanation: 'The product of the swept values has more members than ibc expands at once, which is almost always a mistake in the lists.',
    example: 'Four keys with 20 values each: 160,000 members.',
    fix: 'Sweep fewer values, or split the sweep into several specs.',
  },
  duplicateSweepValue: {
    explanation: 'A value appears twice in one swept list, so two members would be identical.',
    example: 'sweep {\n  train.seed in [1, 2, 1]\n}',
    fix: 'Remove the repeated value.',
  },
  insertionPointNotAStage: {
    explanation: 'attention at=NAME inserts the attention module after the backbone stage NAME; the name must be one of the backbone\'s stages (listed in the message).',
    example: 'attention at=stage7 { ... }   # the backbone has stage1..stage5',
    fix: 'Use one of the listed stages: attention at=stage4 { ... }.',
  },
  duplicateStageName: {
    explanation: 'Stage names identify insertion points and checkpoint tensors, so each must be unique.',
    example: 'stage s1 { ... }\nstage s1 { ... }',
    fix: 'Rename one: stage s2 { ... }.',
  },
  duplicateLayerName: {
    explanation: 'Layer names (name=...) become parameter and node names, so they must be unique within the model.',
    example: 'conv 64 name=c1\nconv 64 name=c1',
    fix: 'Give each layer its own name, or leave names out (ibc names layers itself).',
  },
  wrnDepth: {
    explanation: 'A Wide ResNet of depth d has (d - 4) / 6 blocks per group, so d must be 6n + 4.',
    example: 'backbone wrn depth=30 widen=10',
    fix: 'Use 10, 16, 22, 28 or 40: depth=28.',
  },
  nesterovWithoutMomentum: {
    explanation: 'Nesterov momentum is a variant of momentum; with momentum 0 it has no meaning.',
    example: 'optimizer sgd lr=0.1 nesterov=true',
    fix: 'Add momentum: optimizer sgd lr=0.1 momentum=0.9 nesterov=true.',
  },
  classifierWithAttention: {
    explanation: 'With an attention module the decoder maps the latent code to the logits; a separate classifier would never be used.',
    example: 'model {\n  attention at=s2 { ... }\n  classifier { linear 10 }\n}',
    fix: 'Remove the classifier (put its layers in attention { decoder { ... } }), or remove the attention for a baseline.',
  },
  decoderNotEndingInClasses: {
    explanation: 'The decoder produces the logits, so its last layer must be a linear layer with one unit per class.',
    example: 'classes 10 ... decoder {\n  linear 256\n  relu\n}',
    fix: 'End it with linear 10.',
  },
  classifierNotEndingInClasses: {
    explanation: 'The classifier produces the logits, so its last layer must be a linear layer with one unit per class.',
    example: 'classes 100 ... classifier {\n  linear 10\n}',
    fix: 'End it with linear 100.',
  },
  normalizeLength: {
    explanation: 'normalize gives a mean and a std per input channel (or one value for all).',
    example: 'input 32x32x3 ... normalize mean=[0.5, 0.5] std=[0.25, 0.25, 0.25]',
    fix: 'Give 3 values (or 1): mean=[0.5, 0.5, 0.5].',
  },
  normalizeStdZero: {
    explanation: 'Normalisation divides by std, so every std must be positive.',
    example: 'normalize mean=[0.5] std=[0]',
    fix: 'Use the data set\'s real standard deviation, e.g. std=[0.3].',
  },
  randomResizedCropNeedsFolder: {
    explanation: "torchvision's RandomResizedCrop cuts a box of random area and aspect ratio from the image and resizes it to the input size. ibc takes it from the stored image of a folder data set (at its `resize` size); IDX, CIFAR and synthetic data are held at the input size, where padding and cropping (crop padding=N) is the usual augmentation.",
    example: 'data cifar10 {\n  path="cifar-10-batches-bin"\n  augment { random_resized_crop }\n}',
    fix: 'Use crop padding=4 mode=reflect for data held at the input size, or train from an image folder.',
  },
  cropAndResizedCrop: {
    explanation: "Each training example gets one crop: either torchvision's RandomCrop (crop, with padding) or its RandomResizedCrop (random_resized_crop). Both at once has no meaning in torchvision either.",
    example: 'augment {\n  crop padding=0\n  random_resized_crop\n}',
    fix: "Keep one: crop padding=0 for the reference's RandomCrop(224) of a 256 image; random_resized_crop for ImageNet-style training from scratch.",
  },
  resizedCropRange: {
    explanation: 'random_resized_crop draws the crop area fraction uniformly from scale=[low, high] and the aspect ratio log-uniformly from ratio=[low, high]; a range whose low end is above its high end is empty.',
    example: 'random_resized_crop scale=[1, 0.08]',
    fix: 'Write the low end first: scale=[0.08, 1].',
  },
  cropWithoutPadding: {
    explanation: 'A random crop of an image to its own size, without padding, always takes the whole image: it does nothing.',
    example: 'augment {\n  crop padding=0\n}',
    fix: 'Pad first (crop padding=4), or remove the crop.',
  },
  warmupLongerThanTraining: {
    explanation: 'The warm-up lists more epochs than the run trains, so its tail and the schedule after it never apply.',
    example: 'epochs 2\nwarmup [0.01, 0.02, 0.05]',
    fix: 'Shorten the warm-up or train longer.',
  },
  milestonesNotIncreasing: {
    explanation: 'multistep multiplies the rate by gamma at each milestone epoch, which must be listed in increasing order.',
    example: 'schedule multistep milestones=[150, 100] gamma=0.1',
    fix: 'Sort them: milestones=[100, 150].',
  },
  milestoneBeyondTraining: {
    explanation: 'A milestone at or after the last epoch never changes the learning rate.',
    example: 'epochs 100\nschedule multistep milestones=[50, 150]',
    fix: 'Remove it or train longer.',
  },
  quantizeRangeEmpty: {
    explanation: 'Anchors are initialised between low and high; with low >= high there is no range.',
    example: 'quantize {\n  init linspace low=1 high=0\n}',
    fix: 'Give low < high: init linspace low=0 high=1.',
  },
  frozenStageUnknown: {
    explanation: "backbone ... freeze=[NAME, ...] freezes whole stages of the backbone: their parameters never train and their batch norms normalise with, and keep, their running statistics. Each name must be one of the backbone's stages (listed in the message), the same names attention at= takes.",
    example: 'backbone resnet50 weights="resnet50-0676ba61.pth" freeze=[stem, layer7]',
    fix: 'Use the listed stage names: freeze=[stem, layer1].',
  },
  frozenStageTwice: {
    explanation: 'A stage is frozen once; naming it again changes nothing and is probably a typo for another stage.',
    example: 'backbone resnet18 freeze=[stem, stem]',
    fix: 'Remove the repeated name, or write the stage you meant.',
  },
  lrScaleOnFrozenAnchors: {
    explanation: 'lr_scale scales the anchors\' learning rate, but with trainable false the anchors are not learned at all.',
    example: 'quantize {\n  trainable false\n  lr_scale 0.01\n}',
    fix: 'Remove lr_scale, or make the anchors trainable.',
  },
  kernelEven: {
    explanation: "With an even kernel, 'same' padding cannot be centred, so the attention std map shifts by half a pixel.",
    example: 'std_head kernel=4',
    fix: 'Use an odd kernel: std_head kernel=3.',
  },
  emptyStage: {
    explanation: 'A stage without layers produces nothing to insert attention after or to count.',
    example: 'stage s3 {\n}',
    fix: 'Add layers, or remove the stage.',
  },
  clutterCanvasMismatch: {
    explanation: 'With the clutter option the model sees the canvas, not the original images: model.input must be canvas x canvas (and the images\' channels).',
    example: 'model {\n  input 64x64x1\n}\ndata idx {\n  ...\n  clutter canvas=60\n}',
    fix: 'Make the two sizes equal (input 60x60x1 with canvas=60).',
  },
  classNamesCount: {
    explanation: 'class_names names the classes in label order, one per class; the list and model.classes disagree.',
    example: 'model {\n  classes 10\n  class_names ["cat", "dog"]\n}',
    fix: 'List exactly one name per class, or drop class_names.',
  },
  batchLargerThanData: {
    explanation: 'The batch is larger than the training set, so every epoch is one partial batch.',
    example: 'data synthetic train_count=16\ntrain {\n  batch 64\n}',
    fix: 'Use a smaller batch or more data.',
  },
  dataPathNotFound: {
    explanation: 'ibc check looks for the files and folders the data section names (relative paths are relative to the spec file). One does not exist, so ibc train would stop there (IB6000). It is a warning: the spec may be meant for another machine.',
    example: 'data idx {\n  train images="fashion/train-images.gz" labels="fashion/train-labels.gz"\n  ...\n}',
    fix: 'Correct the path, or put the data set there.',
  },
  tooManyLayers: {
    explanation: 'A layer block may hold only so many layers once every `repeat` is expanded (nested repeats multiply). Far beyond any trainable model, this limit keeps a mistyped count from making ibc build millions of layers.',
    example: 'repeat 1000 {\n  repeat 1000 {\n    relu\n  }\n}',
    fix: 'Use the repeat counts you meant.',
  },
  controlCharacter: {
    explanation: 'A string of the spec holds a control character, usually a newline written as \\n. In a name, a path, a class name or a Slurm option it can only be a mistake, and in a value handed to another program (sbatch, a file name) it is how one value turns into two. ibc refuses it wherever it is written.',
    example: 'sweep {\n  slurm partition="gpu\\ntouch /tmp/x"\n}',
    fix: 'Remove the escape from the string.',
  },
  slurmValueInvalid: {
    explanation: "The sweep's Slurm settings are passed to sbatch as arguments, and checked first the way Slurm reads them: a partition is a name (or a comma-separated list of names) of letters, digits, '_', '.' and '-'; a time limit is MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS, DAYS-HOURS:MINUTES, DAYS-HOURS:MINUTES:SECONDS or UNLIMITED; memory is a whole number with an optional unit K, M, G or T.",
    example: 'sweep {\n  slurm partition="gpu;rm" time="4 hours" mem="16 GB"\n}',
    fix: 'Write the value as sbatch takes it: partition=gpu time="4:00:00" mem="16G".',
  },
  slurmSbatchRefused: {
    explanation: "Extra sbatch options (sbatch=[...] or --sbatch) are passed to sbatch as arguments. They must be long options (--name=value) from the list of those that ask for resources or set scheduling and accounting (--account, --qos, --constraint, --gres, --nodes, --mail-type, ...). Options that name files or commands (--output, --error, --chdir, --wrap, --export, --array) are refused: ibc sets the array and the log files itself, and a spec must not make Slurm write or run anything else.",
    example: 'sweep {\n  slurm sbatch=["--output=/home/me/.bashrc", "-A lab"]\n}',
    fix: 'Use the long form of an allowed option (--account=lab); leave outputs to ibc (logs/ in the sweep folder).',
  },
  sweepMemberCollision: {
    explanation: "Each member of a sweep gets its own run folder, named after the member. Names are built so that different values give different names (numbers exactly, strings with '/', '\\\\', '%' and spaces encoded, blocks by a hash), and this check runs before anything is written; two members whose folders would still be one (the same values twice, or names differing only in letter case, which a case-insensitive file system does not tell apart) would train into one folder and report each other's metrics.",
    example: 'sweep {\n  data.clutter.seed in [1, 1]\n}',
    fix: 'Make the swept values distinct (or differ in more than letter case).',
  },
  sweepSeedsOverflow: {
    explanation: "`seeds N` runs train.seed, train.seed + 1, ... train.seed + N - 1. Seeds are 32-bit numbers (0 to 4,294,967,295): the random streams take a seed modulo 2^32, so a larger seed would silently repeat the run of a smaller one.",
    example: 'train {\n  seed 4294967295\n}\nsweep {\n  seeds 3\n}',
    fix: 'Start from a smaller train.seed.',
  },
  resourceSyntheticData: {
    explanation: "The synthetic task is generated pixel by pixel in JavaScript when a run starts. A count of a billion images would need gigabytes and hours before the first step (or crash); the check counts the values first and refuses more than 2^27 (about half a minute of generation), located at the data section, like every other resource check.",
    example: 'data synthetic train_count=1000000000 test_count=256',
    fix: 'Use fewer synthetic images (train_count + test_count), or a real data set.',
  },
  extendsNotSpec: {
    explanation: 'A base spec is read, parsed and, where it has mistakes, shown line by line in code frames. So `extends` names only .ibspec files (and a link named .ibspec must lead to one): a spec from someone else cannot make ibc read and print a secret, an environment (/proc/self/environ) or any other file.',
    example: 'extends "/proc/self/environ"',
    fix: 'Name the base spec file itself (base.ibspec); rename a base that has another extension.',
  },
  specNotAFile: {
    explanation: 'ibc reads spec files only: not devices, pipes or files too large to be a spec, which could hang it or exhaust memory. The reason names what the path is.',
    example: 'ibc check /dev/zero',
    fix: 'Pass the .ibspec file itself.',
  },
  malformedZip: {
    explanation: 'A `zip { ... }` block in a sweep pairs its lists value by value (the first values together, then the second ...) instead of taking their product; it needs a block of `path in [...]` entries.',
    example: 'sweep {\n  zip model.attention.beta in [0.1, 0.01]\n}',
    fix: 'Give the block: zip { model.attention.beta in [0.1, 0.01]; train.optimizer.lr in [0.01, 0.001] }.',
  },
  zipLengthMismatch: {
    explanation: 'Zipped lists are paired value by value, so they must have the same number of values; otherwise some values would have no partner.',
    example: 'zip {\n  model.attention.beta in [0.1, 0.01]\n  train.optimizer.lr in [0.01]\n}',
    fix: 'Give every zipped list the same number of values.',
  },
  invalidSeeds: {
    explanation: '`seeds N` in a sweep runs every member N times with consecutive seeds (train.seed, train.seed + 1, ...), for error bars; N must be a whole number within the limit.',
    example: 'sweep {\n  seeds 0\n}',
    fix: 'Use a whole number of at least 1, such as seeds 3.',
  },
  malformedOverride: {
    explanation: 'Command-line overrides set spec values for one invocation, Hydra style: PATH=VALUE with a dotted key path and a value written as in a spec. The reason says what is wrong with this one.',
    example: 'ibc train spec.ibspec model.attention.beta=',
    fix: 'Write PATH=VALUE, e.g. model.attention.beta=0.1 or train.optimizer="adam".',
  },
  overrideOfSweptPath: {
    explanation:
      "A note: the spec sweeps this key and the command line says otherwise, as Hydra does. One value (PATH=0.5) pins it: `ibc train` trains that value, and `ibc sweep` drops the spec's axis so every member gets it. A list (PATH=0.1,0.2, with ibc sweep) replaces the spec's values and keeps the axis's place (in a zip too). The note says what the spec listed, so nothing is replaced unseen; the member names and sweep.json show what was run.",
    example: 'ibc sweep spec.ibspec model.attention.beta=0.001,0.01   # the spec sweeps model.attention.beta in [0.1, 1]',
    fix: 'Nothing to fix when this is what you meant; otherwise drop the override, or change the values in the spec\'s sweep.',
  },
  malformedSlurm: {
    explanation: 'The `slurm` statement of a sweep gives Slurm job options as name=value options only (partition, time, mem, cpus_per_task, gpus_per_task).',
    example: 'sweep {\n  slurm gpu\n}',
    fix: 'Write options: slurm partition=gpu time="4:00:00".',
  },
  duplicateOverride: {
    explanation: 'The same key is overridden twice on one command line; which one would win is not obvious, so it is an error.',
    example: 'ibc train spec.ibspec train.seed=1 train.seed=2',
    fix: 'Give each key once.',
  },
  overrideListOutsideSweep: {
    explanation:
      'A comma-separated list of values on the command line (PATH=a,b,c) is a sweep, Hydra style: `ibc sweep` (and `ibc expand`, `ibc check`) read it as one axis with a member per value. A command that makes one run (train, compile, bench) takes one value per key.',
    example: 'ibc train spec.ibspec model.attention.beta=0.001,0.01',
    fix: 'Run the sweep with `ibc sweep spec.ibspec model.attention.beta=0.001,0.01`, or give one value: model.attention.beta=0.01. A list value of a key that takes a list is written in brackets: normalize.mean=[0.5,0.5,0.5].',
  },
  pretrainedUnreadable: {
    explanation:
      'weights= must name a file ibc can read: a PyTorch state dict saved with torch.save (the zip format of torch 1.6 and later), a .safetensors file, an ibc checkpoint (.ibck) or an ibc run directory. The format is recognised by the file\'s content. A .pth file is a pickle, and unpickling runs code: ibc reads it as torch.load(weights_only=True) does, allowing only the globals a state dict needs (OrderedDict, the tensor and parameter rebuild functions, the storage classes) and refusing anything else, by name, without running it. A file cut short, a storage shorter than its tensor, a value that is not a tensor or a size the file does not hold are reported here too.',
    example: 'backbone resnet50 weights="resnet50-0676ba61.pth"   # the file is not there, or is a model object saved with torch.save(model)',
    fix: "Point weights= at the file (relative paths start at the spec's folder). Save state dicts, not models: torch.save(model.state_dict(), 'trunk.pth'), or use safetensors.",
  },
  pretrainedShapeMismatch: {
    explanation:
      "A tensor of the weights file has the name of a trunk parameter but another shape: the file is for another architecture or width (resnet50 against wrn50_2, vgg16_bn's CIFAR variant against torchvision's). Shapes are compared in the file's own layout (PyTorch: convolution kernels OIHW, linear weights [out, in]); ibc converts them to its layout (HWIO, [in, out]) when it loads them. A shape mismatch is an error even with strict=false, as in PyTorch's load_state_dict.",
    example: 'backbone resnet50 weights="wide_resnet50_2-95faca4d.pth"',
    fix: 'Use the backbone the file was trained for (here: backbone wrn50_2), or the file for this backbone.',
  },
  pretrainedMissing: {
    explanation:
      "Some trunk parameters (convolution kernels, biases, batch-norm scales, shifts and moving statistics) have no tensor in the file. A trunk loaded in part trains from a mix of pretrained and random layers, which is rarely what was meant, so it is an error unless the backbone says strict=false. `ibc check --weights` lists the full mapping.",
    example: 'backbone vgg16_bn weights="vgg16_bn-6c64b313.pth"   # the CIFAR variant has a tail torchvision lacks',
    fix: "Use the matching backbone (for torchvision's vgg16_bn: backbone vgg16_bn variant=imagenet), or accept a partial trunk with strict=false.",
  },
  pretrainedUnexpected: {
    explanation:
      "Some tensors of the file have no place in the trunk. The classifier (torchvision's fc and classifier layers, which the IB head replaces) and batch norm's num_batches_tracked counters are expected and never reported; other tensors mean the file holds layers this backbone does not have, or names ibc does not know (a DataParallel 'module.' prefix is removed first). Ignoring them silently could hide a wrong file, so it is an error unless strict=false.",
    example: 'backbone resnet18 weights="resnet34-b627a593.pth"',
    fix: 'Use the backbone the file was saved from, or strict=false to ignore them.',
  },
  pretrainedMissingAllowed: {
    explanation: 'strict=false: the listed trunk parameters have no tensor in the file and keep their random initial values.',
    example: 'backbone vgg16_bn weights="vgg16_bn-6c64b313.pth" strict=false',
    fix: 'Nothing, if a partial trunk is what you meant; otherwise use the backbone that matches the file.',
  },
  pretrainedUnexpectedAllowed: {
    explanation: 'strict=false: the listed tensors of the file have no place in the trunk and are not loaded.',
    example: 'backbone resnet18 weights="resnet34-b627a593.pth" strict=false',
    fix: 'Nothing, if that is what you meant.',
  },
  pretrainedNotFloat: {
    explanation: 'Parameters are float32 in ibc. A file may store float64, float16 or bfloat16 values (they are converted), but an integer or boolean tensor cannot be a weight.',
    example: "a state dict whose 'conv1.weight' was saved as torch.int8 (a quantized model)",
    fix: 'Save the floating-point state dict (dequantize first).',
  },
  pretrainedLoaded: {
    explanation:
      'What the weights file gives the model: how many trunk parameters it feeds, whether layouts are converted (PyTorch OIHW convolutions to ibc\'s HWIO, linear weights transposed), which tensors of the file are not used (the classifier, batch-norm counters), and which parts of the model keep their random initial values (the attention head, the encoder and decoder). `ibc check --weights` prints the full table, one line per parameter.',
    example: 'backbone resnet50 weights="resnet50-0676ba61.pth"',
    fix: 'Nothing: it is information.',
  },
  pretrainedStrictUnused: {
    explanation: 'strict= says how a weights file must match the trunk; without weights= there is no file, so it says nothing.',
    example: 'backbone resnet18 strict=false',
    fix: 'Remove strict=, or add weights="...".',
  },
  clipBoth: {
    explanation:
      'Gradient clipping rescales all gradients so that their global L2 norm is at most norm= (torch.nn.utils.clip_grad_norm_), or clamps each gradient value to [-value, value] (clip_grad_value_). Like Lightning (gradient_clip_algorithm), ibc applies one of them, so a spec says which.',
    example: 'train {\n  clip norm=1.0 value=0.5\n}',
    fix: 'Keep one: clip norm=1.0 (the usual choice) or clip value=0.5.',
  },
  clipNeither: {
    explanation: 'clip without norm= or value= does not say how to clip, so it would do nothing.',
    example: 'train {\n  clip\n}',
    fix: 'Give the bound: clip norm=1.0, or remove the statement.',
  },
  earlyStopWithoutValidation: {
    explanation:
      'Early stopping watches a validation metric after each epoch and stops when it has not improved for `patience` epochs. Without a validation split there is nothing to watch, and ibc never selects on the test set.',
    example: 'data synthetic {\n  validation 0\n}\ntrain {\n  early_stop patience=3\n}',
    fix: "Hold out part of the training data: 'validation 0.1' in the data section, or remove early_stop.",
  },
  warmupBoth: {
    explanation:
      "warmup steps=N ramps the schedule's rate linearly over the first N optimizer steps; warmup [r1, r2, ...] replaces the schedule's rate for the first epochs with explicit rates. The two would disagree about the first epochs, so a spec uses one.",
    example: 'warmup lrs=[0.01] steps=500',
    fix: 'Keep one: warmup steps=500, or warmup [0.01].',
  },
  warmupNeither: {
    explanation: 'warmup without steps= or a list of rates does not say how to warm up, so it would do nothing.',
    example: 'train {\n  warmup\n}',
    fix: 'Give a length: warmup steps=500, or rates: warmup [0.01]; or remove the statement.',
  },
} as const satisfies Record<keyof typeof semanticMessages, Explanation>;
