/** Attention images for people: figures (SVG -> PNG with a real font), the reference map pipeline, PNG files. */
export { writeAttentionImages, renderAttentionImages, attentionFileName, ATTENTION_FOLDER, type AttentionWriteOptions, type RenderedAttentionImages } from './write-attention.js';
export { attentionFigureSvg, figureScale, svgToPng, svgToPngAsync, displayScale, className, gridFigureSize, maxGridImages, MAX_FIGURE_PIXELS, type AttentionItem, type FigureInfo, type ColourScale } from './figure.js';
export { continuousMap, quantizedMap, minMaxTo255, gaussianBlur7, resizeBicubic, resizeNearest } from './attention-map.js';
export { VIRIDIS, viridisAt } from './colormap.js';
export { encodePng } from './png.js';
