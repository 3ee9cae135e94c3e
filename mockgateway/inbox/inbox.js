// The mockgateway inbox. Plain JavaScript, no build step, nothing loaded from elsewhere.
//
// Two sources feed the same page:
//   live:   a running gateway — its feed (/_mock/ui/feed) for pages of the journal and its
//           stream (/_mock/ui/events) for what happens next;
//   report: a file written by `mockgateway report` or `--mockgateway-report`, whose data sits
//           in the page itself, in a JSON script element (id inbox-data).
//
// Everything the journal holds is hostile text (content, custid, a receiver's answer, a
// diagnosis quoting what a client sent): it only ever becomes text nodes and attribute values,
// never markup.

const PAGE = 200;
const dataElement = document.getElementById("inbox-data");
const REPORT = dataElement ? JSON.parse(dataElement.textContent) : null;

// ---------------------------------------------------------------------------------- helpers

function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

function clockTime(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "";
  const d = new Date(seconds * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function fullTime(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "";
  const d = new Date(seconds * 1000);
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${day} ${clockTime(seconds)}.${pad(d.getMilliseconds(), 3)}`;
}

function timeElement(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return null;
  return h("time", { datetime: new Date(seconds * 1000).toISOString(), title: fullTime(seconds) },
    clockTime(seconds));
}

const plural = (n, one, many = `${one}s`) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
const ENCODINGS = { gsm7: "GSM 7-bit", ucs2: "UCS-2" };

function field(label, value) {
  if (value === null || value === undefined || value === "") return null;
  return h("div", {}, h("dt", {}, label), h("dd", {}, value));
}

function digits(number) {
  const text = String(number || "").replace(/[\s-]/g, "");
  return text.replace(/^\+/, "").replace(/^00/, "");
}

// ------------------------------------------------------------------------------- rendering

function content(message) {
  const text = String(message.content ?? "");
  const paragraph = h("p", { class: "content", dir: "auto" });
  const otp = message.otp;
  if (Array.isArray(otp) && otp.length === 2 && otp[0] >= 0 && otp[1] <= text.length && otp[0] < otp[1]) {
    append(paragraph, [
      text.slice(0, otp[0]),
      h("mark", { class: "otp", title: "one-time code" }, text.slice(otp[0], otp[1])),
      text.slice(otp[1]),
    ]);
  } else {
    append(paragraph, [text]);
  }
  return paragraph;
}

function warnings(list) {
  if (!Array.isArray(list) || list.length === 0) return null;
  return h("ul", { class: "warnings", "aria-label": "Warnings" },
    list.map((w) => h("li", {}, h("span", { class: "sign", "aria-hidden": "true" }, "⚠ "), String(w))));
}

function testLine(item) {
  return item.test ? h("p", { class: "test" }, "sent by ", h("code", {}, item.test)) : null;
}

function stateBadge(state) {
  const names = { undelivered: "undelivered (parked)", none: "no reports" };
  return h("span", { class: `badge state-${state}` }, names[state] || state);
}

function howItLeft(report) {
  switch (report.state) {
    case "fetched":
      return ["fetched by get_rpt ", report.fetched_by != null ? `#${report.fetched_by} ` : "",
        "at ", timeElement(report.left_at)];
    case "pushed":
      return [`pushed with seqid ${report.seqid} at `, timeElement(report.left_at)];
    case "undelivered":
      return [h("strong", {}, "parked"), ` in seqid ${report.seqid}: undelivered, re-drivable`];
    default:
      if (report.seqid != null) return [`in push batch seqid ${report.seqid}, not yet acknowledged`];
      return ["pending: due at ", timeElement(report.due), ", not yet collected"];
  }
}

function reportsTable(message) {
  const reports = message.report_items || [];
  if (reports.length === 0) return h("p", { class: "hint" }, "No reports in the journal.");
  return h("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": `Reports of ${message.mobile}` },
    h("table", { class: "grid reports" },
      h("caption", {}, "Status reports"),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, "Segment"), h("th", { scope: "col" }, "Outcome"),
        h("th", { scope: "col" }, "How it left"))),
      h("tbody", {}, reports.map((r) => h("tr", {},
        h("td", {}, `${r.pknum}/${r.pktotal}`),
        h("td", {}, h("span", { class: r.status === 0 ? "ok" : "bad" }, String(r.errcode)),
          r.status !== 0 && r.errdesc ? ` ${r.errdesc}` : ""),
        h("td", { class: `left state-${r.state}` }, howItLeft(r)))))));
}

