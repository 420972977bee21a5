// The wintermute status page: polls /api/status every second and redraws. No framework, no
// external resources; every value is inserted as text, never as HTML.
"use strict";

const POLL_MS = 1000;
const HISTORY = 120;   // samples kept for the sparklines (two minutes at one per second)
const lagHistory = [];
const rateHistory = [];
const STATE_COLOURS = ["#3b6fd8", "#1a7f37", "#b45309", "#c62828", "#7c3aed", "#0e7490", "#6b7280"];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key === "style" || key === "title") node.setAttribute(key, value);
    else node.dataset[key] = value;
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function replace(id, ...children) {
  document.getElementById(id).replaceChildren(...children);
}

function number(n, digits) {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 0 : digits });
}

function rate(n) {
  if (!Number.isFinite(n)) return "–";
  if (n >= 1e6) return number(n / 1e6, 2) + " M/s";
  if (n >= 1e4) return number(n / 1e3, 1) + " k/s";
  return number(n, n < 10 ? 1 : 0) + "/s";
}

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return number(n, i === 0 ? 0 : 1) + " " + units[i];
}

function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  if (seconds < 1) return number(seconds * 1000, 0) + " ms";
  if (seconds < 120) return number(seconds, 1) + " s";
  if (seconds < 7200) return number(seconds / 60, 1) + " min";
  if (seconds < 172800) return number(seconds / 3600, 1) + " h";
  return number(seconds / 86400, 1) + " d";
}

function meter(share) {
  const clamped = Math.max(0, Math.min(1, share || 0));
  const level = clamped >= 0.95 ? " full" : clamped >= 0.75 ? " high" : "";
  return el("div", { class: "meter" + level, title: number(clamped * 100, 0) + "%" },
    el("span", { style: "width:" + (clamped * 100).toFixed(1) + "%" }));
}

function drawHeader(s) {
  document.getElementById("version").textContent = s.version ? "v" + s.version : "";
  const badge = document.getElementById("health");
  badge.textContent = s.status === "ok" ? "healthy" : "unhealthy";
  badge.className = "badge " + (s.status === "ok" ? "ok" : "bad");
  document.getElementById("uptime").textContent = "up " + duration(s.uptime_s);
  document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  const problems = document.getElementById("problems");
  problems.hidden = s.problems.length === 0;
  problems.replaceChildren(...s.problems.map((p) => el("div", {}, p)));
}

function stageBox(stage) {
  return el("div", { class: "stage", stage: stage.name },
    el("div", { class: "name" }, stage.name),
    el("div", { class: "rate", rate: String(stage.out_per_s) }, rate(stage.out_per_s)),
    el("div", { class: "small" }, "in " + rate(stage.in_per_s) + " · " + stage.threads + " thr"),
    meter(stage.busy_share),
    el("div", { class: "small" }, "busy " + number(stage.busy_share * 100, 0) + "%" +
      (stage.rejected ? " · rejected " + number(stage.rejected) : "") +
      (stage.errors ? " · errors " + number(stage.errors) : "")));
}

function queueBox(queue) {
  const share = queue.capacity ? queue.depth / queue.capacity : 0;
  return el("div", { class: "queue", queue: queue.name },
    el("div", { class: "small" }, queue.name),
    meter(share),
    el("div", { class: "small" }, number(queue.depth) + " / " + number(queue.capacity) +
      (queue.spilled_items ? " · spilled " + number(queue.spilled_items) : "")),
    el("div", { class: "arrow" }, "→"));
}

function drawGraph(s) {
  const lanes = [];
  for (const stage of s.stages) {
    let lane = lanes.find((l) => l.name === stage.lane);
    if (!lane) { lane = { name: stage.lane, stages: [] }; lanes.push(lane); }
    lane.stages.push(stage);
  }
  const rows = lanes.map((lane) => {
    const row = el("div", { class: "lane", lane: lane.name }, el("div", { class: "lane-name" }, lane.name));
    for (const stage of lane.stages) {
      const inputs = s.queues.filter((q) => q.to === stage.name);
      if (inputs.length) row.append(el("div", { class: "inputs" }, ...inputs.map(queueBox)));
      row.append(stageBox(stage));
    }
    return row;
  });
  replace("graph", ...rows);
}

function sparkline(id, history) {
  const line = document.querySelector("#" + id + " polyline");
  const top = Math.max(...history, 1e-9);
  const step = 240 / (HISTORY - 1);
  const offset = HISTORY - history.length;
  line.setAttribute("points", history.map((v, i) =>
    ((offset + i) * step).toFixed(1) + "," + (46 - (v / top) * 44).toFixed(1)).join(" "));
}

function push(history, value) {
  history.push(Number.isFinite(value) ? value : 0);
  if (history.length > HISTORY) history.shift();
}

