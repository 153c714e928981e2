import type { runtimeMessages } from '../catalog/runtime.js';
import type { Explanation } from './types.js';

const DATA_FILE_FIX = 'Re-download or re-extract the data set, and check that the spec names the right file.';

/** Explanations of the run-time diagnostics (IB6xxx): data, checkpoints, run directories, training, backends, TF.js artifacts. */
export const runtimeExplanations = {
  dataPathMissing: {
    explanation: 'A file or folder the data section names does not exist. Relative paths are relative to the spec file that wrote them; the error underlines the path in the spec. `ibc check` warns about this ahead of time (IB3327).',
    example: 'data idx {\n  train images="fashion/train-images-idx3-ubyte.gz" ...   # no fashion/ folder next to the spec\n}',
    fix: 'Correct the path or put the data there (Debian: apt-get install dataset-fashion-mnist puts Fashion-MNIST in /usr/share/datasets/fashion-mnist).',
  },
  dataReadFailed: {
    explanation: 'The data file exists but could not be read (permissions, a folder where a file was expected, an I/O error).',
    example: 'A data file readable only by root.',
    fix: 'Fix the permissions or the path.',
  },
  dataGzipFailed: {
    explanation: 'The file starts with the gzip signature but does not decompress: it is truncated or damaged.',
    example: 'A download interrupted halfway: train-images-idx3-ubyte.gz of 3 MB instead of 26 MB.',
    fix: DATA_FILE_FIX,
  },
  dataIdxBadMagic: {
    explanation: 'IDX files start with a magic number saying what they hold (images 0x803, labels 0x801). This file says something else: images and labels are swapped, or it is not an IDX file.',
    example: 'train images="train-labels-idx1-ubyte.gz" labels="train-images-idx3-ubyte.gz"',
    fix: 'Swap the two paths, or name the right files.',
  },
  dataIdxBadHeader: {
    explanation: 'The IDX header (dimension count and sizes) is malformed.',
    example: 'A file that only looks like IDX by its first bytes.',
    fix: DATA_FILE_FIX,
  },
  dataTruncated: {
    explanation: 'The header promises more bytes than the file holds.',
    example: 'A partially copied data file.',
    fix: DATA_FILE_FIX,
  },
  dataTrailingBytes: {
    explanation: 'The file is longer than its header says; it may be two files concatenated or the wrong file.',
    example: 'cat a.idx b.idx > train.idx',
    fix: DATA_FILE_FIX,
  },
  dataCountMismatch: {
    explanation: 'The images file and the labels file of a split must hold the same number of examples.',
    example: 'train images="train-images..." labels="t10k-labels..."   # 60,000 images, 10,000 labels',
    fix: 'Pair the images with their own labels file.',
  },
  dataShapeMismatch: {
    explanation: 'The images have another size or channel count than model.input.',
    example: 'model {\n  input 32x32x3\n}\ndata idx { ... Fashion-MNIST (28x28x1) ... }',
    fix: 'Set model.input to the images\' shape (28x28x1), or use a folder data set, which resizes.',
  },
  dataLabelOutOfRange: {
    explanation: 'Labels are class indices 0..classes-1; a label in the data is not below model.classes.',
    example: 'classes 10 with CIFAR-100 labels (0..99).',
    fix: 'Set classes to the data set\'s class count.',
  },
  dataCifarBadSize: {
    explanation: 'CIFAR binary files are whole numbers of fixed-size records (3,073 bytes for CIFAR-10, 3,074 for CIFAR-100). The file is not.',
    example: 'data cifar100 path="cifar-10-batches-bin"',
    fix: 'Use the kind that matches the files (cifar10 / cifar100), or re-download them.',
  },
  dataFolderNoClasses: {
    explanation: 'A folder data set has one subfolder of images per class; this folder has none.',
    example: 'data folder train="images" ...   # images/*.jpg with no class subfolders',
    fix: 'Arrange the images as train/<class>/*.jpg.',
  },
  dataFolderEmptyClass: {
    explanation: 'A class subfolder holds no .png, .jpg or .jpeg images.',
    example: 'train/cat/ holds only .webp files.',
    fix: 'Convert the images or remove the empty class.',
  },
  dataFolderUnknownClass: {
    explanation: 'A test class folder has no training class of the same name, so its label would mean nothing.',
    example: 'train/{cat,dog}, test/{cat,dog,bird}',
    fix: 'Use the same class folders in both splits.',
  },
  dataImageDecodeFailed: {
    explanation: 'An image file of a folder data set could not be decoded as JPEG, PNG or WebP: it is cut short, corrupt, not an image at all, or claims an absurd size. The run stops at the first such file, naming it and the reason.',
    example: 'A .jpg that is really HTML from a failed download.',
    fix: "Replace or remove the file; or add `bad_files skip` to the spec's data folder section to leave such files out (counted, and listed in the run directory's skipped-images.json).",
  },
  dataResizeTooSmall: {
    explanation: 'With resize N, the shorter side is scaled to N and the input size is then cropped; N is smaller than that crop.',
    example: 'input 224x224x3 with resize 128',
    fix: 'Use a resize at least the input size (CUB: resize 256 for 224).',
  },
  dataNormalizeChannels: {
    explanation: 'normalize gives a number of values that is neither 1 nor the images\' channel count.',
    example: 'RGB images with normalize mean=[0.5, 0.5]',
    fix: 'Give 1 value or one per channel.',
  },
  dataNormalizeZeroStd: {
    explanation: 'normalize std must be positive: pixels are divided by it.',
    example: 'normalize std=[0]',
    fix: 'Use the data set\'s standard deviation.',
  },
  dataValidationTooLarge: {
    explanation: 'The validation fraction would take (almost) every training example, leaving none to train on.',
    example: 'validation 1.0',
    fix: 'Use a fraction such as 0.1.',
  },
  dataEmptySplit: {
    explanation: 'A split holds no examples after reading (or after --limit-*).',
    example: 'An empty test folder.',
    fix: 'Point the split at the data, or raise the limit.',
  },
  dataCropTooLarge: {
    explanation: 'The crop padding mode needs images larger than the padding (reflect padding cannot reflect more pixels than the image has).',
    example: 'augment {\n  crop padding=8 mode=reflect\n}   # with 4x4 images',
    fix: 'Use a smaller padding or mode=zero.',
  },
  dataClassesMismatch: {
    explanation: 'The data set has another number of classes than model.classes.',
    example: 'classes 10 with a folder of 200 class subfolders.',
    fix: 'Set classes to the data set\'s count.',
  },
  dataClutterMismatch: {
    explanation: 'The clutter option places each image on a square canvas and cuts clutter patches from other images; the canvas must hold the image and a patch must fit inside an image.',
    example: 'data idx {\n  ...\n  clutter canvas=20 pieces=8 piece_size=8   # Fashion-MNIST items are 28x28\n}',
    fix: 'Make canvas at least the image size (60 for 28x28 items, with room to move) and piece_size at most the image size.',
  },
  dataCubMalformed: {
    explanation: "A line of CUB-200-2011's metadata (images.txt, bounding_boxes.txt, image_class_labels.txt, train_test_split.txt) does not have the form the data set ships: an image id from 1, then the fields the file holds, separated by spaces.",
    example: 'bounding_boxes.txt:\n2 0 0 twenty 20',
    fix: 'Re-extract CUB_200_2011.tgz, or correct the line the message names.',
  },
  dataDecoderUnavailable: {
    explanation: "Image folders are decoded by sharp (libvips), whose prebuilt binaries come inside npm packages for each platform (@img/sharp-<platform>). It could not be loaded: the platform's package is missing (node_modules copied from another platform, or installed with --omit=optional), or the platform has no prebuilt binary.",
    example: 'node_modules installed on macOS, copied to a Linux machine.',
    fix: 'Run npm ci on the machine that runs ibc (it installs the package for that platform, no download beyond the npm registry).',
  },
  dataCacheWriteFailed: {
    explanation: "ibc keeps decoded, resized images of folder data sets in a cache so that later runs start within seconds. The cache folder (--data-cache DIR, else $IBC_CACHE_DIR, else $XDG_CACHE_HOME/ibc, else ~/.cache/ibc) could not be written: no space, no permission, a read-only file system.",
    example: 'A home folder on a full disk: ENOSPC while writing images/v1/<slot>/<key>.tmp-123/shard-00004.bin.',
    fix: 'Free space, or put the cache on a disk with room (--data-cache /scratch/ibc-cache, or IBC_CACHE_DIR), or run without it (--data-cache off; every run then decodes again and the data must fit the memory budget).',
  },
  dataCacheUnreadable: {
    explanation: 'A file of the image cache could not be read back while training streamed from it: it was deleted, truncated or the disk failed.',
    example: 'The cache folder deleted by hand while a run streamed from it.',
    fix: 'Delete the cache entry named (or the whole cache folder) and run again: the images are decoded and cached anew.',
  },
  dataTooLargeWithoutCache: {
    explanation: "Folder data sets larger than the memory budget (--data-memory, default a quarter of this machine's memory) are streamed from the image cache's files. With the cache turned off there is nothing to stream from.",
    example: 'ibc train photos.ibspec --data-cache off --data-memory 1G   # with 3 GB of decoded images',
    fix: 'Turn the cache on (drop --data-cache off, or give --data-cache DIR), or raise --data-memory if the machine has the memory.',
  },
  dataImagesSkipped: {
    explanation: "The spec's `bad_files skip` lets a run go on past image files that cannot be decoded (truncated, corrupt, not an image). They are left out of the data set, counted here and listed with their reasons in the run directory's skipped-images.json.",
    example: 'data folder {\n  train="photos/train" test="photos/test"\n  bad_files skip\n}',
    fix: 'Repair or remove the files listed, or leave them skipped knowingly. Without `bad_files skip` the first such file stops the run (IB6014).',
  },
  checkpointMissing: {
    explanation: 'The checkpoint file named does not exist (a run writes one after each completed epoch).',
    example: 'A run interrupted before its first epoch ended.',
    fix: 'Train at least one epoch, or name another run.',
  },
  checkpointReadFailed: {
    explanation: 'The checkpoint exists but could not be read.',
    example: 'A checkpoint on an unmounted network drive.',
    fix: 'Fix the permissions or the path.',
  },
  checkpointBadMagic: {
    explanation: 'ibc checkpoints (.ibck) start with the bytes "IBCK"; this file does not.',
    example: 'Passing a PyTorch .pt file as a checkpoint.',
    fix: 'Use a checkpoint written by ibc train.',
  },
  checkpointTruncated: {
    explanation: 'The checkpoint is shorter than its header says: a copy was cut short. (ibc writes checkpoints atomically, so a crash during training never leaves one half-written.)',
    example: 'A partial scp of last.ibck.',
    fix: 'Copy it again, or use best.ibck.',
  },
  checkpointChecksumMismatch: {
    explanation: 'Every checkpoint carries a checksum of its contents; it does not match, so some bytes changed after writing.',
    example: 'Disk corruption, or an edit of the file.',
    fix: 'Use another copy, or the other checkpoint of the run.',
  },
  checkpointFutureVersion: {
    explanation: 'The checkpoint was written by a newer ibc with a format this one does not read.',
    example: 'A run trained with ibc 0.3 evaluated with ibc 0.1.',
    fix: 'Upgrade ibc.',
  },
  checkpointMalformed: {
    explanation: 'The checkpoint\'s structure is inconsistent (tensor table, sizes or metadata).',
    example: 'A file that was edited by hand.',
    fix: 'Use another checkpoint of the run.',
  },
  checkpointWriteFailed: {
    explanation: 'A checkpoint could not be written (full disk, permissions). The previous one is left intact.',
    example: 'A run directory on a full disk.',
    fix: 'Free space or fix permissions, then --resume the run.',
  },
  imageWriteFailed: {
    explanation: 'An attention-map image could not be written.',
    example: 'A read-only attention/ folder.',
    fix: 'Fix the permissions, then run ibc attention RUN_DIR.',
  },
  imageFontMissing: {
    explanation: 'Attention figures are drawn as SVG and rendered with resvg in DejaVu Sans, a real font; it is not installed where ibc looks (/usr/share/fonts).',
    example: 'A minimal container without fonts.',
    fix: 'apt-get install fonts-dejavu-core (scripts/setup.sh does), then run ibc attention RUN_DIR.',
  },
  imageClearFailed: {
    explanation: 'Before writing, ibc attention removes the attention images (test-*.png, grid.png) an earlier call left in the folder, so that a folder never mixes two calls; one of them could not be removed.',
    example: 'A read-only attention/ folder.',
    fix: 'Fix the permissions, or give another folder with --out.',
  },
  runDirEscape: {
    explanation: 'Everything a run writes stays inside its run directory. This path would leave it (absolute, `..`, or a symbolic link pointing outside).',
    example: 'A symbolic link runs/a/checkpoints -> /etc',
    fix: 'Remove the link, or use a fresh --out.',
  },
  runDirCreateFailed: {
    explanation: 'The run directory could not be created (permissions, a file of that name).',
    example: '--out /root/runs/a as a normal user.',
    fix: 'Choose a writable --out.',
  },
  runDirWriteFailed: {
    explanation: 'A file in the run directory could not be written.',
    example: 'The disk filled up during training.',
    fix: 'Free space, then --resume the run.',
  },
  runDirHoldsRun: {
    explanation: 'ibc train never overwrites a run: --out names a folder that already holds one (its checkpoints, metrics or resolved spec), and training into it would destroy them.',
    example: 'ibc train spec.ibspec --out runs/a --epochs 3\nibc train spec.ibspec --out runs/a --epochs 1',
    fix: 'Continue it with --resume runs/a (and --epochs N to go further), train into a new --out (or none: the default is a new folder under runs/), or pass --overwrite to replace it on purpose.',
  },
  runDirNotEmpty: {
    explanation: '--out names a folder with other files in it. ibc writes a run only into a new or empty folder, and --overwrite replaces only runs, so it never deletes files it did not write.',
    example: 'ibc train spec.ibspec --out .',
    fix: 'Choose a new folder: --out runs/a.',
  },
  trainNonFiniteLoss: {
    explanation: 'The loss became NaN or infinite: training diverged, usually from too high a learning rate. The run stops at once and keeps the last good checkpoint.',
    example: 'optimizer sgd lr=10',
    fix: 'Lower the learning rate or add a warm-up, then train again (or --resume from the kept checkpoint with the same spec).',
  },
  trainRunDirMissing: {
    explanation: 'The folder is not a run directory (missing, a file, or without resolved-spec.json).',
    example: 'ibc eval runs/   # the folder of runs',
    fix: 'Pass one run directory.',
  },
  trainCheckpointMissing: {
    explanation: 'The run has no checkpoint of that kind: last.ibck appears after the first epoch, best.ibck only with a validation split.',
    example: 'ibc eval runs/a --checkpoint best   # a run without validation',
    fix: 'Use --checkpoint last, or train with data.validation > 0.',
  },
  trainBadOption: {
    explanation: 'A training option has a value that cannot be used here (for example a resumed run keeps the --seed and --limit-* it started with).',
    example: 'ibc train spec.ibspec --resume runs/a --seed 9',
    fix: 'Drop the option, or start a new run to change it.',
  },
  trainCheckpointMismatch: {
    explanation: 'The checkpoint does not fit the model (another spec, or a spec hash that differs from the run\'s resolved spec).',
    example: 'A checkpoint copied from another run.',
    fix: 'Use the run\'s own checkpoint.',
  },
  resumeCheckpointMissing: {
    explanation: '--resume continues from checkpoints/last.ibck, which this run does not have yet.',
    example: 'A run interrupted during its first epoch.',
    fix: 'Start it again without --resume (with --overwrite for the same --out).',
  },
  resumeCheckpointCorrupt: {
    explanation: 'The checkpoint to resume from cannot be read; ibc never silently starts fresh instead.',
    example: 'last.ibck damaged on disk.',
    fix: 'Restore it from a copy, or start a new run.',
  },
  resumeSpecMismatch: {
    explanation: 'The spec has changed since the run started, so continuing would mix two experiments.',
    example: 'ibc train spec.ibspec --out runs/a\n# edit the spec\nibc train spec.ibspec --resume runs/a',
    fix: 'Resume with the run\'s own spec (runs/a/spec.ibspec), or start a new run.',
  },
  resumeAlreadyDone: {
    explanation: 'The run has trained all its epochs; resuming has nothing to do.',
    example: 'ibc train spec.ibspec --resume runs/a   # a finished 3-epoch run',
    fix: 'Pass --epochs N with a larger N to train further.',
  },
  backendUnavailable: {
    explanation: 'The backend asked for cannot run here (not built, its library or device missing); the message says why.',
    example: '--backend ibc-native without the native addon built.',
    fix: 'Build or install what the message names, or use --backend auto.',
  },
  backendSlowCpu: {
    explanation:
      "No fast backend is available, so the model runs on TF.js's plain JavaScript backend, about 100 times slower than ibc's native oneDNN kernels. The message says why the native kernels did not load (usually a missing system library) and the one command that fixes it; `ibc doctor` shows the same with everything else this machine offers.",
    example: 'ibc train spec.ibspec on a machine without oneDNN: "because the native kernels (.../prebuilds/linux-x64/ibc_native.node) need libdnnl.so.2, which is not installed (oneDNN, the kernel library). To fix it: apt-get install -y libdnnl2"',
    fix: 'Run the command the message gives (for the npm package on Debian 12: apt-get install -y libdnnl2; in a checkout: apt-get install -y libdnnl-dev && npm run build:native), then check with ibc doctor.',
  },
  stepCompiledUnavailable: {
    explanation:
      "The compiled training step (forward, loss, backward and optimizer planned once from the IR and run as direct native kernel calls) runs only on the ibc-native backend, for models without an EMA of weights. --step compiled asks for it explicitly, so ibc stops rather than silently training another way.",
    example: 'ibc train spec.ibspec --backend webgpu --step compiled',
    fix: 'Use --step auto (the default: compiled where it can run, the TF.js executor elsewhere), or --step tfjs.',
  },
  precisionNeedsCompiledStep: {
    explanation:
      "Training in bf16 (train.precision bf16, or --precision bf16) runs the convolutions and matrix products of ibc-native's compiled training step on oneDNN's bf16 primitives. The TF.js executor (other backends, --step tfjs, specs with an EMA of weights) computes in float32 only, so ibc stops rather than silently training in another precision than the run records.",
    example: 'ibc train spec.ibspec --precision bf16 --backend webgpu',
    fix: 'Train on ibc-native with the compiled step (--backend auto or ibc-native, --step auto), or in fp32.',
  },
  precisionBf16Unsupported: {
    explanation:
      "bf16 training needs oneDNN's native bf16 kernels, which use the AVX512_BF16 instructions (Intel Cooper Lake and later Xeons, AMD Zen 4 and later) or AMX (Sapphire Rapids and later). On other CPUs oneDNN would run its slow reference code, slower than float32, so ibc refuses instead. ibc asks oneDNN which instruction set it dispatches (its effective ISA), which the environment variable ONEDNN_MAX_CPU_ISA can lower; `ibc bench` prints it.",
    example: 'ONEDNN_MAX_CPU_ISA=AVX512_CORE ibc train spec.ibspec --precision bf16',
    fix: 'Train in fp32 (--precision fp32 or no train.precision), on a CPU with AVX512_BF16 or AMX, or without an ONEDNN_MAX_CPU_ISA below AVX512_CORE_BF16. If the message says the kernels predate bf16 support, rebuild them: npm run build:native.',
  },
  backendWebgpuMissing: {
    explanation: 'The webgpu backend needs an optional package that could not be loaded.',
    example: '--backend webgpu without @tensorflow/tfjs-backend-webgpu installed.',
    fix: 'Install the package the message names.',
  },
  onnxruntimeMissing: {
    explanation:
      "Running an ONNX file (compile --verify, bench --target onnx) needs onnxruntime-node. It is an optional peer of ibc, not a dependency: as a dependency its install script downloads ONNX Runtime's CUDA provider from NuGet, which fails on machines that reach only the npm registry, and it adds about 290 MB that exporting ONNX never needs. Writing ONNX files (ibc compile --target onnx) works without it.",
    example: 'ibc compile spec.ibspec --target onnx --out m.onnx --verify, with ibc installed globally and onnxruntime-node not installed',
    fix: "Install it where ibc is installed, as the message says: ONNXRUNTIME_NODE_INSTALL=skip npm install -g onnxruntime-node@1.30.0 for a global ibc, the same without -g in a project that depends on ibc. ONNXRUNTIME_NODE_INSTALL=skip is onnxruntime-node's own switch: its CPU runtime ships in the package; leave the switch out on a machine with CUDA 12 and internet access to get its CUDA provider too.",
  },
  tfjsArtifactMissing: {
    explanation: 'A TF.js artifact is a folder with model.json and weights.bin; this path is not one.',
    example: 'loadModel("out/model.onnx")',
    fix: 'Pass the folder written by ibc compile --target tfjs.',
  },
  tfjsArtifactUnreadable: {
    explanation: 'A file of the TF.js artifact (model.json or weights.bin) could not be read.',
    example: 'Permissions on model.json.',
    fix: 'Fix the permissions or the path.',
  },
  tfjsArtifactMalformed: {
    explanation: 'model.json is not a valid ibc TF.js model.',
    example: 'A model.json edited by hand.',
    fix: 'Compile the artifact again.',
  },
  tfjsArtifactFutureVersion: {
    explanation: 'The TF.js artifact was written by a newer ibc, with a format version this one does not read.',
    example: 'An artifact from ibc 0.3 loaded by ibc 0.1.',
    fix: 'Upgrade ibc.',
  },
  tfjsWeightsMissing: {
    explanation: 'model.json names a weights file that is not there.',
    example: 'model.json copied without weights.bin.',
    fix: 'Copy the whole artifact folder.',
  },
  tfjsWeightsSizeMismatch: {
    explanation: 'weights.bin has another size than model.json describes: truncated, or from another model.',
    example: 'weights.bin of another compile.',
    fix: 'Compile the artifact again.',
  },
  tfjsWeightsCorrupt: {
    explanation: 'weights.bin does not match the SHA-256 recorded in model.json.',
    example: 'A damaged copy.',
    fix: 'Compile or copy the artifact again.',
  },
  tfjsArtifactWriteFailed: {
    explanation: 'The TF.js artifact folder (model.json and weights.bin) could not be written.',
    example: '--out on a read-only disk.',
    fix: 'Choose a writable --out.',
  },
  tfjsInputShapeMismatch: {
    explanation: 'predict takes a batch of NHWC float32 images of the model\'s input size.',
    example: 'predict on a [28, 28, 1] tensor without the batch dimension.',
    fix: 'Add the batch dimension: [1, 28, 28, 1].',
  },
  runDirLocked: {
    explanation: 'A run directory has one writer at a time: the process writing it holds run.lock (its process id, host and start time). Another training, resume or attention command into the same folder is refused instead of mixing files.',
    example: 'ibc train spec.ibspec --out runs/a   # while another ibc train --out runs/a is still running',
    fix: 'Wait for the other process to finish. If no such process runs (it was killed), delete the lock file the message names.',
  },
  runDirNotWritable: {
    explanation: 'The run directory exists but cannot be written (permissions, a read-only or immutable folder), checked before training starts so that no epoch is wasted.',
    example: 'ibc train spec.ibspec --resume runs/a   # runs/a is read-only',
    fix: 'Fix the folder\'s permissions, or train into another --out.',
  },
  resumeRunMismatch: {
    explanation: 'The run directory and its checkpoint do not belong together (for example a checkpoint copied from another run, or a resolved spec that does not match it), so resuming would mix two runs.',
    example: 'cp runs/b/checkpoints/last.ibck runs/a/checkpoints/\nibc train spec.ibspec --resume runs/a',
    fix: 'Resume the run the checkpoint came from, or start a new run.',
  },
  trainDiverging: {
    explanation: 'The loss has grown far above where it started or keeps rising: training is diverging. The run goes on (it may recover), but its results are likely useless.',
    example: 'optimizer sgd lr=5   # on a small model',
    fix: 'Stop it and retrain with a smaller learning rate or a warm-up.',
  },
  backendSoftwareAdapter: {
    explanation: 'The webgpu backend found only a software adapter (such as SwiftShader, which runs the GPU kernels on the CPU). Results are correct, which is what it is good for, but it is far slower than a GPU or the native CPU backend.',
    example: 'ibc train spec.ibspec --backend webgpu   # on a machine without a GPU',
    fix: 'Use a machine with a GPU for webgpu, or --backend ibc-native (or auto) on the CPU.',
  },
  sweepManifestUnreadable: {
    explanation: 'ibc sweep keeps a manifest (the members and their runs) in its output folder. The file there is not one it can read, so it will not write over it.',
    example: 'ibc sweep spec.ibspec --out results/   # results/ holds an unrelated sweep.json',
    fix: 'Move the file away, or give another --out.',
  },
  sweepSlurmMissing: {
    explanation: 'The slurm launcher submits the sweep as a job array with Slurm\'s client commands, which are not installed or not runnable here.',
    example: 'ibc sweep spec.ibspec --launcher slurm   # on a machine without sbatch',
    fix: 'Install Slurm\'s client commands (Debian: slurm-client) or use --launcher local.',
  },
  sweepSubmitFailed: {
    explanation: 'sbatch rejected the job array; its own message is the reason (a partition that does not exist, a time limit over the maximum, ...).',
    example: 'ibc sweep spec.ibspec --launcher slurm --partition nosuch',
    fix: 'Fix the Slurm option sbatch names, then run ibc sweep again: finished members are not launched again.',
  },
  sweepHashChanged: {
    explanation: 'A member\'s run folder holds a run of a different spec hash: the spec changed since that run. It is left alone rather than overwritten or resumed with another experiment.',
    example: 'ibc sweep spec.ibspec   # after editing the spec, with an earlier sweep in the same --out',
    fix: 'Move the old run folder away, or sweep into a new --out.',
  },
  sweepStaleMembers: {
    explanation: 'The output folder holds runs of members that the sweep no longer has (its lists changed). They are kept, not deleted, and not part of this sweep.',
    example: 'ibc sweep spec.ibspec   # after removing a value from a swept list',
    fix: 'Nothing, or move the listed folders away.',
  },
  outputExists: {
    explanation: 'Every command that writes files (compile, attention, expand, results plots, a sweep) replaces an existing file only when ibc wrote it, recognised by a mark in the file (a PNG text chunk, the ONNX producer, the model.json generator, the header line of a generated spec) or because it lies in a folder ibc owns (a run or sweep folder). A file of yours with the same name is never replaced unless you say so, and nothing is written: like git, which refuses to overwrite untracked files.',
    example: 'ibc attention runs/a --out figures/   # figures/grid.png is your own figure',
    fix: 'Choose another output folder or file, move the listed files away, or pass --overwrite to replace them.',
  },
  sweepDirNotSweep: {
    explanation: 'A sweep folder holds sweep.json, specs/, logs/ and one run folder per member, all written by ibc sweep. It is created new, or is an empty folder, or an earlier sweep\'s (it has sweep.json). A folder holding other files is refused, so that a sweep never writes generated specs into, or removes them from, a folder of yours.',
    example: 'ibc sweep beta.ibspec --out ~/experiments   # a folder of your own specs',
    fix: 'Give --out a new folder (the default is sweeps/<name>).',
  },
  checkpointNotFinite: {
    explanation: 'The checkpoint holds NaN or an infinity (in a weight, an optimizer buffer or the weight average; in batch norm\'s running statistics only NaN counts, as a diverging run\'s running variance may overflow to Infinity, which both engines normalise to 0): the run diverged before it was written. Both training engines (the compiled step and the TF.js executor) refuse it when it is loaded, as do ibc eval and ibc attention, instead of computing with it: the two engines would otherwise treat such values differently (a ReLU turns NaN into 0 in one of them) and report a meaningless accuracy.',
    example: 'ibc train spec.ibspec --resume runs/diverged',
    fix: 'Start a new run with a smaller learning rate or a warm-up, or evaluate best.ibck (--checkpoint best) if it was written before the divergence.',
  },
  trainNonFiniteWeights: {
    explanation: 'After an epoch the weights hold NaN or an infinity although every loss was finite (a value hidden by a ReLU or a max pool). The run stops before writing a checkpoint, so the last good checkpoint stays the last one, as for a non-finite loss (IB6300).',
    example: 'train {\n  optimizer sgd lr=1e6\n}',
    fix: 'Use a smaller learning rate or a warm-up; resume from the last good checkpoint.',
  },
  optionResources: {
    explanation: "A numeric option that changes what runs (ibc eval --samples, ibc bench --batch) goes through the same resource estimate as the spec's own values (IB4101, IB4102): with n samples each image becomes up to n x n rows inside the model, and a batch multiplies every activation. An option that asks for more than one tensor can hold or this machine has is refused before anything is allocated; the estimate's own message says which tensor and how much.",
    example: 'ibc eval runs/aib --samples 100000',
    fix: 'Ask for fewer samples or a smaller batch (the message gives the numbers).',
  },
  attentionGridTooLarge: {
    explanation: "Attention images end with grid.png, one figure holding every image asked for. Its size is known before anything runs; a figure of more pixels than one image can sensibly hold (2^27, about 512 MiB of pixels) is refused with the largest count that fits, instead of exhausting memory while rendering.",
    example: 'ibc attention runs/aib --images 100000',
    fix: 'Ask for fewer images (--images, or --attention for ibc train); use --offset to draw later ones in further calls.',
  },
  sweepJobsMemory: {
    explanation: "Each member of a local sweep checks its own memory before it trains (IB4101), but --jobs N trains N members at once on this machine: the members' estimates (weights, gradients, optimizer slots and a batch of activations each, the same estimate as the spec's) are added for the N largest and compared with the machine's memory before anything runs, rather than letting the machine swap or the kernel kill a member midway. Slurm tasks are not counted: each gets the memory its job asks for.",
    example: 'ibc sweep big.ibspec --jobs 8',
    fix: 'Use the --jobs the message gives, a smaller batch, or --launcher slurm.',
  },
  outputIsInput: {
    explanation: "A command's output may not be what it reads: ibc compile's spec and run folder (with --weights or a RUN_DIR), ibc expand's spec, the run whose attention ibc attention draws, the runs ibc results reads. Neither the spec nor a run's own files (checkpoints/, spec.ibspec, resolved-spec.json, metrics.jsonl, summary.json, ...) is ever written over: a model written over the run's checkpoints/last.ibck destroys what it was made from. This holds with --overwrite too. A new file beside a run's own files (runs/a/export.onnx) is fine.",
    example: 'ibc compile runs/a --target onnx --out runs/a/checkpoints/last.ibck',
    fix: 'Write the model elsewhere: --out a path outside the spec and the run folder.',
  },
  outputIsFolder: {
    explanation: 'A file of the output would replace a folder of the same name. ibc never replaces a folder with a file, with or without --overwrite.',
    example: 'ibc compile spec.ibspec --target onnx --out models/   # models/ is a folder; --out names the .onnx file',
    fix: 'Name a file (models/spec.onnx), or move the folder away.',
  },
  resultsNoRuns: {
    explanation: 'ibc results reads run folders (each with metrics.jsonl or summary.json) in the folder given; there are none.',
    example: 'ibc results specs/',
    fix: 'Pass a sweep\'s output folder or a folder of runs, such as runs/.',
  },
  resultsUnknownColumn: {
    explanation: '--sort and --plot name a column of the results table (a metric or a swept key); this name is none of them. The message lists the ones there are.',
    example: 'ibc results runs/sweep --sort top1',
    fix: 'Use one of the listed names, such as test_top1.',
  },
  resultsNoSweptValue: {
    explanation: 'A plot needs a value on its x axis: a swept key from the sweep manifest, or a key whose value differs between the runs. These runs have neither.',
    example: 'ibc results runs/ --plot test_top1   # runs of one spec with one setting',
    fix: 'Give --x PATH with a key that differs between the runs, or plot a sweep\'s folder.',
  },
  resumeIdentityChanged: {
    explanation:
      "A run's identity is everything besides its spec that shapes its numbers: the data limits and image counts, the epochs, the seed, the backend, the training step engine, the precision, the host thread count and the weights file. run.json records it when the run starts. `--resume` continues with those settings (it takes the run's backend, step engine and thread count unless told otherwise); asked for another, it stops, because the resumed run would equal no uninterrupted run and nothing in its folder would say so. The location is the first differing key in run.json.",
    example: 'ibc train spec.ibspec --out runs/a --backend ibc-native --threads 2\n# ... interrupted ...\nibc train spec.ibspec --resume runs/a --threads 1',
    fix: 'Resume with the recorded settings (or leave the options out: --resume takes the run\'s own), or start a new run with --out for the new settings.',
  },
  resumeScheduleChanged: {
    explanation:
      '`--resume DIR --epochs N` trains a run further. With a schedule that depends only on the epoch (constant, step, multistep, exponential) the epochs already trained ran at the rates they would have had in an N-epoch run, so the result equals an uninterrupted N-epoch run. A cosine schedule spreads over the total: the epochs already trained ran at other rates than an N-epoch run gives them.',
    example: 'ibc train cosine.ibspec --out runs/c --epochs 10\nibc train cosine.ibspec --resume runs/c --epochs 20',
    fix: 'Resume to the epochs the run started with, or start a new run with the new --epochs.',
  },
  sweepSlurmSignalMissed: {
    explanation:
      "Slurm's --signal=SIG@SECONDS warns a job before its time limit. Without the B: prefix Slurm signals the job's steps and not the batch script; an ibc sweep task runs its member inside the batch script, not as a step, so the warning reaches no one. With B:, the batch script gets it, and ibc's script passes SIGUSR1 (only that one) on to ibc train, which stops after its step with a checkpoint, after which the script requeues its own array task. Other signals are not passed on: SIGTERM reaches the member from Slurm itself at a cancel or the time limit, and passing it on as well would make it a second signal, which stops ibc train at once.",
    example: "ibc sweep beta.ibspec --launcher slurm --time 4:00:00 --sbatch=--signal=USR1@300",
    fix: 'Write --sbatch=--signal=B:USR1@300 (any number of seconds), or leave --signal out and let ibc ask for B:USR1@120.',
  },
  sweepSlurmNoCpus: {
    explanation:
      "An array task's threads follow the CPUs Slurm gives it (the job script sets OMP_NUM_THREADS and TensorFlow's thread pools from SLURM_CPUS_PER_TASK). Without --cpus-per-task, Slurm gives each task the cluster's default, often a single CPU, so every member trains on one thread however large the node is. The thread count is also part of each run's identity (run.json): members trained on different counts are not bit-identical.",
    example: 'ibc sweep beta.ibspec --launcher slurm --time 1:00:00',
    fix: 'Give --cpus-per-task N (or `cpus_per_task=N` in the sweep\'s slurm statement); to keep one thread on purpose, give --cpus-per-task 1 and the warning goes.',
  },
  sweepBudgetChanged: {
    explanation:
      "Every member of a sweep is trained with the same budget (data limits, epochs) and on the same kind of machine (backend, threads): that is what makes them comparable, and what sweep.json states for all of them. Run again with another budget, a sweep would train its new or unfinished members on it next to members done on the old one, and the table and plot would compare runs that saw different data. Each member's run.json records what it ran with; the location is the first differing setting of the first such member. Backend and threads are compared only when this command would launch a member.",
    example: 'ibc sweep beta.ibspec --limit-train 5000 --limit-test 2000 --epochs 1\n# one more value added to the sweep, then:\nibc sweep beta.ibspec --limit-train 6000 --limit-test 2000 --epochs 1',
    fix: 'Run the sweep with the settings its members ran with (the message lists them), give the new budget its own sweep folder with --out, or move the old members\' run folders away to train them again.',
  },
  pretrainedReadFailed: {
    explanation: "The weights file passed `ibc check` but could not be read when training started: it changed or became unreadable in between, or a tensor's data is damaged (its CRC-32 in the zip does not match).",
    example: 'ibc train spec.ibspec   # the weights file was replaced while ibc was reading it',
    fix: 'Check the file (ibc check spec.ibspec) and train again.',
  },
  pretrainedChangedOnResume: {
    explanation:
      "A run records the weights file it started from (path, size and SHA-256, in its checkpoints and summary.json). Resuming continues from the run's own checkpoint, but a changed or missing weights file means the spec no longer describes the run's beginning: the resumed run could not be reproduced. It is refused.",
    example: 'ibc train spec.ibspec --resume runs/cub   # after trunk.pth was replaced by another file',
    fix: 'Restore the original weights file, or start a new run.',
  },
  trainStoppedEarly: {
    explanation:
      "train.early_stop watches a validation metric after each epoch (val_top1, val_ce_bits or val_loss_bits, the validation objective) and ends the run once it has not improved by more than min_delta for `patience` epochs in a row, as Lightning's EarlyStopping does. The epoch it stops at is checkpointed; summary.json records the reason as stopped_early.",
    example: 'train {\n  epochs 50\n  early_stop metric=val_top1 patience=3\n}',
    fix: 'Nothing to fix: the run ended as the spec asked. Raise patience, or lower min_delta, to train longer.',
  },
  resumeStoppedEarly: {
    explanation: "A run that early stopping ended stays ended: its checkpoint records the stop, and resuming it (even with a larger --epochs) trains no further, since the stopping rule would still hold.",
    example: 'ibc train spec.ibspec --resume runs/a --epochs 100   # runs/a stopped early at epoch 7',
    fix: 'Start a new run (with more patience, or without early_stop) to train further.',
  },
} as const satisfies Record<keyof typeof runtimeMessages, Explanation>;