function renderMessage(m) {
  const encoding = ENCODINGS[m.encoding] || m.encoding;
  return h("li", { class: "card message", "data-key": keyOf("messages", m) },
    h("article", { "aria-label": `Message to ${m.mobile}` },
      h("header", { class: "card-head" },
        h("h3", {}, h("span", { class: "number" }, String(m.mobile))),
        stateBadge(m.reports),
        timeElement(m.submitted_at)),
      content(m),
      h("dl", { class: "facts" },
        field("account", m.userid),
        field("msgid", m.msgid_str),
        field("segments", `${m.segments} · ${encoding}`),
        field("custid", m.custid),
        field("exdata", m.exdata),
        field("svrtype", m.svrtype),
        field("exno", m.exno),
        field("sent with", `${m.endpoint} (${m.format}), request #${m.request_id}`)),
      warnings(m.warnings),
      testLine(m),
      reportsTable(m)));
}

function answerOf(r) {
  if (r.http_status && r.http_status !== 200) return `HTTP ${r.http_status}`;
  return r.result === null || r.result === undefined ? "no answer" : `result ${r.result}`;
}

function renderRejected(r) {
  return h("li", { class: "card rejected-card", "data-key": keyOf("rejected", r) },
    h("article", { "aria-label": `Rejected request #${r.id}` },
      h("header", { class: "card-head" },
        h("h3", {}, `${r.method} /sms/v2/std/${r.path}`),
        h("span", { class: "badge bad" }, answerOf(r)),
        timeElement(r.at)),
      h("p", { class: "diagnosis" }, r.diagnosis ? String(r.diagnosis) : "(no diagnosis)"),
      h("dl", { class: "facts" },
        field("request", `#${r.id}`),
        field("account", r.userid),
        field("format", r.format),
        field("from", r.remote),
        field("decided by", r.rule ? `scenario ${r.rule}` : null),
        field("fault", r.fault)),
      warnings(r.warnings),
      testLine(r),
      fieldsDetails(r)));
}

function fieldsDetails(r) {
  const entries = Object.entries(r.fields || {});
  if (entries.length === 0) return null;
  return h("details", { class: "fields" },
    h("summary", {}, `Fields as sent (${entries.length})`),
    h("dl", { class: "facts" }, entries.map(([k, v]) =>
      field(k, typeof v === "string" ? v : JSON.stringify(v)))));
}

function pushOutcome(p) {
  if (p.outcome === "acknowledged") return h("span", { class: "badge ok" }, "acknowledged");
  if (p.parked) return h("span", { class: "badge state-undelivered" }, "parked");
  if (p.outcome === "in flight") return h("span", { class: "badge state-pending" }, "in flight");
  return h("span", { class: "badge bad" }, "failed");
}

function renderPush(p) {
  const failed = typeof p.outcome === "string" && p.outcome.startsWith("failed");
  return h("li", { class: `card push${p.parked ? " parked" : ""}`, "data-key": keyOf("pushes", p) },
    h("article", { "aria-label": `Push seqid ${p.seqid}, attempt ${p.attempt}` },
      h("header", { class: "card-head" },
        h("h3", {}, `${p.kind === "mo" ? "MO " : ""}seqid ${p.seqid} · attempt ${p.attempt}`),
        pushOutcome(p),
        timeElement(p.at)),
      failed ? h("p", { class: "diagnosis" }, String(p.outcome)) : null,
      h("dl", { class: "facts" },
        field("account", p.userid),
        field("to", p.url),
        field(p.kind === "mo" ? "MOs" : "reports", String(p.count)),
        field("HTTP status", p.http_status != null ? String(p.http_status) : "none"),
        field("next retry", p.next_retry_at != null ? fullTime(p.next_retry_at) : null),
        field("duplicate", p.duplicate ? "yes (chaos: a batch sent again under a new seqid)" : null)),
      p.warning ? warnings([p.warning]) : null,
      testLine(p),
      p.answer != null
        ? h("div", { class: "answer" }, h("p", { class: "label" }, "The receiver answered:"),
          h("pre", {}, String(p.answer)))
        : null));
}

