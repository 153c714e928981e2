// @ts-check
/* The attention explorer page (written by `ibc compile --target web`): loads the
 * GraphModel in model/ with plain TF.js, runs it on a bundled test image or one
 * the user drops, and shows the prediction, the input, the attention map mu_a
 * and the quantized map a_q.
 *
 * Colours: both maps use one scale, viridis from the same 256-entry table as
 * ibc's PNG figures (explorer-data.js), fixed from 0 to 1 (widened to any
 * learned anchor outside it) so that colours compare between images; a
 * labelled checkbox stretches the scale to this image's lowest and highest
 * map value instead. The colour bar marks the learned anchors. Maps are drawn
 * side by side with the input at full colour (the bar reads exactly), or over
 * the input at a chosen opacity (the bar then shows the colours mixed over a
 * black and over a white pixel, as they are drawn).
 *
 * An uploaded image is converted as the training images were (size by the
 * data kind's rule, channels, and inverted when its background is the other
 * way round from the training images'), and flagged when its brightness or
 * contrast falls outside the range of the middle 98% of training images.
 *
 * Everything it needs is in the folder: tf.min.js, tf-backend-webgpu.min.js,
 * samples.js, explorer-data.js and model/. Over http(s) the model loads with
 * tf.loadGraphModel('model/model.json'); from file:// (where fetch is refused)
 * the same model is read from model/model-data.js through tf.io.fromMemory.
 *
 * Test hooks: body[data-state] is loading | ready | error; window.ibcExplorer
 * exposes ready (a promise), backend, predictSample(i) / predictImage(img, name)
 * (each resolves to what is drawn: top1, logits, attention, quantized, scale),
 * setView('side' | 'overlay'), setOpacity(0..1), setStretch(on) and upload
 * (what was done to the last uploaded image).
 */
