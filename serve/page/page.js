// gankit serve's page: a grid of samples from the run's generator, truncation
// controls and (for a conditional run) a class choice that regenerate it,
// interpolation between two clicked samples, downloads, and the run's loss curves,
// evaluation and training doctor's diagnoses. Plain JavaScript, no build step; it talks
// only to this server's API (/v1/...).
"use strict";

const $ = (id) => document.getElementById(id);

// A --token server's page is opened as /#token=...; the token stays in this tab only.
const token = (() => {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    sessionStorage.setItem("gankit-token", decodeURIComponent(m[1]));
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("gankit-token");
})();

const state = { model: null, conventions: {}, last: null, strip: null, picks: [], inflight: null, version: 0 };

async function api(path, body, signal) {
  const opt = { method: body ? "POST" : "GET", headers: {}, signal };
  if (body) {
    opt.headers["Content-Type"] = "application/json";
    opt.body = JSON.stringify(body);
  }
  if (token) opt.headers.Authorization = "Bearer " + token;
  const r = await fetch(path, opt);
  const j = await r.json().catch(() => ({ error: r.status + " " + r.statusText }));
  if (!r.ok) throw new Error(j.error || r.statusText);
  return j;
}

function status(text, isError) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", !!isError);
}

const png = (b64) => "data:image/png;base64," + b64;

function settings() {
  const mode = $("mode").value || "none";
  return { mode, truncation: mode === "none" ? 0 : Number($("truncation").value) };
}

// chosenClass is the class index picked in the class choice, or null for every class
// in turn (and for an unconditional run, which has no choice).
function chosenClass() {
  const v = $("class").value;
  return v === "" ? null : Number(v);
}

// --- the grid ---------------------------------------------------------------

async function regenerate() {
  if (state.inflight) state.inflight.abort();
  const ctl = new AbortController();
  state.inflight = ctl;
  const version = ++state.version;
  const n = Number($("count").value);
  const seed = Math.trunc(Number($("seed").value) || 0);
  const started = performance.now();
  document.body.dataset.state = "busy";
  try {
    const body = { n, seed, ...settings() };
    if (chosenClass() !== null) body.class = chosenClass();
    const res = await api("/v1/samples", body, ctl.signal);
    if (version !== state.version) return;
    state.last = res;
    showGrid(res);
    const of = chosenClass() !== null ? ` of class ${res.class_names[0]}` : (res.classes ? ", every class in turn" : "");
    status(`${res.seeds.length} samples${of}, seeds ${res.seeds[0]}–${res.seeds[res.seeds.length - 1]}, in ${Math.round(performance.now() - started)} ms`);
  } catch (e) {
    if (e.name === "AbortError") return;
    status(e.message, true);
  } finally {
    if (version === state.version) document.body.dataset.state = "ready";
  }
}

function showGrid(res) {
  const grid = $("grid");
  grid.classList.toggle("toy", res.kind === "toy");
  state.picks = [];
  const imgs = [];
  if (res.kind === "toy") {
    imgs.push(image(res.scatter, `${res.points.length} points, seeds ${res.seeds[0]}–${res.seeds[res.seeds.length - 1]}`));
  } else {
    res.images.forEach((b64, i) => {
      const img = image(b64, res.classes ? `seed ${res.seeds[i]}, class ${res.class_names[i]}` : `seed ${res.seeds[i]}`);
      img.dataset.seed = res.seeds[i];
      if (res.classes) img.dataset.class = res.classes[i];
      img.addEventListener("click", () => pick(img));
      imgs.push(img);
    });
  }
  grid.replaceChildren(...imgs);
  grid.dataset.version = String(state.version);
}

function image(b64, title) {
  const img = document.createElement("img");
  img.src = png(b64);
  img.alt = img.title = title;
  return img;
}

// Two clicks pick the ends of an interpolation.
function pick(img) {
  if (state.picks.includes(img)) return;
  state.picks.push(img);
  img.classList.add("picked");
  if (state.picks.length < 2) {
    status(`seed ${img.dataset.seed} picked: click another sample`);
    return;
  }
  const [a, b] = state.picks;
  $("seed-a").value = a.dataset.seed;
  $("seed-b").value = b.dataset.seed;
  // A strip is drawn in one class: the first pick's.
  interpolate(a.dataset.class === undefined ? null : Number(a.dataset.class)).finally(() => {
    a.classList.remove("picked");
    b.classList.remove("picked");
    state.picks = [];
  });
}