function moLeft(mo) {
  switch (mo.state) {
    case "fetched":
      return `fetched by get_mo${mo.fetched_by != null ? ` #${mo.fetched_by}` : ""}`;
    case "pushed":
      return `pushed with seqid ${mo.seqid}`;
    case "undelivered":
      return `parked in seqid ${mo.seqid}: undelivered, re-drivable`;
    default:
      return mo.seqid != null ? `in push batch seqid ${mo.seqid}, not yet acknowledged` : mo.state;
  }
}

function renderMo(mo) {
  return h("li", { class: "card mo", "data-key": keyOf("mos", mo) },
    h("article", { "aria-label": `MO from ${mo.mobile}` },
      h("header", { class: "card-head" },
        h("h3", {}, h("span", { class: "number" }, String(mo.mobile ?? ""))),
        mo.state ? stateBadge(mo.state) : null,
        timeElement(mo.at ?? mo.received_at)),
      content({ content: mo.text ?? mo.content_text ?? mo.content }),
      h("dl", { class: "facts" },
        field("account", mo.userid), field("msgid", mo.msgid_str ?? mo.msgid),
        field("segments", mo.pktotal > 1 ? String(mo.pktotal) : null),
        field("spno", mo.spno), field("exno", mo.exno), field("rtime", mo.rtime),
        field("came as", mo.origin), field("how it left", mo.state ? moLeft(mo) : null)),
      testLine(mo)));
}

function renderRequestRow(r) {
  const notes = [r.diagnosis, ...(r.warnings || [])].filter(Boolean).join(" · ");
  return h("tr", { class: r.accepted ? "" : "bad-row", "data-key": keyOf("requests", r) },
    h("td", {}, String(r.id)),
    h("td", {}, timeElement(r.at)),
    h("td", {}, `${r.method} ${r.endpoint} (${r.format})`),
    h("td", {}, r.userid ?? ""),
    h("td", {}, h("span", { class: r.accepted ? "ok" : "bad" }, answerOf(r))),
    h("td", { class: "notes" }, notes, r.test ? h("span", { class: "test" }, ` (${r.test})`) : null));
}

// -------------------------------------------------------------------------------- sections

function keyOf(kind, item) {
  const test = item.test ? `${item.test}\u0000` : "";
  switch (kind) {
    case "messages":
      return test + item.msgid_str;
    case "pushes":
      return test + item.pos;
    case "mos":
      return test + (item.msgid_str ?? item.msgid ?? item.pos);
    default:
      return `${test}${item.id}`;
  }
}

class Section {
  constructor(kind, render) {
    this.kind = kind;
    this.render = render;
    this.list = document.querySelector(`[data-list="${kind}"]`);
    this.older = document.querySelector(`[data-older="${kind}"]`);
    this.summary = document.querySelector(`[data-summary="${kind}"]`);
    this.entries = []; // { key, item, element }, newest (highest pos) first
    this.byKey = new Map();
    this.total = 0;
    this.dropped = 0;
    this.nextBefore = null;
    this.pages = 1;
    this.note = "";
    this.older.addEventListener("click", () => this.loadOlder());
  }

  clear() {
    this.entries = [];
    this.byKey.clear();
    this.list.replaceChildren();
    this.total = 0;
    this.nextBefore = null;
    this.pages = 1;
  }

  fill(page) {
    this.clear();
    this.addPage(page);
  }

  addPage(page) {
    for (const item of page.items) this.upsert(item, { fromPage: true });
    this.total = page.total;
    this.dropped = page.dropped || 0;
    this.nextBefore = page.next_before;
    this.show();
  }

  async loadOlder() {
    if (this.nextBefore === null) return;
    this.older.disabled = true;
    try {
      const page = await source.page(this.kind, this.nextBefore);
      this.pages += 1;
      const total = this.total;
      this.addPage(page);
      this.total = Math.max(total, page.total);
      this.show();
    } catch (error) {
      actionStatus(`Could not load older items: ${error.message}`, true);
    } finally {
      this.older.disabled = false;
    }
  }

