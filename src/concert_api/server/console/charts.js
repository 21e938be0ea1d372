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