// --- interpolation ------------------------------------------------------------

// interpolate draws the strip in class cls, or the chosen class, or (for a
// conditional run with neither) the server's default, class 0.
async function interpolate(cls) {
  const body = {
    seed_a: Math.trunc(Number($("seed-a").value) || 0),
    seed_b: Math.trunc(Number($("seed-b").value) || 0),
    steps: Math.trunc(Number($("steps").value) || 8),
    path: $("path").value,
    ...settings(),
  };
  const c = Number.isInteger(cls) ? cls : chosenClass();
  if (c !== null) body.class = c;
  try {
    const res = await api("/v1/interpolate", body);
    state.strip = { ...res, seed_a: body.seed_a, seed_b: body.seed_b };
    const strip = $("strip");
    strip.classList.toggle("toy", res.kind === "toy");
    const imgs = res.kind === "toy"
      ? [image(res.scatter, `${res.path} from seed ${body.seed_a} to ${body.seed_b}`)]
      : res.images.map((b64, i) => image(b64, `${res.path} step ${i + 1} of ${res.images.length}`));
    strip.replaceChildren(...imgs);
    $("download-strip").disabled = false;
    const of = res.class_name !== undefined ? ` in class ${res.class_name}` : "";
    status(`${res.path} from seed ${body.seed_a} to seed ${body.seed_b}${of}, ${res.latents.length} steps`);
  } catch (e) {
    status(e.message, true);
  }
}

// --- downloads ----------------------------------------------------------------

// tile draws images side by side (cols per row, 2-pixel gaps) into one PNG.
async function tile(b64s, cols) {
  const imgs = await Promise.all(b64s.map((b) => new Promise((ok, fail) => {
    const img = new Image();
    img.onload = () => ok(img);
    img.onerror = fail;
    img.src = png(b);
  })));
  const w = imgs[0].naturalWidth, h = imgs[0].naturalHeight, gap = 2;
  const rows = Math.ceil(imgs.length / cols);
  const c = document.createElement("canvas");
  c.width = cols * (w + gap) + gap;
  c.height = rows * (h + gap) + gap;
  const g = c.getContext("2d");
  g.fillStyle = "#808080";
  g.fillRect(0, 0, c.width, c.height);
  imgs.forEach((img, i) => g.drawImage(img, gap + (i % cols) * (w + gap), gap + Math.floor(i / cols) * (h + gap)));
  return c.toDataURL("image/png");
}

