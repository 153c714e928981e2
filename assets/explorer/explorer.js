// @ts-check
/* The attention explorer page (written by `ibc compile --target web`): loads the
 * GraphModel in model/ with plain TF.js, runs it on a bundled test image or one
 * the user drops, and shows the prediction, the input, the attention map mu_a
 * overlaid on the input with a colour legend, and the quantized map.
 *
 * Everything it needs is in the folder: tf.min.js, tf-backend-webgpu.min.js,
 * samples.js (the bundled images as data: URLs, which keep canvases readable
 * from file://) and model/. Over http(s) the model loads with
 * tf.loadGraphModel('model/model.json'); from file:// (where fetch is refused)
 * the same model is read from model/model-data.js through tf.io.fromMemory.
 *
 * Test hooks: body[data-state] is loading | ready | error; window.ibcExplorer
 * exposes ready (a promise), backend and predictSample(i) / predictImage(img).
 */
(function () {
  'use strict';
  /** @type {any} */
  const w = window;
  const tf = w.tf;
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const DISPLAY = 224;
  const OVERLAY_ALPHA = 0.5;

  /** The "jet" colour map used by ibc's attention images: x in [0, 1] -> [r, g, b]. */
  function jet(/** @type {number} */ x) {
    const c = (/** @type {number} */ centre) => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * x - centre))));
    return [c(3), c(2), c(1)];
  }

  function setStatus(/** @type {string} */ text, /** @type {string} */ state) {
    $('status').textContent = text;
    if (state) document.body.dataset['state'] = state;
  }

  function base64ToBuffer(/** @type {string} */ b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes.buffer;
  }

  function loadScript(/** @type {string} */ src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = () => resolve(undefined);
      s.onerror = () => reject(new Error(`cannot load ${src}`));
      document.head.appendChild(s);
    });
  }

  async function loadModel() {
    if (location.protocol !== 'file:') return tf.loadGraphModel('model/model.json');
    await loadScript('model/model-data.js');
    const embedded = w.IBC_EMBEDDED_MODEL;
    const json = embedded.modelJson;
    return tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((/** @type {any} */ g) => g.weights),
        weightData: base64ToBuffer(embedded.weights),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
      }),
    );
  }

  async function chooseBackend(/** @type {string} */ wanted) {
    for (const name of [wanted, 'webgl', 'cpu']) {
      try {
        if (await tf.setBackend(name)) {
          await tf.ready();
          return name;
        }
      } catch (e) {
        // not available here: try the next one
      }
    }
    throw new Error('no TF.js backend could start');
  }

  /** Image element -> the model's input tensor values (NHWC, normalised as training fed it) and the bytes shown. */
  function preprocess(/** @type {CanvasImageSource & {width: number, height: number}} */ img, /** @type {number[]} */ shape, /** @type {any} */ normalize) {
    const [h, wd, c] = shape;
    const canvas = document.createElement('canvas');
    canvas.width = wd;
    canvas.height = h;
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { willReadFrequently: true }));
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(img, 0, 0, wd, h);
    const rgba = ctx.getImageData(0, 0, wd, h).data;
    const values = new Float32Array(h * wd * c);
    const bytes = new Uint8ClampedArray(h * wd * 4);
    for (let p = 0; p < h * wd; p++) {
      const r = rgba[4 * p], g = rgba[4 * p + 1], b = rgba[4 * p + 2];
      if (c === 1) {
        // Grey images keep their exact value; colour ones become luma.
        const v = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
        values[p] = (v / 255 - normalize.mean[0]) / normalize.std[0];
        bytes[4 * p] = bytes[4 * p + 1] = bytes[4 * p + 2] = v;
      } else {
        const rgb = [r, g, b];
        for (let k = 0; k < c; k++) values[p * c + k] = ((rgb[k] ?? 0) / 255 - normalize.mean[k]) / normalize.std[k];
        bytes[4 * p] = r; bytes[4 * p + 1] = g; bytes[4 * p + 2] = b;
      }
      bytes[4 * p + 3] = 255;
    }
    return { values, bytes };
  }

  /** Draws h x w RGBA bytes onto a display canvas, nearest-neighbour, optionally blending a map (values in [0, 1], nearest-upsampled) in jet. */
  function draw(/** @type {HTMLCanvasElement} */ target, /** @type {Uint8ClampedArray} */ bytes, /** @type {number} */ h, /** @type {number} */ wd, /** @type {Float32Array | null} */ map, /** @type {number} */ mh, /** @type {number} */ mw, /** @type {(v: number) => number[]} */ color) {
    target.width = DISPLAY;
    target.height = DISPLAY;
    const ctx = /** @type {CanvasRenderingContext2D} */ (target.getContext('2d'));
    const out = ctx.createImageData(DISPLAY, DISPLAY);
    for (let y = 0; y < DISPLAY; y++) {
      const sy = Math.floor((y * h) / DISPLAY);
      const my = Math.floor((y * mh) / DISPLAY);
      for (let x = 0; x < DISPLAY; x++) {
        const sx = Math.floor((x * wd) / DISPLAY);
        const s = 4 * (sy * wd + sx);
        const o = 4 * (y * DISPLAY + x);
        let r = bytes[s], g = bytes[s + 1], b = bytes[s + 2];
        if (map) {
          const [cr, cg, cb] = color(map[my * mw + Math.floor((x * mw) / DISPLAY)]);
          const grey = (r + g + b) / 3;
          r = (1 - OVERLAY_ALPHA) * grey + OVERLAY_ALPHA * cr;
          g = (1 - OVERLAY_ALPHA) * grey + OVERLAY_ALPHA * cg;
          b = (1 - OVERLAY_ALPHA) * grey + OVERLAY_ALPHA * cb;
        }
        out.data[o] = r; out.data[o + 1] = g; out.data[o + 2] = b; out.data[o + 3] = 255;
      }
    }
    ctx.putImageData(out, 0, 0);
  }

  /** The jet scale, left (low) to right (high). */
  function drawColorbar(/** @type {HTMLCanvasElement} */ bar) {
    const ctx = /** @type {CanvasRenderingContext2D} */ (bar.getContext('2d'));
    for (let x = 0; x < bar.width; x++) {
      ctx.fillStyle = `rgb(${jet(x / (bar.width - 1)).join(',')})`;
      ctx.fillRect(x, 0, 1, bar.height);
    }
  }

  function softmax(/** @type {Float32Array} */ logits) {
    const m = Math.max(...logits);
    const e = Array.from(logits, (v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  }

  const fmt = (/** @type {number} */ v) => (Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : v.toFixed(2));

  async function main() {
    const params = new URLSearchParams(location.search);
    const select = /** @type {HTMLSelectElement} */ ($('backend'));
    const backend = await chooseBackend(params.get('backend') || 'webgl');
    select.value = backend;
    select.addEventListener('change', () => {
      params.set('backend', select.value);
      location.search = params.toString();
    });
    const model = await loadModel();
    const meta = model.metadata;
    const shape = meta.input.shape.slice(1);
    const normalize = meta.input.normalize;
    const outputs = Object.keys(meta.outputs);
    const classNames = meta.classNames || Array.from({ length: meta.classes }, (_, i) => `class ${i}`);
    $('model-name').textContent = meta.spec.name;
    $('model-info').textContent = `input ${shape.join('×')} · ${meta.classes} classes · spec ${String(meta.spec.hash).slice(0, 12)} · ibc ${meta.producer.version}`;
    const hasAttention = outputs.includes('attention');
    const hasQuantized = outputs.includes('attention_quantized');
    $('attention-figure').classList.toggle('hidden', !hasAttention);
    $('quantized-figure').classList.toggle('hidden', !hasQuantized);

    /** @type {HTMLImageElement[]} */
    const sampleImages = [];
    const samples = (w.IBC_SAMPLES && w.IBC_SAMPLES.items) || [];
    const buttons = /** @type {HTMLButtonElement[]} */ ([]);

    async function run(/** @type {CanvasImageSource & {width: number, height: number}} */ img, /** @type {{name: string, label?: number}} */ info) {
      const { values, bytes } = preprocess(img, shape, normalize);
      const result = tf.tidy(() => model.execute({ image: tf.tensor(values, [1, ...shape]) }, outputs));
      const list = Array.isArray(result) ? result : [result];
      const data = await Promise.all(list.map((/** @type {any} */ t) => t.data()));
      list.forEach((/** @type {any} */ t) => t.dispose());
      const byName = Object.fromEntries(outputs.map((name, i) => [name, /** @type {Float32Array} */ (data[i])]));
      const logits = byName['logits'];
      const probs = softmax(logits);
      const order = probs.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]);
      const top1 = order[0][1];
      const pred = $('prediction');
      pred.dataset['top1'] = String(top1);
      pred.dataset['sample'] = info.name;
      pred.innerHTML = '';
      const head = document.createElement('div');
      const name = document.createElement('span');
      name.className = 'top1';
      name.textContent = `${classNames[top1]} (${(100 * order[0][0]).toFixed(1)}%)`;
      head.appendChild(name);
      if (info.label !== undefined) {
        const truth = document.createElement('span');
        truth.className = 'truth' + (info.label === top1 ? '' : ' wrong');
        truth.textContent = `true class: ${classNames[info.label]}${info.label === top1 ? ' ✓' : ' ✗'}`;
        head.appendChild(truth);
      }
      pred.appendChild(head);
      const bars = document.createElement('div');
      bars.className = 'bars';
      for (const [p, i] of order.slice(0, 5)) {
        const label = document.createElement('span');
        label.textContent = classNames[i];
        const bar = document.createElement('div');
        bar.className = 'bar' + (i === top1 ? '' : ' dim');
        bar.style.width = `${Math.max(1, 100 * p)}%`;
        const pct = document.createElement('span');
        pct.textContent = `${(100 * p).toFixed(1)}%  (logit ${fmt(logits[i])})`;
        bars.append(label, bar, pct);
      }
      pred.appendChild(bars);

      const [h, wd] = shape;
      $('input-note').textContent = `(${info.name}, ${h}×${wd}, as the model sees it)`;
      draw(/** @type {HTMLCanvasElement} */ ($('input-view')), bytes, h, wd, null, 1, 1, jet);
      const [mh, mw] = meta.attentionShape || [1, 1];
      if (hasAttention) {
        const a = byName['attention'];
        let lo = Infinity, hi = -Infinity;
        for (const v of a) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        const span = hi - lo || 1;
        draw(/** @type {HTMLCanvasElement} */ ($('attention-view')), bytes, h, wd, a, mh, mw, (v) => jet((v - lo) / span));
        $('attention-min').textContent = fmt(lo);
        $('attention-max').textContent = fmt(hi);
        drawColorbar(/** @type {HTMLCanvasElement} */ ($('attention-legend')));
      }
      if (hasQuantized) {
        const q = byName['attention_quantized'];
        const levels = Array.from(new Set(q)).sort((x, y) => x - y);
        // Anchor values coloured on the same 0..1 scale the quantizer's anchors live in (clipped).
        const levelColor = (/** @type {number} */ v) => jet(Math.min(1, Math.max(0, v)));
        draw(/** @type {HTMLCanvasElement} */ ($('quantized-view')), bytes, h, wd, q, mh, mw, levelColor);
        const legend = $('quantized-legend');
        legend.innerHTML = '';
        for (const v of levels) {
          const count = q.filter((x) => x === v).length;
          const item = document.createElement('span');
          const sw = document.createElement('span');
          sw.className = 'swatch';
          sw.style.background = `rgb(${levelColor(v).join(',')})`;
          item.append(sw, `${fmt(v)} (${Math.round((100 * count) / q.length)}%)`);
          legend.appendChild(item);
        }
      }
      return { top1, logits: Array.from(logits) };
    }

    samples.forEach((/** @type {{name: string, label?: number, src: string}} */ s, /** @type {number} */ i) => {
      const img = new Image();
      img.src = s.src;
      img.alt = s.name;
      sampleImages.push(img);
      const b = document.createElement('button');
      b.type = 'button';
      b.title = s.label !== undefined ? `${s.name}: ${classNames[s.label]}` : s.name;
      b.setAttribute('aria-pressed', 'false');
      const thumb = new Image();
      thumb.src = s.src;
      thumb.alt = b.title;
      b.append(thumb, String(i));
      b.addEventListener('click', () => predictSample(i));
      buttons.push(b);
      $('samples').appendChild(b);
    });
    await Promise.all(sampleImages.map((img) => img.decode()));

    async function predictSample(/** @type {number} */ i) {
      buttons.forEach((b, k) => b.setAttribute('aria-pressed', String(k === i)));
      return run(sampleImages[i], samples[i]);
    }

    async function predictImage(/** @type {HTMLImageElement} */ img, /** @type {string} */ name) {
      buttons.forEach((b) => b.setAttribute('aria-pressed', 'false'));
      return run(img, { name });
    }

    async function readFile(/** @type {File} */ file) {
      const url = await new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.onerror = () => reject(reader.error);
        reader.readAsDataURL(file);
      });
      const img = new Image();
      img.src = /** @type {string} */ (url);
      await img.decode();
      return predictImage(img, file.name);
    }

    const drop = $('drop');
    const fileInput = /** @type {HTMLInputElement} */ ($('file'));
    fileInput.addEventListener('change', () => { if (fileInput.files && fileInput.files[0]) readFile(fileInput.files[0]).catch(fail); });
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const file = e.dataTransfer && e.dataTransfer.files[0];
      if (file) readFile(file).catch(fail);
    });

    w.ibcExplorer.backend = backend;
    w.ibcExplorer.predictSample = predictSample;
    w.ibcExplorer.predictImage = predictImage;
    if (samples.length > 0) await predictSample(0);
    setStatus(`Ready · TF.js ${tf.version.tfjs} on ${backend}${location.protocol === 'file:' ? ' · offline (file://)' : ''}`, 'ready');
  }

  function fail(/** @type {unknown} */ error) {
    setStatus(`Error: ${error instanceof Error ? error.message : String(error)}`, 'error');
  }

  w.ibcExplorer = {};
  w.ibcExplorer.ready = main().catch((error) => {
    fail(error);
    throw error;
  });
})();
