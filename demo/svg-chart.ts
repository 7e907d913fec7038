/** An empty `w` x `h` chart (class `chart`) and the function that adds an SVG element with attributes and text to it. */
export function svgChart(
  w: number,
  h: number,
): { svg: SVGSVGElement; add: (tag: string, attrs: Record<string, string | number>, text?: string) => void } {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.classList.add('chart');
  const add = (tag: string, attrs: Record<string, string | number>, text = '') => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    node.textContent = text;
    svg.append(node);
  };
  return { svg, add };
}