  upsert(item, { fromPage = false } = {}) {
    const key = keyOf(this.kind, item);
    const known = this.byKey.get(key);
    if (known) {
      const merged = { ...known.item, ...item };
      if (known.item.pos !== undefined && item.pos === undefined) merged.pos = known.item.pos;
      known.item = merged;
      const element = this.render(merged);
      known.element.replaceWith(element);
      known.element = element;
      return true;
    }
    if (typeof item.pos !== "number") return false;
    const entry = { key, item, element: this.render(item) };
    let at = 0;
    while (at < this.entries.length && this.entries[at].item.pos > item.pos) at += 1;
    if (at === this.entries.length) this.list.append(entry.element);
    else this.entries[at].element.before(entry.element);
    this.entries.splice(at, 0, entry);
    this.byKey.set(key, entry);
    if (!fromPage) {
      this.total += 1;
      this.trim();
    }
    return true;
  }

  remove(key) {
    const known = this.byKey.get(key);
    if (!known) return;
    known.element.remove();
    this.byKey.delete(key);
    this.entries.splice(this.entries.indexOf(known), 1);
    this.total = Math.max(0, this.total - 1);
  }

  /** Live traffic must not grow the page without bound: the oldest shown go, and come back
   * with "Show older". */
  trim() {
    const cap = PAGE * this.pages;
    while (this.entries.length > cap) {
      const last = this.entries.pop();
      last.element.remove();
      this.byKey.delete(last.key);
      this.nextBefore = this.entries[this.entries.length - 1].item.pos;
    }
  }

  show() {
    const shown = this.entries.length;
    document.querySelectorAll(`[data-count="${this.kind}"]`).forEach((c) => {
      c.textContent = this.note && shown === 0 ? "" : this.total.toLocaleString("en");
      c.classList.toggle("some", this.total > 0);
    });
    let text;
    if (this.note) text = this.note;
    else if (this.total === 0) text = filtersActive() ? "None match the filters." : `None yet.`;
    else if (shown >= this.total) text = `Newest first, all ${plural(this.total, "item")}.`;
    else text = `Newest first: ${shown.toLocaleString("en")} of ${this.total.toLocaleString("en")}.`;
    if (this.dropped) text += ` ${plural(this.dropped, "older entry", "older entries")} left the bounded journal.`;
    this.summary.textContent = text;
    this.older.hidden = this.nextBefore === null;
    this.list.closest("section").classList.toggle("empty", shown === 0);
  }

  itemByKey(key) {
    return this.byKey.get(key)?.item;
  }
}

// --------------------------------------------------------------------------------- filters

const filterForm = document.getElementById("filters");
let filters = { mobile: "", userid: "", state: "", q: "" };

function readFilters() {
  const form = new FormData(filterForm);
  const next = {};
  for (const name of Object.keys(filters)) next[name] = String(form.get(name) || "").trim();
  return next;
}

function filtersActive() {
  return Object.values(filters).some(Boolean);
}

function filterQuery(extra = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...filters, ...extra })) {
    if (value !== "" && value !== null && value !== undefined) query.set(name, value);
  }
  return query;
}

function pushState(p) {
  if (p.outcome === "acknowledged") return "pushed";
  if (p.parked) return "undelivered";
  return "pending";
}

/** The state filter on live updates (the server applies the others). */
function inState(kind, item) {
  if (!filters.state) return true;
  if (kind === "messages") return item.reports === filters.state;
  if (kind === "pushes") return pushState(item) === filters.state;
  if (kind === "mos") return item.state === filters.state;
  return true;
}

/** Every filter, for a report (no server to ask). Mirrors the feed's rules. */
function matchesReport(kind, item) {
  if (!inState(kind, item)) return false;
  if (filters.userid && item.userid !== filters.userid) return false;
  if (filters.mobile && kind !== "pushes") {
    const wanted = digits(filters.mobile);
    const numbers = kind === "messages" || kind === "mos"
      ? [item.mobile]
      : String(item.fields?.mobile ?? "").split(",");
    if (!numbers.some((n) => digits(n) === wanted)) return false;
  }
  if (filters.q && !textOf(item).includes(filters.q.toLowerCase())) return false;
  return true;
}

/** An item's values (not its field names), for the search box. */
function textOf(value) {
  if (value === null || value === undefined) return "";
  if (typeof value !== "object") return String(value).toLowerCase();
  return Object.values(value).map(textOf).join("\u0000");
}

// --------------------------------------------------------------------------------- sources

const about = { now: null, clock: null, accounts: [] };

