/**
 * The one call the trainer makes: renders a panel per item to
 * `attention/000.png`, `attention/001.png`, ... and all of them to
 * `attention/grid.png` inside the run directory (about square: ceil(sqrt(n))
 * columns). Returns the written paths, the grid last.
 */
import { join } from 'node:path';
import { makeRunSubdir } from '../run-dir.js';
import { renderAttentionGrid, renderAttentionPanel, type AttentionItem } from './panel.js';
import { writePng } from './png.js';

export const ATTENTION_FOLDER = 'attention';

export function writeAttentionImages(runDir: string, items: readonly AttentionItem[]): string[] {
  if (items.length === 0) return [];
  const folder = makeRunSubdir(runDir, ATTENTION_FOLDER);
  const digits = Math.max(3, String(items.length - 1).length);
  const panels = items.map(renderAttentionPanel);
  const paths = panels.map((panel, i) => {
    const path = join(folder, `${String(i).padStart(digits, '0')}.png`);
    writePng(path, panel.data, panel.width, panel.height);
    return path;
  });
  const grid = renderAttentionGrid(panels, Math.ceil(Math.sqrt(panels.length)));
  const gridPath = join(folder, 'grid.png');
  writePng(gridPath, grid.data, grid.width, grid.height);
  return [...paths, gridPath];
}
