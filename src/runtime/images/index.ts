/** Attention images for people: the map pipeline, panels, grids and PNG files. */
export { writeAttentionImages, ATTENTION_FOLDER } from './write-attention.js';
export { renderAttentionPanel, renderAttentionGrid, displayScale, type AttentionItem } from './panel.js';
export { continuousMap, quantizedMap, minMaxTo255, gaussianBlur7, resizeBicubic, resizeNearest } from './attention-map.js';
export { writePng, encodePng } from './png.js';
export type { RgbaImage } from './canvas.js';
