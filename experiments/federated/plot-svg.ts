/**
 * A small line chart of NDCG@10 as standalone SVG (no plotting dependency). Each series gives
 * the x position of every value in `at` (e.g. client updates); `xLabel` names that axis.
 */
export function ndcgPlotSvg(
  series: { name: string; color: string; values: number[]; at: number[] }[],
  levels: { name: string; color: string; value: number }[],
  xLabel: string,
): string {
  const [w, h, pad] = [640, 360, 48];
  const all = [...series.flatMap((s) => s.values), ...levels.map((l) => l.value)];
  const [lo, hi] = [Math.min(...all) * 0.98, Math.max(...all) * 1.02];
  const xs = series.flatMap((s) => s.at);
  const [x0, x1] = [0, Math.max(1, ...xs)];
  const x = (v: number) => pad + ((w - 2 * pad) * (v - x0)) / (x1 - x0);
  const y = (v: number) => h - pad - ((h - 2 * pad) * (v - lo)) / (hi - lo || 1);
  const lines = series.map(
    (s) =>
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="` +
      `${s.values.map((v, i) => `${x(s.at[i] ?? i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`,
  );
  const flat = levels.map(
    (l) =>
      `<line x1="${pad}" x2="${w - pad}" y1="${y(l.value).toFixed(1)}" y2="${y(l.value).toFixed(1)}" stroke="${l.color}" stroke-dasharray="6 4"/>`,
  );
  const legend = [...series, ...levels].map(
    (s, i) => `<text x="${pad + 8}" y="${pad + 16 + 16 * i}" fill="${s.color}" font-size="12">${s.name}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">
<rect width="${w}" height="${h}" fill="white"/>
<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">NDCG@10 of the federated users</text>
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#444"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="#444"/>
<text x="${w / 2}" y="${h - 12}" text-anchor="middle" font-size="12">${xLabel}: 0..${x1.toLocaleString('en-US')}</text>
<text x="${pad - 6}" y="${y(hi) + 4}" text-anchor="end" font-size="11">${hi.toFixed(4)}</text>
<text x="${pad - 6}" y="${y(lo) + 4}" text-anchor="end" font-size="11">${lo.toFixed(4)}</text>
${[...flat, ...lines, ...legend].join('\n')}
</svg>
`;
}