function drawLagAndRate(s) {
  const lags = s.relays.filter((r) => r.kind === "relay" && r.lag_s !== null).map((r) => r.lag_s);
  const lag = lags.length ? Math.max(...lags) : null;
  document.getElementById("lag").textContent = duration(lag);
  push(lagHistory, lag === null ? 0 : lag);
  sparkline("lag-spark", lagHistory);
  const writers = s.stages.filter((st) => st.name.includes("write"));
  const committed = (writers.length ? writers : s.stages.slice(-1)).reduce((sum, st) => sum + st.out_per_s, 0);
  const total = s.stages.reduce((sum, st) => sum + st.out_per_s, 0);
  document.getElementById("committed").textContent = rate(committed);
  document.body.dataset.throughput = String(total);
  push(rateHistory, committed);
  sparkline("rate-spark", rateHistory);
}

function drawDatabase(s) {
  const db = s.db;
  const share = db.pool_size ? db.pool_in_use / db.pool_size : 0;
  replace("db",
    el("div", {}, el("span", { class: "dot " + (db.reachable ? "up" : "down") }),
      db.reachable ? "PostgreSQL reachable" : "PostgreSQL unreachable"),
    db.error ? el("div", { class: "hint" }, db.error) : "",
    el("p", { class: "hint" }, "pool: " + db.pool_in_use + " of " + db.pool_size + " connections in use"),
    meter(share));
}

function drawSources(s) {
  replace("sources", ...s.relays.map((r) => el("tr", { source: r.host },
    el("td", {}, r.host),
    el("td", {}, r.kind),
    el("td", {}, el("span", { class: "dot " + (r.connected ? "up" : "down") }),
      r.connected ? "connected" : "disconnected"),
    el("td", { class: "num" }, number(r.cursor)),
    el("td", { class: "num" }, r.last_frame_age_s === null ? "none yet" : duration(r.last_frame_age_s) + " ago"),
    el("td", { class: "num" }, duration(r.lag_s)))));
}

function drawBackfill(s) {
  const b = s.backfill;
  if (!b.enabled) {
    replace("backfill", el("p", { class: "hint" }, "backfill is off"));
    return;
  }
  const states = Object.entries(b.repos_by_state);
  const total = states.reduce((sum, [, n]) => sum + n, 0);
  const bar = el("div", { class: "states" }, ...states.map(([state, n], i) =>
    el("span", { style: "width:" + (total ? (100 * n / total).toFixed(2) : 0) + "%;background:" +
      STATE_COLOURS[i % STATE_COLOURS.length], title: state })));
  const legend = el("div", { class: "legend" }, ...states.map(([state, n], i) =>
    el("span", {}, el("i", { style: "background:" + STATE_COLOURS[i % STATE_COLOURS.length] }),
      state + " " + number(n))));
  const done = b.repos_done + b.repos_remaining ? b.repos_done / (b.repos_done + b.repos_remaining) : 0;
  replace("backfill", bar, legend,
    el("p", {}, number(done * 100, 1) + "% of repos done · " + rate(b.records_per_s) + " records · ETA " +
      duration(b.eta_s) + " · " + number(b.records_extracted) + " records extracted"));
}

function drawQueues(s) {
  replace("queues", ...s.queues.map((q) => el("tr", { queue: q.name },
    el("td", {}, q.name),
    el("td", {}, (q.from || "source") + " → " + q.to),
    el("td", {}, meter(q.capacity ? q.depth / q.capacity : 0)),
    el("td", { class: "num" }, number(q.depth)),
    el("td", { class: "num" }, number(q.capacity)),
    el("td", { class: "num" }, number(q.spilled_items)),
    el("td", { class: "num" }, bytes(q.spilled_bytes)))));
}

function drawErrors(s) {
  const lines = s.recent_errors.slice().reverse();
  if (lines.length === 0) {
    replace("errors", el("li", { class: "hint" }, "none"));
    return;
  }
  replace("errors", ...lines.map((e) => el("li", { class: e.level },
    new Date(e.unix_time * 1000).toISOString().replace("T", " ").slice(0, 19) + " " + e.level + " " +
    e.component + ": " + e.message + (e.repeats > 1 ? " (×" + e.repeats + ")" : ""))));
}

function draw(s) {
  drawHeader(s);
  drawGraph(s);
  drawLagAndRate(s);
  drawDatabase(s);
  drawSources(s);
  drawBackfill(s);
  drawQueues(s);
  drawErrors(s);
  document.body.classList.remove("stale");
  document.body.dataset.rendered = String(Number(document.body.dataset.rendered || 0) + 1);
}

async function poll() {
  try {
    const response = await fetch("/api/status", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    draw(await response.json());
  } catch (err) {
    document.body.classList.add("stale");
    const badge = document.getElementById("health");
    badge.textContent = "no answer from the daemon";
    badge.className = "badge bad";
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();