async function api(method, path, body) {
  const options = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, options);
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  if (!response.ok) {
    const error = new Error(answer && answer.error ? answer.error : `HTTP ${response.status}`);
    error.status = response.status;
    error.answer = answer;
    throw error;
  }
  return answer;
}

const liveSource = {
  async page(kind, before) {
    const query = filterQuery({ kind, limit: PAGE, before: before ?? "" });
    const page = await api("GET", `/_mock/ui/feed?${query}`);
    learn(page);
    return page;
  },
};

const reportSource = {
  page(kind, before) {
    const all = kind === "rejected"
      ? REPORT.requests.filter((r) => !r.accepted)
      : (REPORT[kind] || []);
    const chosen = all.filter((item) => matchesReport(kind === "rejected" ? "requests" : kind, item));
    const start = before === null || before === undefined ? 0 : chosen.length - before + 1;
    const items = chosen.slice(start, start + PAGE).map((item, i) => ({ ...item, pos: chosen.length - start - i }));
    const end = start + items.length;
    return Promise.resolve({
      items,
      total: chosen.length,
      next_before: end < chosen.length ? chosen.length - end + 1 : null,
      dropped: kind === "rejected" ? 0 : (REPORT.dropped || {})[kind] || 0,
    });
  },
};

const source = REPORT ? reportSource : liveSource;

function learn(answer) {
  if (!answer) return;
  if (typeof answer.now === "number") about.now = answer.now;
  if (answer.clock) about.clock = answer.clock;
  if (Array.isArray(answer.accounts)) setAccounts(answer.accounts);
  if (Array.isArray(answer.mo_accounts)) setMoAccounts(answer.mo_accounts);
  showAbout();
}

function setAccounts(accounts) {
  if (accounts.join("\u0000") === about.accounts.join("\u0000")) return;
  about.accounts = accounts;
  document.getElementById("accounts").replaceChildren(...accounts.map((a) => h("option", { value: a })));
  fillSelect("push-userid", accounts);
}

function fillSelect(id, accounts) {
  const select = document.getElementById(id);
  const kept = select.value;
  select.replaceChildren(...accounts.map((a) => h("option", { value: a }, a)));
  if (accounts.includes(kept)) select.value = kept;
}

/** MOs are a domestic-edition feature: the inject form offers the accounts that take them. */
function setMoAccounts(accounts) {
  if (mosAvailable === false) return;
  fillSelect("mo-userid", accounts);
  if (accounts.length === 0) {
    disableMo("No account of this scenario takes MOs: they are a domestic-edition feature (edition: domestic).");
  } else {
    enableMo();
  }
}

let health = {};

function showAbout() {
  const parts = [];
  if (REPORT) {
    parts.push(`${REPORT.source}, written ${fullTime(REPORT.generated_at)}`);
  }
  if (health.scenario || REPORT?.scenario) parts.push(`scenario ${health.scenario || REPORT.scenario}`);
  const seed = health.seed ?? REPORT?.seed;
  if (seed !== undefined && seed !== null) parts.push(`seed ${seed}`);
  const clock = about.clock || health.clock || REPORT?.clock;
  if (clock === "virtual") {
    parts.push(about.now ? `virtual clock at ${fullTime(about.now)}` : "virtual clock");
  } else if (clock) {
    parts.push("real clock");
  }
  document.getElementById("about").textContent = parts.join(" · ");
  const clockForm = document.getElementById("clock-form");
  if (clockForm) clockForm.hidden = clock !== "virtual";
  const clockNow = document.getElementById("clock-now");
  if (clockNow) clockNow.textContent = about.now ? `Now ${fullTime(about.now)}.` : "";
}

// ---------------------------------------------------------------------------------- the page

const sections = {
  rejected: new Section("rejected", renderRejected),
  messages: new Section("messages", renderMessage),
  pushes: new Section("pushes", renderPush),
  requests: new Section("requests", renderRequestRow),
  mos: new Section("mos", renderMo),
};
const FED = ["rejected", "messages", "pushes", "requests"];

async function refreshAll() {
  const pages = await Promise.all(FED.map((kind) => source.page(kind, null)));
  FED.forEach((kind, i) => sections[kind].fill(pages[i]));
  await refreshMos();
}

let mosAvailable = null;

