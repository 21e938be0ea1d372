// Charts drawn as plain SVG: no library, so nothing to fetch and nothing to vendor.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A horizontal bar chart of `rows`, one bar per row: label(row) on the left, value(row) as the bar and its
 * formatted value at its end. Returns a <figure> with a caption; the SVG is an image with a text alternative.
 */
export function barChart(rows, { label, value, format, title }) {
  const barHeight = 22;
  const gap = 6;
  const labelWidth = 190;
  const width = 640;
  const valueWidth = 70;
  const height = rows.length * (barHeight + gap) + gap;
  const max = Math.max(...rows.map(value), 0) || 1;
  const plot = width - labelWidth - valueWidth;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart" });
  rows.forEach((row, i) => {
    const y = gap + i * (barHeight + gap);
    const v = value(row);
    const name = label(row);
    const group = svg("g");
    group.append(svg("title", {}, `${name}: ${format(v)}`));
    group.append(svg("text", { x: labelWidth - 8, y: y + barHeight * 0.7, "text-anchor": "end", class: "chart-label" },
      name.length > 26 ? `${name.slice(0, 25)}…` : name));
    group.append(svg("rect", { x: labelWidth, y, width: Math.max(1, (v / max) * plot), height: barHeight, class: "chart-bar", rx: 3 }));
    group.append(svg("text", { x: labelWidth + (v / max) * plot + 6, y: y + barHeight * 0.7, class: "chart-value" }, format(v)));
    chart.append(group);
  });
  const figure = document.createElement("figure");
  figure.className = "chart-figure";
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  figure.append(caption, chart);
  return figure;
}
