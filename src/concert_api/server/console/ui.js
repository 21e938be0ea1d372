// Small DOM helpers shared by the views: elements, numbers, field errors, progress, sortable tables.

/** Create an element: el("td", {class: "num"}, "42"). Attributes starting with "on" become listeners. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) node.append(child);
  }
  return node;
}

const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const MONEY = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const PRICE = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

export function formatNumber(value) {
  return typeof value === "number" ? NUMBER.format(value) : String(value ?? "");
}

export function formatMoney(value) {
  return typeof value === "number" ? MONEY.format(value) : "";
}

export function formatPercent(value) {
  return typeof value === "number" ? `${NUMBER.format(value * 100)}%` : "";
}

export function formatPrice(value) {
  return typeof value === "number" ? PRICE.format(value) : "";
}

/** How a column named `key` is best shown: rates as percentages, revenue in dollars, prices to the cent. */
export function formatterFor(key) {
  if (/(rate|confidence|score|share)$/.test(key)) return formatPercent;
  if (/price/.test(key)) return formatPrice;
  if (/revenue/.test(key)) return formatMoney;
  return formatNumber;
}

export function humanize(key) {
  const text = key.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Remove the field errors a form shows. */
export function clearErrors(form) {
  for (const node of form.querySelectorAll(".error, .form-error")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

/**
 * Show an ApiError as the API words it, next to the field it names (`details` starting with "field: ..." or
 * naming a field of the form), otherwise at the top of the form. Focuses the field so keyboard users land on it.
 */
export function showError(form, error) {
  const path = error.fieldPath;
  const names = [...new Set([...form.elements].map((c) => c.name).filter(Boolean))];
  let field = null;
  if (path) {
    const parts = path.split(".");
    for (let i = parts.length; i > 0 && !field; i -= 1) {
      const candidate = parts.slice(0, i).join(".");
      if (names.includes(candidate)) field = candidate;
    }
  }
  if (!field) field = names.find((name) => new RegExp(`\\b${name}\\b`).test(error.details)) || null;
  const slot = field && form.querySelector(`#${form.id}-${field}-error`);
  if (slot) {
    slot.textContent = error.details;
    const control = form.elements.namedItem(field);
    const target = control instanceof RadioNodeList ? control[0] : control;
    if (target) {
      target.setAttribute("aria-invalid", "true");
      target.focus();
    }
    return;
  }
  const general = form.querySelector(".form-error");
  general.textContent = error.details ? `${error.error}: ${error.details}` : error.error;
}

/**
 * Run `task` while the form shows it is working: its submit buttons disabled, an indeterminate progress bar and
 * the seconds elapsed once the call takes longer than a moment.
 */
export async function withProgress(form, task) {
  const progress = form.querySelector(".progress");
  const elapsed = progress && progress.querySelector(".elapsed");
  const buttons = [...form.querySelectorAll("button")];
  const started = performance.now();
  buttons.forEach((b) => { b.disabled = true; });
  form.setAttribute("aria-busy", "true");
  const showAfter = setTimeout(() => { if (progress) progress.hidden = false; }, 150);
  const tick = setInterval(() => {
    if (elapsed) elapsed.textContent = `${((performance.now() - started) / 1000).toFixed(1)} s`;
  }, 100);
  try {
    return await task();
  } finally {
    clearTimeout(showAfter);
    clearInterval(tick);
    if (progress) progress.hidden = true;
    if (elapsed) elapsed.textContent = "";
    form.removeAttribute("aria-busy");
    buttons.forEach((b) => { b.disabled = false; });
  }
}

/**
 * A table whose column headers sort it (click or Enter/Space on the header button; aria-sort tells screen
 * readers). `columns`: [{key, label, format?}]. Wrapped in a focusable region so it scrolls on narrow screens.
 */
export function sortableTable(rows, columns, caption) {
  const table = el("table", { class: "data" });
  table.append(el("caption", { text: caption }));
  const headRow = el("tr");
  const body = el("tbody");
  let sortKey = null;
  let ascending = true;

  const render = () => {
    const sorted = [...rows];
    if (sortKey) {
      sorted.sort((a, b) => compare(a[sortKey], b[sortKey]) * (ascending ? 1 : -1));
    }
    body.replaceChildren(...sorted.map((row) => el("tr", {}, columns.map((c) => {
      const value = row[c.key];
      const format = c.format || formatterFor(c.key);
      return el("td", { class: typeof value === "number" ? "num" : undefined, text: value == null ? "" : format(value) });
    }))));
    for (const th of headRow.children) {
      const key = th.dataset.key;
      th.setAttribute("aria-sort", key === sortKey ? (ascending ? "ascending" : "descending") : "none");
    }
  };

  for (const column of columns) {
    const button = el("button", { type: "button", class: "sort", text: column.label || humanize(column.key) });
    button.addEventListener("click", () => {
      ascending = sortKey === column.key ? !ascending : true;
      sortKey = column.key;
      render();
    });
    const numeric = rows.some((r) => typeof r[column.key] === "number");
    headRow.append(el("th", { scope: "col", "data-key": column.key, class: numeric ? "num" : undefined }, button));
  }
  table.append(el("thead", {}, headRow), body);
  render();
  return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption }, table);
}

function compare(a, b) {
  if (a == null && b == null) return 0;
  if (a == null) return 1;
  if (b == null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), "en", { numeric: true });
}

/** The non-empty values of a form as an object, numbers for type=number inputs (as typed, for the API to judge). */
export function formValues(form) {
  const values = {};
  for (const control of form.elements) {
    if (!control.name || control.type === "checkbox" || control.type === "submit" || control.type === "button") continue;
    const raw = control.value.trim();
    if (raw === "") continue;
    if (control.type === "number") {
      const number = Number(raw);
      values[control.name] = Number.isFinite(number) ? number : raw;
    } else {
      values[control.name] = raw;
    }
  }
  return values;
}