/** One card per MO: a long one's segments share its msgid, and each carries the whole text. */
const firstSegment = (mo) => (mo.pknum ?? 1) === 1;

async function refreshMos() {
  const section = sections.mos;
  if (REPORT) {
    if (REPORT.mos === null || REPORT.mos === undefined) {
      section.note = "This report's gateway had no MO listing.";
      section.clear();
      section.show();
      return;
    }
    REPORT.mos = REPORT.mos.filter(firstSegment);
    section.fill(await source.page("mos", null));
    return;
  }
  let answer;
  try {
    answer = await api("GET", "/_mock/mos");
    mosAvailable = true;
  } catch (error) {
    if (error.status === 404) {
      mosAvailable = false;
      section.note = "This gateway lists no MOs (GET /_mock/mos answered 404): an older mockgateway?";
      section.clear();
      section.show();
      disableMo("This gateway cannot take MOs yet: POST /_mock/mo does not exist in this version.");
      return;
    }
    section.note = `Could not list MOs: ${error.message}`;
    section.show();
    return;
  }
  section.note = "";
  const items = (answer.items || []).filter(firstSegment).reverse();
  const chosen = items.filter((mo) => matchesReport("mos", mo));
  section.fill({
    items: chosen.slice(0, PAGE * section.pages).map((mo, i) => ({ ...mo, pos: chosen.length - i })),
    total: chosen.length,
    next_before: null,
    dropped: answer.dropped || 0,
  });
}

function disableMo(note) {
  const form = document.getElementById("mo-form");
  if (!form) return;
  for (const control of form.querySelectorAll("input, select, button")) control.disabled = true;
  const shown = document.getElementById("mo-note");
  shown.textContent = note;
  shown.hidden = false;
}

function enableMo() {
  const form = document.getElementById("mo-form");
  if (!form) return;
  for (const control of form.querySelectorAll("input, select, button")) control.disabled = false;
  document.getElementById("mo-note").hidden = true;
}

let moTimer = null;

/** An MO was made or moved: list them again, once however many came at once. */
function refreshMosSoon() {
  if (moTimer) return;
  moTimer = setTimeout(async () => {
    moTimer = null;
    try {
      await refreshMos();
    } catch (error) {
      actionStatus(`Could not list MOs: ${error.message}`, true);
    }
  }, 300);
}

// ---------------------------------------------------------------------------- live updates

let stream = null;
let buffered = null; // events that arrive while the pages are fetched
let refetchTimer = null;

function setLive(state, text) {
  const live = document.getElementById("live");
  live.dataset.state = state;
  document.getElementById("live-text").textContent = text;
  document.getElementById("reconnect").hidden = state !== "off";
}

function openStream() {
  if (stream) stream.close();
  setLive("connecting", "Connecting…");
  stream = new EventSource(`/_mock/ui/events?${filterQuery()}`);
  const on = (name, handler) => stream.addEventListener(name, (event) => {
    const data = JSON.parse(event.data);
    if (buffered && name !== "hello") buffered.push([handler, data]);
    else handler(data);
    showSoon();
  });
  on("hello", async (data) => {
    learn(data);
    setLive("live", "Live: new traffic appears as it comes");
    await resync();
  });
  on("message", onMessage);
  on("request", onRequest);
  on("report", onReport);
  on("push", onPush);
  on("mo", () => refreshMosSoon());
  on("reset", () => resync());
  on("resync", () => resync());
  on("bye", () => {
    stream.close();
    setLive("off", "The gateway stopped: live updates ended. Reload when it runs again.");
  });
  stream.addEventListener("error", () => {
    if (stream.readyState === EventSource.CLOSED) {
      setLive("off", "Live updates are off: the gateway refused the stream (too many open inboxes?).");
    } else {
      setLive("connecting", "Connection lost: reconnecting…");
    }
  });
}

async function resync() {
  if (buffered) return; // a fetch is on its way; it will see this too
  buffered = [];
  early.clear();
  try {
    await refreshAll();
  } catch (error) {
    actionStatus(`Could not load the journal: ${error.message}`, true);
  } finally {
    const waiting = buffered;
    buffered = null;
    for (const [handler, data] of waiting) handler(data);
    showSoon();
  }
}

