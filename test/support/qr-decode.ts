import jsqrModule, { type Options, type QRCode } from 'jsqr';

type JsQR = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: Options,
) => QRCode | null;
// jsqr is a webpack-built CommonJS module: depending on the loader its default import is the function itself or
// `{ default: function }`.
const loaded = jsqrModule as unknown as JsQR | { default: JsQR };
const jsQR: JsQR = typeof loaded === 'function' ? loaded : loaded.default;

/**
 * Decodes a QR code given as a module matrix (`true` = dark), by drawing it as pixels with a wide light margin
 * and reading it with an independent decoder (jsQR). Returns the text, or null when unreadable.
 */
export function decodeQrModules(dark: boolean[][]): string | null {
  const scale = 4;
  const margin = 8;
  const rows = dark.length;
  const cols = Math.max(...dark.map((r) => r.length));
  const width = (cols + 2 * margin) * scale;
  const height = (rows + 2 * margin) * scale;
  const pixels = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (!dark[r]![c]) continue;
      for (let y = 0; y < scale; y++) {
        for (let x = 0; x < scale; x++) {
          const i = (((r + margin) * scale + y) * width + (c + margin) * scale + x) * 4;
          pixels[i] = pixels[i + 1] = pixels[i + 2] = 0;
        }
      }
    }
  }
  return jsQR(pixels, width, height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}

/**
 * The module matrix of a terminal QR code drawn with half blocks, where ink (`█ ▀ ▄`) is a light module and
 * a blank is a dark one (the CLI's convention for dark terminal backgrounds).
 */
export function modulesFromHalfBlocks(lines: string[]): boolean[][] {
  const out: boolean[][] = [];
  for (const line of lines) {
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (const ch of line) {
      top.push(!(ch === '█' || ch === '▀'));
      bottom.push(!(ch === '█' || ch === '▄'));
    }
    out.push(top, bottom);
  }
  return out;
}