function save(href, name) {
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

function settingsName() {
  const s = settings();
  const c = chosenClass() === null ? "" : `-class${chosenClass()}`;
  return c + (s.mode === "none" ? "" : `-${s.mode}${s.truncation}`);
}

async function downloadGrid() {
  const res = state.last;
  if (!res) return;
  const name = `gankit-seed${res.seeds[0]}-n${res.seeds.length}${settingsName()}.png`;
  if (res.kind === "toy") return save(png(res.scatter), name);
  save(await tile(res.images, Math.ceil(Math.sqrt(res.images.length))), name);
}

function downloadJSON() {
  if (!state.last) return;
  const { images, scatter, ...rest } = state.last;
  const url = URL.createObjectURL(new Blob([JSON.stringify(rest, null, 1)], { type: "application/json" }));
  save(url, `gankit-seed${rest.seeds[0]}-n${rest.seeds.length}${settingsName()}.json`);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function downloadStrip() {
  const s = state.strip;
  if (!s) return;
  const name = `gankit-${s.path}-${s.seed_a}-to-${s.seed_b}${settingsName()}.png`;
  if (s.kind === "toy") return save(png(s.scatter), name);
  save(await tile(s.images, s.images.length), name);
}

// --- truncation controls --------------------------------------------------------

function setMode() {
  const c = state.conventions[$("mode").value];
  const slider = $("truncation");
  $("mode-about").textContent = c ? c.about : "";
  slider.disabled = !c || c.mode === "none";
  if (!slider.disabled) {
    const step = c.max - c.min > 2 ? 0.05 : 0.01;
    slider.min = Math.max(c.min, step);
    slider.max = c.max;
    slider.step = step;
    slider.value = c.default;
  }
  showValue();
}

function showValue() {
  $("truncation-value").textContent = $("truncation").disabled ? "–" : Number($("truncation").value).toFixed(2);
}

let timer = 0;
function regenerateSoon() {
  clearTimeout(timer);
  timer = setTimeout(regenerate, 120);
}

// --- the run: header, curves, evaluation, diagnoses --------------------------------

function showRun(m) {
  $("run-name").textContent = m.run;
  document.title = `gankit serve: ${m.run}`;
  $("run-info").textContent = `step ${m.step} · ${m.generator} (inference mode) · ${m.data.shape}` +
    ` · ${m.config.preset ? "preset " + m.config.preset + " · " : ""}${m.checkpoint}`;
  if (m.data.kind === "toy") {
    $("grid-hint").textContent = "each dot is one seed's sample; red rings are the mixture's modes";
    $("count").innerHTML = "<option>64</option><option selected>256</option>";
  }
  $("steps").max = m.limits.max_steps;
  $("count").querySelectorAll("option").forEach((o) => { if (Number(o.value) > m.limits.max_n) o.remove(); });
  if (m.classes && m.classes.length) {
    const choice = $("class");
    m.classes.forEach((name, i) => choice.append(new Option(`${i} ${name}`, String(i))));
    $("class-choice").hidden = false;
  }
  const mode = $("mode");
  for (const c of m.truncation) {
    state.conventions[c.mode] = c;
    mode.append(new Option(c.mode, c.mode));
  }
  setMode();
  showCurves(m.metrics);
  showEvaluation(m.evaluation);
  showDoctor(m.diagnoses);
}

const svgNS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function showCurves(metrics) {
  const box = $("curves");
  const c = metrics.curve;
  if (!c.step.length) {
    box.innerHTML = '<p class="note">no metrics.jsonl in this run</p>';
    return;
  }
  const W = 360, H = 200, L = 50, R = 8, T = 18, B = 24;
  const all = c.loss_d.concat(c.loss_g).filter(Number.isFinite);
  let lo = Math.min(...all), hi = Math.max(...all);
  if (hi === lo) { hi += 1; lo -= 1; }
  const s0 = c.step[0], s1 = Math.max(c.step[c.step.length - 1], s0 + 1);
  const x = (s) => L + (s - s0) / (s1 - s0) * (W - L - R);
  const y = (v) => T + (hi - v) / (hi - lo) * (H - T - B);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "loss curves" });
  root.append(svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#dedede" }));
  const series = [["loss_d", c.loss_d, "#2a62c9"], ["loss_g", c.loss_g, "#e0731a"]];
  series.forEach(([name, ys, color], k) => {
    const pts = c.step.map((s, i) => Number.isFinite(ys[i]) ? `${x(s).toFixed(1)},${y(ys[i]).toFixed(1)}` : "").filter(Boolean).join(" ");
    root.append(svg("polyline", { points: pts, fill: "none", stroke: color, "stroke-width": 1.5 }));
    root.append(svg("text", { x: L + 6 + k * 70, y: 12, fill: color }, name));
  });
  root.append(svg("text", { x: L - 4, y: T + 8, "text-anchor": "end" }, hi.toPrecision(3)));
  root.append(svg("text", { x: L - 4, y: H - B, "text-anchor": "end" }, lo.toPrecision(3)));
  root.append(svg("text", { x: L, y: H - 6 }, `step ${s0}`));
  root.append(svg("text", { x: W - R, y: H - 6, "text-anchor": "end" }, `step ${c.step[c.step.length - 1]}`));
  box.replaceChildren(root);
  if (c.ada_p && c.ada_p.length) box.append(adaCurve(c, W, L, R));
  if (metrics.last) {
    const p = document.createElement("p");
    p.className = "note";
    p.textContent = `${metrics.logged} logged steps; last: loss_d ${metrics.last.loss_d.toFixed(3)}, loss_g ${metrics.last.loss_g.toFixed(3)}, ` +
      `D(real) ${metrics.last.d_real.toFixed(2)}, D(fake) ${metrics.last.d_fake.toFixed(2)}`;
    if (Number.isFinite(metrics.last.ada_p)) {
      p.textContent += `; ADA p ${metrics.last.ada_p.toFixed(3)}, r_t ${metrics.last.ada_rt.toFixed(2)}`;
    }
    box.append(p);
  }
}

// adaCurve draws ADA's augmentation probability p over the same steps as the losses,
// from 0 to its largest value (at least 0.1, so that a p near 0 stays flat).
function adaCurve(c, W, L, R) {
  const H = 110, T = 18, B = 24;
  const hi = Math.max(0.1, ...c.ada_p.filter(Number.isFinite));
  const s0 = c.step[0], s1 = Math.max(c.step[c.step.length - 1], s0 + 1);
  const x = (s) => L + (s - s0) / (s1 - s0) * (W - L - R);
  const y = (v) => T + (hi - v) / hi * (H - T - B);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "ADA p", id: "ada-curve" });
  root.append(svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#dedede" }));
  const pts = c.step.map((s, i) => `${x(s).toFixed(1)},${y(c.ada_p[i]).toFixed(1)}`).join(" ");
  root.append(svg("polyline", { points: pts, fill: "none", stroke: "#3a9a4a", "stroke-width": 1.5 }));
  root.append(svg("text", { x: L + 6, y: 12, fill: "#3a9a4a" }, "ADA p"));
  root.append(svg("text", { x: L - 4, y: T + 8, "text-anchor": "end" }, hi.toPrecision(2)));
  root.append(svg("text", { x: L - 4, y: H - B, "text-anchor": "end" }, "0"));
  return root;
}