function refetchSoon(kind) {
  if (refetchTimer) return;
  refetchTimer = setTimeout(async () => {
    refetchTimer = null;
    const kinds = kind === "all" ? FED : [kind];
    try {
      for (const k of kinds) sections[k].fill(await source.page(k, null));
    } catch (error) {
      actionStatus(`Could not load the journal: ${error.message}`, true);
    }
  }, 300);
}

/** Reports the stream told of before their message (a message's reports are made as it is
 * accepted, and may come first): kept until the message comes, a bounded number. */
const early = new Map();
const EARLY_LIMIT = 5000;

function onMessage(message) {
  const waiting = early.get(message.msgid_str);
  if (waiting) {
    early.delete(message.msgid_str);
    const known = new Map((message.report_items || []).map((r) => [r.pknum, r]));
    for (const report of waiting) known.set(report.pknum, report);
    message.report_items = [...known.values()].sort((a, b) => a.pknum - b.pknum);
    message.reports = waiting[waiting.length - 1].message_state ?? message.reports;
  }
  if (!inState("messages", message)) return;
  sections.messages.upsert(message);
}

function onRequest(record) {
  sections.requests.upsert(record);
  if (!record.accepted) sections.rejected.upsert(record);
}

function onReport(report) {
  const section = sections.messages;
  const key = report.msgid_str;
  const message = section.itemByKey(key);
  if (!message) {
    const waiting = early.get(key) || [];
    waiting.push(report);
    early.set(key, waiting);
    if (early.size > EARLY_LIMIT) early.delete(early.keys().next().value);
    if (filters.state && report.message_state === filters.state) refetchSoon("messages");
    return;
  }
  const reports = (message.report_items || []).filter((r) => r.pknum !== report.pknum);
  reports.push(report);
  reports.sort((a, b) => a.pknum - b.pknum);
  const updated = { ...message, report_items: reports, reports: report.message_state };
  if (!inState("messages", updated)) {
    section.remove(key);
    section.show();
    return;
  }
  section.upsert(updated);
}

function onPush(attempt) {
  const section = sections.pushes;
  if (!inState("pushes", attempt)) {
    section.remove(keyOf("pushes", attempt));
    section.show();
    return;
  }
  if (!section.upsert(attempt)) refetchSoon("pushes"); // an attempt that began before the stream
  section.show();
}

let showing = false;

/** Counts and summaries follow live changes, once a frame however many events came. */
function showSoon() {
  if (showing) return;
  showing = true;
  requestAnimationFrame(() => {
    showing = false;
    Object.values(sections).forEach((s) => s.show());
  });
}

// --------------------------------------------------------------------------------- actions

function actionStatus(text, bad = false) {
  const status = document.getElementById("action-status");
  if (!status) return;
  status.textContent = text;
  status.classList.toggle("bad", bad);
}

async function act(label, call) {
  actionStatus(`${label}…`);
  try {
    const answer = await call();
    return answer;
  } catch (error) {
    actionStatus(`${label} failed: ${error.message}`, true);
    return undefined;
  }
}

function wireActions() {
  const pushForm = document.getElementById("push-form");
  const pushTo = async (url) => {
    const userid = document.getElementById("push-userid").value;
    const answer = await act("Setting the push URL", () =>
      api("PUT", `/_mock/accounts/${encodeURIComponent(userid)}/push`, { url }));
    if (answer) {
      actionStatus(url === null
        ? `${userid} no longer pushes: its reports go to get_rpt.`
        : `${userid} now pushes its reports to ${answer.url}.`);
    }
  };
  pushForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const url = document.getElementById("push-url").value.trim();
    if (!url) {
      actionStatus("Give the receiver's URL, or use Clear.", true);
      return;
    }
    pushTo(url);
  });
  document.getElementById("push-clear").addEventListener("click", () => pushTo(null));

  document.getElementById("redrive-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await act("Re-driving parked pushes", () => api("POST", "/_mock/pushes/retry"));
    if (answer) actionStatus(`${plural(answer.redriven, "parked batch", "parked batches")} re-driven.`);
  });

  document.getElementById("clock-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const seconds = Number(document.getElementById("clock-seconds").value);
    const answer = await act("Advancing the clock", () => api("POST", "/_mock/clock/advance", { seconds }));
    if (answer) {
      about.now = answer.now;
      showAbout();
      actionStatus(`The virtual clock moved ${seconds} s on, to ${fullTime(answer.now)}.`);
      refetchSoon("all");
    }
  });

  document.getElementById("mo-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const body = {};
    for (const name of ["userid", "mobile", "content", "exno", "spno"]) {
      const value = String(form.get(name) || "").trim();
      if (value) body[name] = value;
    }
    try {
      actionStatus("Sending the MO…");
      await api("POST", "/_mock/mo", body);
      actionStatus(`MO from ${body.mobile} injected.`);
      await refreshMos();
    } catch (error) {
      if (error.status === 404 || error.status === 409) {
        disableMo(error.status === 404
          ? "This gateway cannot take MOs yet: POST /_mock/mo does not exist in this version."
          : `The gateway refused: ${error.message}`);
      }
      actionStatus(`Sending the MO failed: ${error.message}`, true);
    }
  });

  document.getElementById("reset-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const restart = new FormData(event.target).get("restart") ? "restart" : "continue";
    const answer = await act("Resetting", () => api("POST", `/_mock/reset?sequences=${restart}`));
    if (answer) {
      actionStatus(`Reset: the journal is empty (scenario ${answer.scenario}, sequences ${answer.sequences}).`);
      await resync();
    }
  });
}

