import type { weightsMessages } from '../catalog/weights.js';
import type { Explanation } from './types.js';

const PTH = 'backbone resnet50 weights="resnet50-0676ba61.pth"';

/** Explanations of the pretrained-weights diagnostics (IB3400-IB3449, IB6500-IB6599). */
export const weightsExplanations = {
  weightsUnreadable: {
    explanation:
      'weights= must name a file ibc can read: a PyTorch state dict saved with torch.save (the zip format of torch 1.6 and later), a .safetensors file, an ibc checkpoint (.ibck) or an ibc run directory. The format is recognised by the file\'s content. A .pth file is a pickle, and unpickling runs code: ibc reads it as torch.load(weights_only=True) does, allowing only the globals a state dict needs (OrderedDict, the tensor and parameter rebuild functions, the storage classes) and refusing anything else, by name, without running it. A file cut short, a storage shorter than its tensor, a value that is not a tensor or a size the file does not hold are reported here too.',
    example: `${PTH}   # the file is not there, or is a model object saved with torch.save(model)`,
    fix: "Point weights= at the file (relative paths start at the spec's folder). Save state dicts, not models: torch.save(model.state_dict(), 'trunk.pth'), or use safetensors.",
  },
  weightsShapeMismatch: {
    explanation:
      "A tensor of the weights file has the name of a trunk parameter but another shape: the file is for another architecture or width (resnet50 against wrn50_2, vgg16_bn's CIFAR variant against torchvision's). Shapes are compared in the file's own layout (PyTorch: convolution kernels OIHW, linear weights [out, in]); ibc converts them to its layout (HWIO, [in, out]) when it loads them. A shape mismatch is an error even with strict=false, as in PyTorch's load_state_dict.",
    example: 'backbone resnet50 weights="wide_resnet50_2-95faca4d.pth"',
    fix: 'Use the backbone the file was trained for (here: backbone wrn50_2), or the file for this backbone.',
  },
  weightsMissing: {
    explanation:
      "Some trunk parameters (convolution kernels, biases, batch-norm scales, shifts and moving statistics) have no tensor in the file. A trunk loaded in part trains from a mix of pretrained and random layers, which is rarely what was meant, so it is an error unless the backbone says strict=false. `ibc check --weights` lists the full mapping.",
    example: 'backbone vgg16_bn weights="vgg16_bn-6c64b313.pth"   # the CIFAR variant has a tail torchvision lacks',
    fix: "Use the matching backbone (for torchvision's vgg16_bn: backbone vgg16_bn variant=imagenet), or accept a partial trunk with strict=false.",
  },
  weightsUnexpected: {
    explanation:
      "Some tensors of the file have no place in the trunk. The classifier (torchvision's fc and classifier layers, which the IB head replaces) and batch norm's num_batches_tracked counters are expected and never reported; other tensors mean the file holds layers this backbone does not have, or names ibc does not know (a DataParallel 'module.' prefix is removed first). Ignoring them silently could hide a wrong file, so it is an error unless strict=false.",
    example: 'backbone resnet18 weights="resnet34-b627a593.pth"',
    fix: 'Use the backbone the file was saved from, or strict=false to ignore them.',
  },
  weightsMissingAllowed: {
    explanation: 'strict=false: the listed trunk parameters have no tensor in the file and keep their random initial values.',
    example: 'backbone vgg16_bn weights="vgg16_bn-6c64b313.pth" strict=false',
    fix: 'Nothing, if a partial trunk is what you meant; otherwise use the backbone that matches the file.',
  },
  weightsUnexpectedAllowed: {
    explanation: 'strict=false: the listed tensors of the file have no place in the trunk and are not loaded.',
    example: 'backbone resnet18 weights="resnet34-b627a593.pth" strict=false',
    fix: 'Nothing, if that is what you meant.',
  },
  weightsNotFloat: {
    explanation: 'Parameters are float32 in ibc. A file may store float64, float16 or bfloat16 values (they are converted), but an integer or boolean tensor cannot be a weight.',
    example: "a state dict whose 'conv1.weight' was saved as torch.int8 (a quantized model)",
    fix: 'Save the floating-point state dict (dequantize first).',
  },
  weightsLoaded: {
    explanation:
      'What the weights file gives the model: how many trunk parameters it feeds, whether layouts are converted (PyTorch OIHW convolutions to ibc\'s HWIO, linear weights transposed), which tensors of the file are not used (the classifier, batch-norm counters), and which parts of the model keep their random initial values (the attention head, the encoder and decoder). `ibc check --weights` prints the full table, one line per parameter.',
    example: PTH,
    fix: 'Nothing: it is information.',
  },
  weightsStrictUnused: {
    explanation: 'strict= says how a weights file must match the trunk; without weights= there is no file, so it says nothing.',
    example: 'backbone resnet18 strict=false',
    fix: 'Remove strict=, or add weights="...".',
  },
  weightsReadFailed: {
    explanation: "The weights file passed `ibc check` but could not be read when training started: it changed or became unreadable in between, or a tensor's data is damaged (its CRC-32 in the zip does not match).",
    example: 'ibc train spec.ibspec   # the weights file was replaced while ibc was reading it',
    fix: 'Check the file (ibc check spec.ibspec) and train again.',
  },
  weightsChangedOnResume: {
    explanation:
      "A run records the weights file it started from (path, size and SHA-256, in its checkpoints and summary.json). Resuming continues from the run's own checkpoint, but a changed or missing weights file means the spec no longer describes the run's beginning: the resumed run could not be reproduced. It is refused.",
    example: 'ibc train spec.ibspec --resume runs/cub   # after trunk.pth was replaced by another file',
    fix: 'Restore the original weights file, or start a new run.',
  },
} satisfies Record<keyof typeof weightsMessages, Explanation>;