// showEvaluation lists the numbers of the run's eval.json (nested objects flattened).
function showEvaluation(ev) {
  if (!ev) return;
  const rows = [];
  const walk = (o, prefix, depth) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === "number") rows.push([prefix + k, Number.isInteger(v) ? String(v) : v.toPrecision(4)]);
      else if (v && typeof v === "object" && !Array.isArray(v) && depth < 2) walk(v, prefix + k + ".", depth + 1);
    }
  };
  walk(ev, "", 0);
  if (!rows.length) return;
  const table = document.createElement("table");
  for (const [k, v] of rows) {
    const tr = table.insertRow();
    tr.insertCell().textContent = k;
    tr.insertCell().textContent = v;
  }
  $("evaluation").replaceChildren(table);
}

// el makes an element of the class with the text (never parsed as HTML: a diagnosis
// quotes the run's numbers and names).
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// showDoctor lists the training doctor's diagnoses (the run's diagnoses.jsonl): each
// one's step and symptom, what was seen, the first tip with its --set to paste, and
// what training did about it.
function showDoctor(ds) {
  const box = $("doctor");
  if (!ds || !ds.length) {
    box.replaceChildren(el("p", "note", "no diagnoses"));
    return;
  }
  const list = el("ol");
  for (const d of ds) {
    const li = el("li");
    li.dataset.symptom = d.symptom;
    const head = el("p", "", `step ${d.step}: `);
    head.append(el("span", "symptom", d.symptom));
    if (d.since !== d.step) head.append(` since step ${d.since}`);
    li.append(head, el("p", "note seen", d.seen));
    const tip = (d.tips || [])[0];
    if (tip) {
      const p = el("p", "tip", "try " + tip.text);
      if (tip.set) p.append(": ", el("code", "set", tip.set));
      li.append(p);
    }
    li.append(el("p", "note action", d.action ? d.action : "training went on"));
    list.append(li);
  }
  box.replaceChildren(list);
}

// --- start ------------------------------------------------------------------------

async function start() {
  $("new-seeds").addEventListener("click", () => {
    $("seed").value = Math.floor(Math.random() * 1e6);
    regenerate();
  });
  $("seed").addEventListener("change", regenerate);
  $("count").addEventListener("change", regenerate);
  $("class").addEventListener("change", regenerate);
  $("mode").addEventListener("change", () => { setMode(); regenerate(); });
  $("truncation").addEventListener("input", () => { showValue(); regenerateSoon(); });
  $("interpolate").addEventListener("click", () => interpolate(null));
  $("download-grid").addEventListener("click", downloadGrid);
  $("download-json").addEventListener("click", downloadJSON);
  $("download-strip").addEventListener("click", downloadStrip);
  try {
    state.model = await api("/v1/model");
  } catch (e) {
    $("run-info").textContent = "cannot read the run: " + e.message;
    $("run-info").classList.add("error");
    document.body.dataset.state = "error";
    return;
  }
  showRun(state.model);
  $("seed-a").value = 0;
  $("seed-b").value = 1;
  await regenerate();
}

start();