// ------------------------------------------------------------------------------------ tests

function showTests() {
  const tests = REPORT && Array.isArray(REPORT.tests) ? REPORT.tests : null;
  if (!tests) return;
  document.getElementById("tests").hidden = false;
  document.querySelector('[data-section-link="tests"]').hidden = false;
  document.querySelectorAll('[data-count="tests"]').forEach((c) => { c.textContent = String(tests.length); });
  const counts = new Map(tests.map((t) => [t.name, { requests: 0, rejected: 0, messages: 0 }]));
  for (const r of REPORT.requests) {
    const c = counts.get(r.test);
    if (!c) continue;
    c.requests += 1;
    if (!r.accepted) c.rejected += 1;
  }
  for (const m of REPORT.messages) {
    const c = counts.get(m.test);
    if (c) c.messages += 1;
  }
  const rows = tests.map((t) => {
    const c = counts.get(t.name);
    const pick = h("button", { type: "button", class: "link", title: "Show only this test's traffic" }, t.name);
    pick.addEventListener("click", () => {
      document.getElementById("f-q").value = t.name;
      applyFilters();
    });
    return h("tr", { class: c.rejected ? "bad-row" : "" },
      h("td", {}, pick),
      h("td", {}, h("span", { class: t.outcome === "passed" ? "ok" : t.outcome ? "bad" : "" }, t.outcome || "?")),
      h("td", {}, String(c.requests)), h("td", {}, String(c.rejected)), h("td", {}, String(c.messages)));
  });
  document.getElementById("tests-body").replaceChildren(...rows);
}

// ------------------------------------------------------------------------------------ start

function applyFilters() {
  filters = readFilters();
  const query = filterQuery();
  const address = `${location.pathname}${query.toString() ? `?${query}` : ""}${location.hash}`;
  if (!REPORT) history.replaceState(null, "", address);
  for (const section of Object.values(sections)) section.pages = 1;
  if (REPORT) refreshAll().then(showSoon);
  else openStream();
}

function start() {
  const initial = new URLSearchParams(location.search);
  for (const name of Object.keys(filters)) {
    const input = filterForm.elements.namedItem(name);
    if (input && initial.get(name)) input.value = initial.get(name);
  }
  filters = readFilters();
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    applyFilters();
  });
  filterForm.addEventListener("reset", () => setTimeout(applyFilters, 0));
  document.getElementById("reconnect").addEventListener("click", () => openStream());

  if (REPORT) {
    document.querySelectorAll("[data-live-only]").forEach((e) => e.remove());
    document.getElementById("mode-name").textContent = "report";
    const live = document.getElementById("live");
    live.dataset.state = "report";
    document.getElementById("live-text").textContent = "A saved report: no live updates.";
    showAbout();
    showTests();
    refreshAll().then(showSoon);
    return;
  }
  const details = document.getElementById("actions-details");
  if (window.matchMedia("(min-width: 75rem)").matches) details.open = true;
  wireActions();
  api("GET", "/_mock/health").then((answer) => {
    health = answer || {};
    showAbout();
  }).catch(() => {});
  openStream();
}

start();
