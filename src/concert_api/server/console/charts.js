// Charts drawn with HTML and CSS: no library, so nothing to fetch or vendor, and their text stays readable (and
// selectable, and read by screen readers) at any width.

/**
 * A horizontal bar chart of `rows`, one bar per row: label(row), a bar as long as value(row) against the largest
 * value, and format(value) at its end. Returns a <figure> whose caption is `title`.
 */
export function barChart(rows, { label, value, format, title }) {
  const max = Math.max(...rows.map(value), 0) || 1;
  const list = document.createElement("ol");
  list.className = "bars";
  for (const row of rows) {
    const v = value(row);
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "bar-label";
    name.textContent = label(row);
    const track = document.createElement("span");
    track.className = "bar-track";
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${Math.max(0.5, (v / max) * 100).toFixed(2)}%`;
    track.append(bar);
    const shown = document.createElement("span");
    shown.className = "bar-value";
    shown.textContent = format(v);
    item.append(name, track, shown);
    list.append(item);
  }
  const figure = document.createElement("figure");
  figure.className = "chart-figure";
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  figure.append(caption, list);
  return figure;
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The demand and revenue curve of a price curve (`POST /tickets/price-curve`), drawn as plain SVG: predicted
 * tickets (with their interval as a band) on the left axis, expected revenue on the right one, prices along the
 * bottom (log scale, as the grid is spaced), the best price marked with a line and a label, and the asked price
 * (`asked`, optional) with a dashed line; `money` formats the axes, `price` a price to the cent, `number` counts. Returns a <figure> whose caption is `title`.
 */
export function priceCurveChart(curve, { best, asked, capacity, title, money, price, number }) {
  const width = 640, height = 300, left = 64, right = 76, top = 28, bottom = 44;
  const plotW = width - left - right, plotH = height - top - bottom;
  const prices = curve.map((p) => p.ticket_price);
  const [lo, hi] = [Math.min(...prices, asked || Infinity), Math.max(...prices, asked || 0)];
  const x = (price) => left + (hi > lo ? (Math.log(price) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : 0.5) * plotW;
  const maxSales = Math.max(capacity || 0, ...curve.map((p) => p.prediction_interval.high), 1);
  const maxRevenue = Math.max(...curve.map((p) => p.expected_revenue), 1);
  const ySales = (v) => top + plotH - (v / maxSales) * plotH;
  const yRevenue = (v) => top + plotH - (v / maxRevenue) * plotH;
  const line = (points) => points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" ");

  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "price-curve", role: "img",
    "aria-labelledby": "price-curve-title price-curve-desc" });
  chart.append(svg("title", { id: "price-curve-title" }, title));
  chart.append(svg("desc", { id: "price-curve-desc" },
    `Best price ${price(best.ticket_price)}: expected revenue ${money(best.expected_revenue)}, ` +
    `${number(Math.round(best.predicted_sales))} tickets.`));
  const axes = svg("g", { class: "axes" });
  axes.append(svg("line", { x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH }));
  axes.append(svg("line", { x1: left, y1: top, x2: left, y2: top + plotH }));
  axes.append(svg("line", { x1: left + plotW, y1: top, x2: left + plotW, y2: top + plotH }));
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotH - fraction * plotH;
    axes.append(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "tick sales" },
      number(Math.round(fraction * maxSales))));
    axes.append(svg("text", { x: left + plotW + 6, y: y + 4, class: "tick revenue" }, money(fraction * maxRevenue)));
  }
  const ticks = [curve[0], curve[Math.floor(curve.length / 2)], curve[curve.length - 1]];
  for (const p of ticks) {
    axes.append(svg("text", { x: x(p.ticket_price), y: top + plotH + 16, "text-anchor": "middle", class: "tick" },
      money(p.ticket_price)));
  }
  axes.append(svg("text", { x: left + plotW / 2, y: height - 6, "text-anchor": "middle", class: "axis-title" },
    "Ticket price"));
  axes.append(svg("text", { x: left, y: top - 10, "text-anchor": "middle", class: "axis-title sales" }, "Tickets"));
  axes.append(svg("text", { x: left + plotW, y: top - 10, "text-anchor": "middle", class: "axis-title revenue" },
    "Revenue"));
  chart.append(axes);

  const band = [...curve.map((p) => [x(p.ticket_price), ySales(p.prediction_interval.high)]),
    ...curve.slice().reverse().map((p) => [x(p.ticket_price), ySales(p.prediction_interval.low)])];
  chart.append(svg("polygon", { class: "sales-band", points: line(band) }));
  if (capacity) {
    chart.append(svg("line", { class: "capacity", x1: left, x2: left + plotW, y1: ySales(capacity), y2: ySales(capacity) }));
  }
  chart.append(svg("polyline", { class: "sales-line",
    points: line(curve.map((p) => [x(p.ticket_price), ySales(p.predicted_sales)])) }));
  chart.append(svg("polyline", { class: "revenue-line",
    points: line(curve.map((p) => [x(p.ticket_price), yRevenue(p.expected_revenue)])) }));
  if (asked) {
    chart.append(svg("line", { class: "asked-price", x1: x(asked), x2: x(asked), y1: top, y2: top + plotH }));
  }
  const bx = x(best.ticket_price);
  const marker = svg("g", { class: "best-price", "data-price": best.ticket_price });
  marker.append(svg("line", { x1: bx, x2: bx, y1: top, y2: top + plotH }));
  marker.append(svg("circle", { cx: bx, cy: yRevenue(best.expected_revenue), r: 5 }));
  marker.append(svg("text", { x: bx + (bx > left + plotW / 2 ? -6 : 6), y: top + 12,
    "text-anchor": bx > left + plotW / 2 ? "end" : "start" }, `Best price ${price(best.ticket_price)}`));
  chart.append(marker);

  const figure = document.createElement("figure");
  figure.className = "chart-figure price-curve-figure";
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  const legend = document.createElement("p");
  legend.className = "legend";
  for (const [cls, text] of [["sales", "tickets expected (band: likely range)"], ["revenue", "expected revenue"],
    ["best", "best price"], ...(asked ? [["asked", "price asked"]] : [])]) {
    const key = document.createElement("span");
    key.className = `key ${cls}`;
    key.textContent = text;
    legend.append(key);
  }
  figure.append(caption, chart, legend);
  return figure;
}

/**
 * A map of places as a scatter by longitude and latitude (no tiles, no network): one dot per row, sized by
 * `size`, labelled on hover and listed in the SVG's description for screen readers.
 */
export function placeScatter(rows, { label, size, title }) {
  const placed = rows.filter((r) => typeof r.latitude === "number" && typeof r.longitude === "number");
  if (!placed.length) return null;
  const width = 640, height = 360, pad = 28;
  const lons = placed.map((r) => r.longitude), lats = placed.map((r) => r.latitude);
  const [minLon, maxLon, minLat, maxLat] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const spanLon = Math.max(maxLon - minLon, 1), spanLat = Math.max(maxLat - minLat, 1);
  const x = (lon) => pad + ((lon - minLon) / spanLon) * (width - 2 * pad);
  const y = (lat) => height - pad - ((lat - minLat) / spanLat) * (height - 2 * pad);
  const maxSize = Math.max(...placed.map(size), 1);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "place-scatter", role: "img",
    "aria-labelledby": "place-scatter-title place-scatter-desc" });
  chart.append(svg("title", { id: "place-scatter-title" }, title));
  chart.append(svg("desc", { id: "place-scatter-desc" }, placed.map(label).join("; ")));
  chart.append(svg("rect", { x: 0, y: 0, width, height, class: "map-ground" }));
  for (const row of placed) {
    const dot = svg("circle", { cx: x(row.longitude).toFixed(1), cy: y(row.latitude).toFixed(1),
      r: (3 + 9 * Math.sqrt(size(row) / maxSize)).toFixed(1), class: "place" });
    dot.append(svg("title", {}, label(row)));
    chart.append(dot);
  }
  const figure = document.createElement("figure");
  figure.className = "chart-figure";
  const caption = document.createElement("figcaption");
  caption.textContent = `${title} (west to east, south to north; dot size: capacity)`;
  figure.append(caption, chart);
  return figure;
}
