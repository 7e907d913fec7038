/**
 * A small line chart of NDCG@10 per round as standalone SVG (no plotting dependency).
 * `rounds` names the round each value was measured after (default 1, 2, 3, ...).
 */
export function ndcgPlotSvg(series: { name: string; color: string; values: number[] }[], levels: { name: string; color: string; value: number }[], rounds?: readonly number[]): string {
  const [w, h, pad] = [640, 360, 48];
  const all = [...series.flatMap((s) => s.values), ...levels.map((l) => l.value)];
  const [lo, hi] = [Math.min(...all) * 0.98, Math.max(...all) * 1.02];
  const points = Math.max(1, ...series.map((s) => s.values.length));
  const x = (i: number) => pad + ((w - 2 * pad) * i) / Math.max(1, points - 1);
  const [first, last] = rounds?.length ? [rounds[0]!, rounds[rounds.length - 1]!] : [1, points];
  const y = (v: number) => h - pad - ((h - 2 * pad) * (v - lo)) / (hi - lo || 1);
  const lines = series.map((s) => `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`);
  const flat = levels.map((l) => `<line x1="${pad}" x2="${w - pad}" y1="${y(l.value).toFixed(1)}" y2="${y(l.value).toFixed(1)}" stroke="${l.color}" stroke-dasharray="6 4"/>`);
  const legend = [...series, ...levels].map((s, i) => `<text x="${pad + 8}" y="${pad + 16 + 16 * i}" fill="${s.color}" font-size="12">${s.name}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">
<rect width="${w}" height="${h}" fill="white"/>
<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">NDCG@10 of federated users per round</text>
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#444"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="#444"/>
<text x="${w / 2}" y="${h - 12}" text-anchor="middle" font-size="12">round (${first}..${last}${rounds && rounds.length > 1 && rounds[1]! - rounds[0]! > 1 ? `, every ${rounds[1]! - rounds[0]!}` : ''})</text>
<text x="${pad - 6}" y="${y(hi) + 4}" text-anchor="end" font-size="11">${hi.toFixed(4)}</text><text x="${pad - 6}" y="${y(lo) + 4}" text-anchor="end" font-size="11">${lo.toFixed(4)}</text>
${[...flat, ...lines, ...legend].join('\n')}
</svg>
`;
}
