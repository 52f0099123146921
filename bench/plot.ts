import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { BenchReport } from './report.js';

/**
 * `node dist/bench/plot.js OUT.png REPORT.json…`: a bar chart of req/s per scenario, one bar per report
 * (e.g. Express and Fastify), drawn as SVG and turned into PNG by headless Chromium (no network needed).
 */
const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  console.error('usage: node dist/bench/plot.js OUT.png REPORT.json...');
  process.exit(2);
}
// Each bar is labelled with its platform and the folder its report sits in (e.g. run1, run2).
const reports = inputs.map((f) => ({
  ...(JSON.parse(readFileSync(f, 'utf8')) as BenchReport),
  run: basename(dirname(resolve(f))),
}));
const SHORT: Record<string, string> = {
  bare: '(d) bare route',
  authorize: '(a) device authorization',
  poll: '(b) pending polls',
  verification: '(c) verification page',
};
const scenarios = reports[0].scenarios.map((s) => ({ id: s.id, label: SHORT[s.id] ?? s.id }));
const colors = ['#1f6feb', '#d97706', '#16a34a', '#9333ea', '#0891b2', '#dc2626'];
const W = 900;
const H = 460;
const left = 70;
const bottom = 90;
const top = 60;
const max = Math.max(...reports.flatMap((r) => r.scenarios.map((s) => s.requestsPerSecond))) * 1.15;
const plotH = H - top - bottom;
const groupW = (W - left - 20) / scenarios.length;
const barW = Math.min(60, (groupW - 30) / reports.length);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const parts: string[] = [];
parts.push(
  `<text x="${W / 2}" y="28" font-size="18" text-anchor="middle" font-weight="bold">req/s per scenario (higher is better)</text>`,
);
parts.push(
  `<text x="${W / 2}" y="48" font-size="12" text-anchor="middle" fill="#555">${esc(
    `${reports[0].database}, ${reports[0].connections} connections, ${reports[0].machine}`,
  )}</text>`,
);
for (let i = 0; i <= 5; i++) {
  const v = (max / 5) * i;
  const y = top + plotH - (v / max) * plotH;
  parts.push(`<line x1="${left}" x2="${W - 10}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
  parts.push(
    `<text x="${left - 6}" y="${y + 4}" font-size="11" text-anchor="end">${Math.round(v)}</text>`,
  );
}
scenarios.forEach((s, g) => {
  const gx = left + g * groupW + (groupW - barW * reports.length) / 2;
  reports.forEach((r, k) => {
    const v = r.scenarios.find((x) => x.id === s.id)?.requestsPerSecond ?? 0;
    const h = (v / max) * plotH;
    const x = gx + k * barW;
    parts.push(
      `<rect x="${x}" y="${top + plotH - h}" width="${barW - 4}" height="${h}" fill="${colors[k % colors.length]}"/>`,
    );
    parts.push(
      `<text x="${x + (barW - 4) / 2}" y="${top + plotH - h - 4}" font-size="10" text-anchor="middle">${v >= 10_000 ? `${(v / 1000).toFixed(1)}k` : Math.round(v)}</text>`,
    );
  });
  parts.push(
    `<text x="${left + g * groupW + groupW / 2}" y="${top + plotH + 18}" font-size="12" text-anchor="middle">${esc(s.label)}</text>`,
  );
});
reports.forEach((r, k) => {
  const x = left + k * 135;
  parts.push(
    `<rect x="${x}" y="${H - 40}" width="14" height="14" fill="${colors[k % colors.length]}"/>`,
  );
  parts.push(
    `<text x="${x + 20}" y="${H - 28}" font-size="12">${esc(`${r.adapter} (${r.run})`)}</text>`,
  );
});
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, Arial, sans-serif"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
const svgFile = resolve(out.replace(/\.png$/, '') + '.svg');
writeFileSync(svgFile, svg);
const html = resolve(out.replace(/\.png$/, '') + '.html');
writeFileSync(html, `<html><body style="margin:0">${svg}</body></html>`);
try {
  execFileSync(
    process.env.CHROMIUM ?? '/usr/bin/chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--hide-scrollbars',
      `--window-size=${W},${H}`,
      `--screenshot=${resolve(out)}`,
      `file://${html}`,
    ],
    { stdio: 'ignore' },
  );
  console.log(`written: ${out} (and ${svgFile})`);
} catch (e) {
  console.error(`Chromium not available (${String(e)}); the SVG is at ${svgFile}`);
  process.exitCode = 1;
} finally {
  rmSync(html, { force: true });
}