(function () {
  'use strict';
  /** @type {any} */
  const w = window;
  const tf = w.tf;
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const DISPLAY = 224;
  /** @type {{viridis: number[], anchors: number[] | null, conversion: {fit: 'fit' | 'cover' | 'stretch', resize?: number}, statistics: any, statisticsSource: string | null}} */
  const pageData = w.IBC_EXPLORER_DATA || { viridis: [], anchors: null, conversion: { fit: 'stretch' }, statistics: null, statisticsSource: null };
  const VIRIDIS = pageData.viridis;
  const anchors = pageData.anchors || [];
  /** The fixed scale: [0, 1], the range of mu_a = sigmoid(.), widened to any anchor outside it (as the PNG figures). */
  const FIXED = { low: Math.min(0, ...anchors), high: Math.max(1, ...anchors) };

  /** How the maps are drawn (the controls). */
  const view = { mode: /** @type {'side' | 'overlay'} */ ('side'), opacity: 0.6, stretch: false };

  /** The viridis colour of v on [low, high], clamped: the PNG figures' rule (round(255 t)). */
  function colourOf(/** @type {number} */ v, /** @type {{low: number, high: number}} */ scale) {
    const t = scale.high > scale.low ? (v - scale.low) / (scale.high - scale.low) : 0.5;
    const i = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)));
    return [VIRIDIS[3 * i], VIRIDIS[3 * i + 1], VIRIDIS[3 * i + 2]];
  }

  /** A map colour as drawn: opaque side by side, mixed with the input's grey in the overlay. */
  function mix(/** @type {number[]} */ colour, /** @type {number} */ grey) {
    if (view.mode === 'side') return colour;
    const a = view.opacity;
    return colour.map((c) => Math.round((1 - a) * grey + a * c));
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

  /** An image drawn at width x height (smoothed), as RGBA bytes. */
  function pixels(/** @type {CanvasImageSource} */ img, /** @type {number} */ width, /** @type {number} */ height) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { willReadFrequently: true }));
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(img, 0, 0, width, height);
    return ctx.getImageData(0, 0, width, height).data;
  }

  /** RGBA bytes -> c channels per pixel (grey: exact when r = g = b, else ITU-R 601 luma, as ibc's image reader). */
  function toChannels(/** @type {Uint8ClampedArray} */ rgba, /** @type {number} */ c) {
    const n = rgba.length / 4;
    const out = new Uint8ClampedArray(n * c);
    for (let p = 0; p < n; p++) {
      const r = rgba[4 * p], g = rgba[4 * p + 1], b = rgba[4 * p + 2];
      if (c === 1) out[p] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      else for (let k = 0; k < c; k++) out[p * c + k] = [r, g, b][k] ?? 0;
    }
    return out;
  }

  /** Mean, standard deviation and border mean (pixel units in [0, 1]) of an h x w x c byte image: image-statistics.ts's measureImage. */
  function measure(/** @type {Uint8ClampedArray} */ bytes, /** @type {number} */ h, /** @type {number} */ wd, /** @type {number} */ c) {
    let sum = 0, squares = 0;
    for (let i = 0; i < bytes.length; i++) { const v = bytes[i] / 255; sum += v; squares += v * v; }
    const mean = sum / bytes.length;
    let border = 0, count = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < wd; x++) {
        if (y !== 0 && y !== h - 1 && x !== 0 && x !== wd - 1) continue;
        for (let k = 0; k < c; k++) border += bytes[(y * wd + x) * c + k] / 255;
        count += c;
      }
    }
    return { mean, std: Math.sqrt(Math.max(0, squares / bytes.length - mean * mean)), border: border / count };
  }

  const POLARITY_WORDS = { 'dark-background': 'light on a dark background', 'light-background': 'dark on a light background' };

  /**
   * An uploaded image as the training images were made: sized by the data's rule, to the
   * model's channels, inverted when asked (`invert`: true / false, or undefined = when its
   * background disagrees with the training images'). Returns the bytes (h x w x c) and what was done.
   */
  function convertUpload(/** @type {HTMLImageElement} */ img, /** @type {number[]} */ shape, /** @type {boolean | undefined} */ invert) {
    const [h, wd, c] = shape;
    const W = img.naturalWidth || img.width, H = img.naturalHeight || img.height;
    const conv = pageData.conversion;
    const polarity = pageData.statistics && pageData.statistics.polarity;
    let sw = wd, sh = h, left = 0, top = 0, how = '';
    if (conv.fit === 'fit') {
      const s = Math.min(wd / W, h / H);
      sw = Math.max(1, Math.round(W * s));
      sh = Math.max(1, Math.round(H * s));
      left = Math.floor((wd - sw) / 2);
      top = Math.floor((h - sh) / 2);
      how = `longer side scaled to ${Math.max(h, wd)} px and centred on the ${polarity === 'light-background' ? 'white' : 'black'} background, as the training items were made`;
    } else if (conv.fit === 'cover') {
      const s = conv.resize !== undefined ? conv.resize / Math.min(W, H) : Math.max(wd / W, h / H);
      sw = Math.max(wd, Math.round(W * s));
      sh = Math.max(h, Math.round(H * s));
      left = -Math.floor((sw - wd) / 2);
      top = -Math.floor((sh - h) / 2);
      how = conv.resize !== undefined ? `shorter side scaled to ${conv.resize} px, then the centre ${wd}×${h} cropped, as the training images were` : `shorter side scaled to the input, then the centre cropped to ${wd}×${h}`;
    } else {
      how = `scaled to ${wd}×${h}, as the training images were`;
    }
    const scaled = toChannels(pixels(img, sw, sh), c);
    const own = measure(scaled, sh, sw, c);
    const disagrees = polarity === 'dark-background' ? own.border > 0.5 : polarity === 'light-background' ? own.border < 0.5 : false;
    const inverted = invert === undefined ? disagrees : invert;
    if (inverted) for (let i = 0; i < scaled.length; i++) scaled[i] = 255 - scaled[i];
    const bytes = new Uint8ClampedArray(h * wd * c).fill(conv.fit === 'fit' && polarity === 'light-background' ? 255 : 0);
    for (let y = 0; y < sh; y++) {
      const ty = y + top;
      if (ty < 0 || ty >= h) continue;
      for (let x = 0; x < sw; x++) {
        const tx = x + left;
        if (tx < 0 || tx >= wd) continue;
        for (let k = 0; k < c; k++) bytes[(ty * wd + tx) * c + k] = scaled[(y * sw + x) * c + k];
      }
    }
    const stats = measure(bytes, h, wd, c);
    const ranges = pageData.statistics;
    const outside = [];
    if (ranges) {
      if (stats.mean < ranges.mean.low || stats.mean > ranges.mean.high) outside.push(`mean brightness ${stats.mean.toFixed(2)} (training images: ${ranges.mean.low.toFixed(2)}–${ranges.mean.high.toFixed(2)})`);
      if (stats.std < ranges.std.low || stats.std > ranges.std.high) outside.push(`contrast (standard deviation) ${stats.std.toFixed(2)} (training images: ${ranges.std.low.toFixed(2)}–${ranges.std.high.toFixed(2)})`);
    }
    const channels = c === 1 ? 'grey (luma)' : 'RGB';
    return {
      bytes,
      info: {
        conversion: `Converted as the training data: ${how}; ${channels}.`,
        polarity: polarity || null,
        disagrees,
        inverted,
        mean: stats.mean,
        std: stats.std,
        flagged: outside.length > 0,
        outside,
      },
    };
  }

  /** A bundled image (already at the input size, as the data pipeline made it) as c-channel bytes. */
  function sampleBytes(/** @type {HTMLImageElement} */ img, /** @type {number[]} */ shape) {
    const [h, wd, c] = shape;
    return toChannels(pixels(img, wd, h), c);
  }

  /** c-channel bytes -> the model's input values and RGBA bytes for display. */
  function modelInput(/** @type {Uint8ClampedArray} */ bytes, /** @type {number[]} */ shape, /** @type {any} */ normalize) {
    const [h, wd, c] = shape;
    const values = new Float32Array(h * wd * c);
    const rgba = new Uint8ClampedArray(h * wd * 4);
    for (let p = 0; p < h * wd; p++) {
      for (let k = 0; k < c; k++) values[p * c + k] = (bytes[p * c + k] / 255 - normalize.mean[k]) / normalize.std[k];
      for (let k = 0; k < 3; k++) rgba[4 * p + k] = bytes[p * c + (c === 1 ? 0 : k)];
      rgba[4 * p + 3] = 255;
    }
    return { values, rgba };
  }

  /** Draws h x w RGBA bytes on a 224 x 224 canvas, nearest-neighbour; with a map, each cell in its colour (mixed with the input in the overlay). */
  function draw(/** @type {HTMLCanvasElement} */ target, /** @type {Uint8ClampedArray} */ rgba, /** @type {number} */ h, /** @type {number} */ wd, /** @type {Float32Array | null} */ map, /** @type {number} */ mh, /** @type {number} */ mw, /** @type {{low: number, high: number}} */ scale) {
    target.width = DISPLAY;
    target.height = DISPLAY;
    const ctx = /** @type {CanvasRenderingContext2D} */ (target.getContext('2d'));
    const out = ctx.createImageData(DISPLAY, DISPLAY);
    for (let y = 0; y < DISPLAY; y++) {
      const sy = Math.floor((y * h) / DISPLAY);
      const my = Math.floor((y * mh) / DISPLAY);
      for (let x = 0; x < DISPLAY; x++) {
        const s = 4 * (sy * wd + Math.floor((x * wd) / DISPLAY));
        const o = 4 * (y * DISPLAY + x);
        let rgb = [rgba[s], rgba[s + 1], rgba[s + 2]];
        if (map) rgb = mix(colourOf(map[my * mw + Math.floor((x * mw) / DISPLAY)], scale), Math.round((rgb[0] + rgb[1] + rgb[2]) / 3));
        out.data[o] = rgb[0]; out.data[o + 1] = rgb[1]; out.data[o + 2] = rgb[2]; out.data[o + 3] = 255;
      }
    }
    ctx.putImageData(out, 0, 0);
  }

  const fmt = (/** @type {number} */ v) => (Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : v.toFixed(2));

  /** The colour bar: anchors marked above it; in the overlay, the colours mixed over a black (upper half) and a white (lower half) pixel. */
  function drawLegend(/** @type {{low: number, high: number}} */ scale, /** @type {boolean} */ quantized) {
    const bar = /** @type {HTMLCanvasElement} */ ($('colorbar'));
    const ctx = /** @type {CanvasRenderingContext2D} */ (bar.getContext('2d'));
    const W = bar.width, MARKS = 8, H = bar.height - MARKS;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, bar.height);
    const valueAt = (/** @type {number} */ x) => scale.low + ((scale.high - scale.low) * x) / (W - 1);
    for (let x = 0; x < W; x++) {
      const colour = colourOf(valueAt(x), scale);
      if (view.mode === 'side') {
        ctx.fillStyle = `rgb(${colour.join(',')})`;
        ctx.fillRect(x, MARKS, 1, H);
      } else {
        ctx.fillStyle = `rgb(${mix(colour, 0).join(',')})`;
        ctx.fillRect(x, MARKS, 1, H / 2);
        ctx.fillStyle = `rgb(${mix(colour, 255).join(',')})`;
        ctx.fillRect(x, MARKS + H / 2, 1, H / 2);
      }
    }
    const shown = quantized ? anchors.filter((a) => a >= scale.low && a <= scale.high) : [];
    ctx.fillStyle = '#000000';
    for (const a of shown) ctx.fillRect(Math.round(((a - scale.low) / (scale.high - scale.low)) * (W - 1)) - 1, 0, 2, MARKS);
    const ticks = $('colorbar-ticks');
    ticks.innerHTML = '';
    for (let k = 0; k <= 4; k++) {
      const t = document.createElement('span');
      t.textContent = fmt(scale.low + ((scale.high - scale.low) * k) / 4);
      t.style.left = `${(100 * k) / 4}%`;
      ticks.appendChild(t);
    }
    $('scale-note').textContent = view.stretch
      ? `Colour stretched to this image: ${fmt(scale.low)} (darkest) to ${fmt(scale.high)} (yellow), one scale for both maps. Colours do not compare between images; untick "Stretch" for the fixed scale.`
      : `Colour: map value on one fixed scale, ${fmt(scale.low)} to ${fmt(scale.high)} (viridis), the same for both maps and every image, as in ibc's PNG figures.`;
    $('legend').dataset['low'] = String(scale.low);
    $('legend').dataset['high'] = String(scale.high);
    $('legend').dataset['stretch'] = String(view.stretch);
    const rows = $('colorbar-rows');
    rows.classList.toggle('hidden', view.mode === 'side');
    rows.textContent = `Over the input at ${Math.round(100 * view.opacity)}% opacity: upper half of the bar over a black pixel, lower half over a white one.`;
    const note = $('anchor-note');
    note.classList.toggle('hidden', !quantized || anchors.length === 0);
    const hidden = anchors.length - shown.length;
    note.textContent = `Black marks above the bar: the ${anchors.length} learned anchors (${anchors.map(fmt).join(', ')})${hidden > 0 ? `; ${hidden} outside the stretched range` : ''}.`;
  }

  function softmax(/** @type {Float32Array} */ logits) {
    const m = Math.max(...logits);
    const e = Array.from(logits, (v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  }

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
    $('controls').classList.toggle('hidden', !hasAttention);
    $('legend').classList.toggle('hidden', !hasAttention);

    /** @type {HTMLImageElement[]} */
    const sampleImages = [];
    const samples = (w.IBC_SAMPLES && w.IBC_SAMPLES.items) || [];
    const buttons = /** @type {HTMLButtonElement[]} */ ([]);
    /** What is on screen, to redraw when a control changes. @type {any} */
    let shown = null;

    /** The scale of the maps now: fixed, or this image's lowest to highest map value. */
    function scaleFor(/** @type {Float32Array | undefined} */ a, /** @type {Float32Array | undefined} */ q) {
      if (!view.stretch) return FIXED;
      let lo = Infinity, hi = -Infinity;
      for (const m of [a, q]) if (m) for (const v of m) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      return Number.isFinite(lo) ? { low: lo, high: hi } : FIXED;
    }

    function render() {
      if (!shown) return null;
      const [h, wd] = shape;
      const [mh, mw] = meta.attentionShape || [1, 1];
      const a = shown.byName['attention'];
      const q = shown.byName['attention_quantized'];
      const scale = scaleFor(a, q);
      draw(/** @type {HTMLCanvasElement} */ ($('input-view')), shown.rgba, h, wd, null, 1, 1, scale);
      if (a) draw(/** @type {HTMLCanvasElement} */ ($('attention-view')), shown.rgba, h, wd, a, mh, mw, scale);
      if (q) {
        draw(/** @type {HTMLCanvasElement} */ ($('quantized-view')), shown.rgba, h, wd, q, mh, mw, scale);
        const legend = $('quantized-legend');
        legend.innerHTML = '';
        for (const v of Array.from(new Set(q)).sort((x, y) => x - y)) {
          const count = q.filter((/** @type {number} */ x) => x === v).length;
          const item = document.createElement('span');
          const sw = document.createElement('span');
          sw.className = 'swatch';
          sw.style.background = `rgb(${colourOf(v, scale).join(',')})`;
          item.append(sw, `${fmt(v)} (${Math.round((100 * count) / q.length)}%)`);
          legend.appendChild(item);
        }
      }
      if (a) drawLegend(scale, Boolean(q));
      return {
        top1: shown.top1,
        logits: Array.from(shown.byName['logits']),
        attention: a ? Array.from(a) : null,
        quantized: q ? Array.from(q) : null,
        mapShape: [mh, mw],
        scale,
      };
    }

    async function run(/** @type {Uint8ClampedArray} */ bytes, /** @type {{name: string, label?: number}} */ info) {
      const { values, rgba } = modelInput(bytes, shape, normalize);
      const result = tf.tidy(() => model.execute({ image: tf.tensor(values, [1, ...shape]) }, outputs));
      const list = Array.isArray(result) ? result : [result];
      const data = await Promise.all(list.map((/** @type {any} */ t) => t.data()));
      list.forEach((/** @type {any} */ t) => t.dispose());
      const byName = Object.fromEntries(outputs.map((name, i) => [name, /** @type {Float32Array} */ (data[i])]));
      const logits = byName['logits'];
      const probs = softmax(logits);
      const order = probs.map((p, i) => [p, i]).sort((x, y) => y[0] - x[0]);
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
      shown = { rgba, byName, top1 };
      return render();
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
      $('upload').classList.add('hidden');
      return run(sampleBytes(sampleImages[i], shape), samples[i]);
    }

    /** The last uploaded image, to convert again when the user flips "Invert". @type {{img: HTMLImageElement, name: string} | null} */
    let uploaded = null;
    /** @type {any} */
    let uploadInfo = null;

    async function predictImage(/** @type {HTMLImageElement} */ img, /** @type {string} */ name, /** @type {boolean | undefined} */ invert) {
      buttons.forEach((b) => b.setAttribute('aria-pressed', 'false'));
      uploaded = { img, name };
      const { bytes, info } = convertUpload(img, shape, invert);
      uploadInfo = info;
      w.ibcExplorer.upload = info;
      const box = $('upload');
      box.classList.remove('hidden');
      box.dataset['inverted'] = String(info.inverted);
      box.dataset['flagged'] = String(info.flagged);
      $('upload-conversion').textContent = info.conversion;
      /** @type {HTMLInputElement} */ ($('invert')).checked = info.inverted;
      $('invert-why').textContent = info.polarity
        ? `(the training images are ${POLARITY_WORDS[/** @type {'dark-background' | 'light-background'} */ (info.polarity)]}; this one ${info.disagrees ? 'was the other way round, so it was inverted automatically' : 'matches'})`
        : '(the training images have no single polarity)';
      const flag = $('upload-flag');
      flag.classList.toggle('hidden', !info.flagged);
      flag.textContent = info.flagged
        ? `⚠ Unlike the training data: ${info.outside.join('; ')}, outside the range of the middle 98% of ${pageData.statisticsSource || 'training images'}. What the model predicts for it says little.`
        : '';
      const result = await run(bytes, { name });
      return { ...result, upload: info };
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
    const invertBox = /** @type {HTMLInputElement} */ ($('invert'));
    invertBox.addEventListener('change', () => { if (uploaded) predictImage(uploaded.img, uploaded.name, invertBox.checked).catch(fail); });

    // The controls redraw what is shown; nothing runs the model again.
    const opacity = /** @type {HTMLInputElement} */ ($('opacity'));
    const stretch = /** @type {HTMLInputElement} */ ($('stretch'));
    const radios = /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[name="view"]'));
    function sync() {
      opacity.disabled = view.mode !== 'overlay';
      opacity.value = String(Math.round(100 * view.opacity));
      $('opacity-value').textContent = `${Math.round(100 * view.opacity)}%`;
      stretch.checked = view.stretch;
      radios.forEach((r) => { r.checked = r.value === view.mode; });
      document.body.dataset['view'] = view.mode;
      return render();
    }
    radios.forEach((r) => r.addEventListener('change', () => { if (r.checked) { view.mode = /** @type {'side' | 'overlay'} */ (r.value); sync(); } }));
    opacity.addEventListener('input', () => { view.opacity = Number(opacity.value) / 100; sync(); });
    stretch.addEventListener('change', () => { view.stretch = stretch.checked; sync(); });

    w.ibcExplorer.backend = backend;
    w.ibcExplorer.predictSample = predictSample;
    w.ibcExplorer.predictImage = predictImage;
    w.ibcExplorer.setView = (/** @type {'side' | 'overlay'} */ mode) => { view.mode = mode; return sync(); };
    w.ibcExplorer.setOpacity = (/** @type {number} */ a) => { view.opacity = Math.min(1, Math.max(0, a)); return sync(); };
    w.ibcExplorer.setStretch = (/** @type {boolean} */ on) => { view.stretch = on; return sync(); };
    w.ibcExplorer.upload = uploadInfo;
    sync();
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
