/* cadv web UI: draws a page from cadv's REST API and refreshes it every second. All text goes in
 * through textContent (never innerHTML), so container names cannot inject markup. */
'use strict';

const root = document.documentElement;
const P = root.dataset.prefix;
const KIND = root.dataset.kind;
const ARG = root.dataset.name;
const MAX_SUBS = 200;   /* list entries drawn at once; the filter finds the others */
const WINDOW = 60;      /* samples kept per chart */
const UNLIMITED = 2 ** 62;

const $ = (id) => document.getElementById(id);

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  return e;
}

function encPath(name) {
  return name.split('/').map(encodeURIComponent).join('/');
}

function bytes(n) {
  if (n === undefined || n === null) return '';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i || Math.abs(n) < 10 ? n.toFixed(1) : Math.round(n)) + ' ' + u[i];
}

async function api(path, body) {
  const opts = body ? {method: 'POST', body: JSON.stringify(body), headers: {'Content-Type': 'application/json'}} : {};
  const r = await fetch(P + '/api/' + path, opts);
  const t = await r.text();
  if (!r.ok) throw new Error(t.trim() || r.status + ' ' + r.statusText);
  return JSON.parse(t);
}

function showError(msg) {
  const e = $('error');
  e.textContent = msg || '';
  e.hidden = !msg;
}

function kv(dl, pairs) {
  dl.replaceChildren();
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === '') continue;
    dl.append(el('dt', k), el('dd', v));
  }
}

function table(t, head, rows, numeric) {
  t.replaceChildren();
  const tr = el('tr');
  head.forEach((h, i) => tr.append(el('th', h, numeric && numeric[i] ? {class: 'num'} : {})));
  t.append(tr);
  for (const r of rows) {
    const row = el('tr');
    r.forEach((c, i) => {
      const td = el('td', c instanceof Node ? null : c, numeric && numeric[i] ? {class: 'num'} : {});
      if (c instanceof Node) td.append(c);
      row.append(td);
    });
    t.append(row);
  }
}

function meter(used, cap) {
  const m = el('span', null, {class: 'meter', title: cap ? (100 * used / cap).toFixed(1) + '%' : ''});
  const b = el('span');
  b.style.width = cap ? Math.min(100, 100 * used / cap).toFixed(1) + '%' : '0';
  m.append(b);
  return m;
}

/* ---- theme ---- */

function applyTheme() {
  let dark = localStorage.getItem('cadv-theme');
  dark = dark ? dark === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  root.classList.toggle('dark', dark);
}

$('theme').addEventListener('click', () => {
  localStorage.setItem('cadv-theme', root.classList.contains('dark') ? 'light' : 'dark');
  applyTheme();
  for (const c of Object.values(charts)) c.u.destroy();
  for (const k in charts) delete charts[k];
  $('charts').replaceChildren();
  drawCharts();
});

/* ---- charts ---- */

const charts = {};
const COLORS = ['#3182ce', '#e53e3e', '#38a169', '#d69e2e', '#805ad5', '#dd6b20', '#319795', '#d53f8c'];

/* Draws (or updates) chart id with x (seconds) and the named series. */
function chart(id, title, fmt, x, series) {
  const names = series.map((s) => s.name).join('\n');
  let c = charts[id];
  if (c && c.names !== names) { c.u.destroy(); c.box.remove(); c = null; }
  const data = [x, ...series.map((s) => s.data)];
  if (!c) {
    const box = el('div', null, {class: 'chart', id: 'chart-' + id});
    box.append(el('h4', title));
    $('charts').append(box);
    const fg = getComputedStyle(root).getPropertyValue('--fg').trim();
    const line = getComputedStyle(root).getPropertyValue('--line').trim();
    const axis = {stroke: fg, grid: {stroke: line}, ticks: {stroke: line}, values: (u, v) => v.map(fmt), size: 70};
    const opts = {
      width: Math.max(300, box.clientWidth - 12), height: 180,
      scales: {x: {time: true}, y: {range: (u, lo, hi) => [Math.min(0, lo), hi > 0 ? hi * 1.1 : 1]}},
      axes: [{stroke: fg, grid: {stroke: line}, ticks: {stroke: line}}, axis],
      series: [{}, ...series.map((s, i) => ({label: s.name, stroke: COLORS[i % COLORS.length], width: 1.5,
                                              value: (u, v) => (v === null || v === undefined ? '' : fmt(v))}))],
    };
    c = charts[id] = {u: new uPlot(opts, data, box), names, box};
  } else {
    c.u.setData(data);
  }
  const w = Math.max(300, c.box.clientWidth - 12);
  if (Math.abs(w - c.u.width) > 4) c.u.setSize({width: w, height: 180});
  c.box.dataset.points = String(x.length);
}

/* ---- container pages ---- */

let cname = null;      /* cgroup name of the container shown */
let samples = [];      /* v1 ContainerStats, oldest first, at most WINDOW */
let machine = null;
let subs = [];

function merge(stats) {
  const seen = new Set(samples.map((s) => s.timestamp));
  for (const s of stats || []) if (!seen.has(s.timestamp)) samples.push(s);
  samples.sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1));
  if (samples.length > WINDOW) samples = samples.slice(samples.length - WINDOW);
}

/* Per-second rates of f(sample) between consecutive samples, timed by the samples' own timestamps. */
function rates(f) {
  const x = [], ys = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1], b = samples[i];
    const dt = (Date.parse(b.timestamp) - Date.parse(a.timestamp)) / 1000;
    if (dt <= 0) continue;
    const va = f(a), vb = f(b);
    x.push(Date.parse(b.timestamp) / 1000);
    ys.push(va.map((v, j) => (vb[j] === undefined || v === undefined ? null : Math.max(0, (vb[j] - v) / dt))));
  }
  return {x, ys};
}

function cols(ys, n) {
  const out = [];
  for (let j = 0; j < n; j++) out.push(ys.map((r) => (r[j] === undefined ? null : r[j])));
  return out;
}

const cores = (v) => v.toFixed(2);
const perSec = (v) => bytes(v) + '/s';

function drawCharts() {
  if (samples.length < 2) return;
  const last = samples[samples.length - 1];
  $('usage').hidden = false; /* before the charts measure their width */
  if (last.cpu) {
    let r = rates((s) => [s.cpu.usage.total / 1e9]);
    chart('cpu-total', 'CPU usage (cores)', cores, r.x, [{name: 'total', data: cols(r.ys, 1)[0]}]);
    const n = (last.cpu.usage.per_cpu_usage || []).length;
    if (n > 0) {
      r = rates((s) => (s.cpu.usage.per_cpu_usage || []).map((v) => v / 1e9));
      chart('cpu-per-core', 'CPU usage per core (cores)', cores, r.x,
            cols(r.ys, n).map((d, i) => ({name: 'cpu' + i, data: d})));
    }
    r = rates((s) => [s.cpu.usage.user / 1e9, s.cpu.usage.system / 1e9]);
    const [u, sy] = cols(r.ys, 2);
    chart('cpu-breakdown', 'CPU usage breakdown (cores)', cores, r.x, [{name: 'user', data: u}, {name: 'system', data: sy}]);
  }
  if (last.memory) {
    const x = samples.map((s) => Date.parse(s.timestamp) / 1000);
    const series = [{name: 'usage', data: samples.map((s) => s.memory.usage)},
                    {name: 'working set', data: samples.map((s) => s.memory.working_set)}];
    const lim = containerSpec && containerSpec.memory && containerSpec.memory.limit;
    if (lim && lim < UNLIMITED) series.push({name: 'limit', data: x.map(() => lim)});
    chart('memory', 'Memory', bytes, x, series);
  }
  const ifs = ((last.network && last.network.interfaces) || []).map((i) => i.name);
  if (ifs.length) {
    const pick = (s, key) => ifs.map((n) => {
      const i = ((s.network && s.network.interfaces) || []).find((j) => j.name === n);
      return i ? i[key] : undefined;
    });
    let r = rates((s) => [...pick(s, 'rx_bytes'), ...pick(s, 'tx_bytes')]);
    let c = cols(r.ys, 2 * ifs.length);
    chart('net-bytes', 'Network throughput', perSec, r.x,
          ifs.flatMap((n, i) => [{name: n + ' rx', data: c[i]}, {name: n + ' tx', data: c[ifs.length + i]}]));
    r = rates((s) => [...pick(s, 'rx_errors'), ...pick(s, 'tx_errors')]);
    c = cols(r.ys, 2 * ifs.length);
    chart('net-errors', 'Network errors (per second)', (v) => v.toFixed(1), r.x,
          ifs.flatMap((n, i) => [{name: n + ' rx', data: c[i]}, {name: n + ' tx', data: c[ifs.length + i]}]));
  }
  if (last.diskio && last.diskio.io_service_bytes) {
    const sum = (s, op) => ((s.diskio && s.diskio.io_service_bytes) || []).reduce((a, d) => a + ((d.stats || {})[op] || 0), 0);
    const r = rates((s) => [sum(s, 'Read'), sum(s, 'Write')]);
    const [rd, wr] = cols(r.ys, 2);
    chart('diskio', 'Disk I/O', perSec, r.x, [{name: 'read', data: rd}, {name: 'write', data: wr}]);
  }
  const fss = last.filesystem || [];
  $('fs').hidden = $('fs-title').hidden = fss.length === 0;
  table($('fs'), ['device', 'type', 'usage', '', 'capacity'],
        fss.map((f) => [f.device, f.type, bytes(f.usage), meter(f.usage, f.capacity), bytes(f.capacity)]));
  $('updated').textContent = 'at ' + new Date(Date.parse(last.timestamp)).toLocaleTimeString();
}

let containerSpec = null;

function drawIsolation(spec) {
  const m = spec.memory || {}, c = spec.cpu || {};
  const lim = (v) => (v && v < UNLIMITED ? bytes(v) : 'unlimited');
  const rows = [];
  if (spec.has_cpu) {
    rows.push(['CPU shares', c.limit]);
    if (c.quota) rows.push(['CPU quota', (c.quota / (c.period || 100000)).toFixed(2) + ' cores (' + c.quota + ' us per ' + c.period + ' us)']);
    else rows.push(['CPU quota', 'unlimited']);
    if (c.mask) rows.push(['CPUs allowed', c.mask]);
  }
  if (spec.has_memory) {
    rows.push(['Memory limit', lim(m.limit)], ['Memory reservation', lim(m.reservation)], ['Swap limit', lim(m.swap_limit)]);
  }
  if (spec.has_processes) rows.push(['Pids limit', spec.processes && spec.processes.limit ? spec.processes.limit : 'unlimited']);
  if (spec.image) rows.push(['Image', spec.image]);
  if (spec.creation_time) rows.push(['Created', spec.creation_time]);
  kv($('iso'), rows);
  $('isolation').hidden = rows.length === 0;
}

function drawSubs() {
  const q = $('filter').value.toLowerCase();
  const list = $('subs-list');
  const match = q ? subs.filter((s) => s.name.toLowerCase().includes(q)) : subs;
  const frag = document.createDocumentFragment();
  for (const s of match.slice(0, MAX_SUBS)) {
    const li = el('li');
    li.append(el('a', s.name, {href: P + '/containers' + encPath(s.name)}));
    frag.append(li);
  }
  list.replaceChildren(frag);
  $('subs-count').textContent = '(' + subs.length + ')';
  $('subs-more').textContent = match.length > MAX_SUBS ? (match.length - MAX_SUBS) + ' more: refine the filter' : '';
  $('subs').hidden = subs.length === 0;
}

$('filter').addEventListener('input', drawSubs);

function drawCrumbs(name) {
  const nav = $('crumbs');
  nav.replaceChildren(el('a', 'root', {href: P + '/containers/'}));
  const parts = name.split('/').filter(Boolean);
  for (let i = 0; i < parts.length - 1; i++) {
    const p = '/' + parts.slice(0, i + 1).join('/');
    nav.append(el('a', parts[i], {href: P + '/containers' + encPath(p)}));
  }
}

function drawMachine(mi, attrs) {
  kv($('machine-info'), [
    ['Cores', mi.num_cores + (mi.num_physical_cores ? ' (' + mi.num_physical_cores + ' physical, ' + mi.num_sockets + ' sockets)' : '')],
    ['CPU frequency', mi.cpu_frequency_khz ? (mi.cpu_frequency_khz / 1e6).toFixed(2) + ' GHz' : ''],
    ['Memory', bytes(mi.memory_capacity)],
    ['Kernel', attrs.kernel_version], ['OS', attrs.container_os_version],
    ['cadv', attrs.cadvisor_version], ['Machine id', mi.machine_id],
  ]);
  table($('machine-fs'), ['filesystem', 'type', 'capacity', 'inodes'],
        (mi.filesystems || []).map((f) => [f.device, f.type, bytes(f.capacity), f.inodes || '']));
  $('machine').hidden = false;
}

/* Shortest alias that is not part of the cgroup name, then the cgroup name (as cAdvisor shows it). */
function displayName(name, aliases) {
  let best = null;
  for (const a of aliases || []) if (!name.includes(a) && (best === null || a.length < best.length)) best = a;
  if (best === null) return name;
  if (best.length > 50) best = best.slice(0, 50) + '...';
  return best + ' (' + name + ')';
}

async function refreshProcs() {
  try {
    const ps = await api('v2.0/ps' + encPath(cname));
    ps.sort((a, b) => b.percent_cpu - a.percent_cpu);
    table($('ps'), ['user', 'pid', 'ppid', 'start', '%cpu', '%mem', 'rss', 'virtual', 'status', 'time', 'fds', 'command'],
          ps.slice(0, 100).map((p) => [p.user, p.pid, p.parent_pid, p.start_time, p.percent_cpu.toFixed(1),
                                       p.percent_mem.toFixed(1), bytes(p.rss), bytes(p.virtual_size), p.status,
                                       p.running_time, p.fd_count, p.cmd]),
          [0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0]);
    $('procs').hidden = ps.length === 0;
  } catch (e) {
    $('procs').hidden = true;
  }
}

async function refreshContainer(first) {
  try {
    const info = await api('v1.0/containers' + encPath(cname), {num_stats: first ? WINDOW : 3});
    showError('');
    containerSpec = info.spec || {};
    if (first) {
      $('title').textContent = displayName(info.name, info.aliases);
      drawCrumbs(info.name);
      drawIsolation(containerSpec);
    }
    const names = (info.subcontainers || []).map((s) => s.name).sort();
    if (names.join('\n') !== subs.map((s) => s.name).join('\n')) {
      subs = names.map((name) => ({name}));
      drawSubs();
    }
    merge(info.stats);
    drawCharts();
  } catch (e) {
    showError(e.message);
  }
}

async function containerPage(name) {
  cname = name;
  $('title').textContent = name;
  if (name === '/') {
    Promise.all([api('v1.0/machine'), api('v2.0/attributes')]).then(([mi, at]) => drawMachine(mi, at))
      .catch((e) => showError(e.message));
  }
  await refreshContainer(true);
  refreshProcs();
  /* Nothing is polled while the tab is hidden. The process table is refreshed only while it is on
   * screen: on the root page it lists every process of the host, which costs cadv far more than
   * the charts' request (bench/README.md, "UI"). */
  let procsSeen = false;
  new IntersectionObserver((es) => { procsSeen = es.some((e) => e.isIntersecting); }).observe($('procs'));
  setInterval(() => { if (!document.hidden) refreshContainer(false); }, 1000);
  setInterval(() => { if (!document.hidden && (procsSeen || $('procs').hidden)) refreshProcs(); }, 10000);
}

/* ---- docker and podman pages ---- */

async function runtimeRoot(kind) {
  const label = kind === 'docker' ? 'Docker' : 'Podman';
  $('title').textContent = label + ' containers';
  $('runtime-title').textContent = label;
  let specs = {}, attrs = {};
  try {
    [specs, attrs] = await Promise.all([api('v2.0/spec/?type=' + kind + '&recursive=true').catch(() => ({})),
                                        api('v2.0/attributes')]);
  } catch (e) {
    showError(e.message);
  }
  const names = Object.keys(specs).sort();
  const images = new Set(names.map((n) => specs[n].image).filter(Boolean));
  kv($('runtime-info'), [
    ...(kind === 'docker' ? [['Version', attrs.docker_version], ['API version', attrs.docker_api_version]] : []),
    ['Kernel version', attrs.kernel_version], ['OS version', attrs.container_os_version],
    ['Containers', names.length], ['Images in use', images.size],
  ]);
  $('runtime').hidden = false;
  const t = $('runtime-images');
  const rows = names.map((n) => {
    const s = specs[n];
    const id = n.split('/').pop();
    const a = el('a', displayName(n, s.aliases), {href: P + '/' + kind + '/' + encodeURIComponent(id)});
    return [a, s.image || '', s.creation_time || ''];
  });
  table(t, ['container', 'image', 'created'], rows);
  showError(names.length ? '' : 'no ' + label + ' containers are tracked');
}

async function runtimeContainer(kind, id) {
  try {
    const specs = await api('v2.0/spec/' + encodeURIComponent(id) + '?type=' + kind);
    const name = Object.keys(specs)[0];
    if (!name) throw new Error('unknown ' + kind + ' container "' + id + '"');
    await containerPage(name);
  } catch (e) {
    $('title').textContent = id;
    showError(e.message);
    setTimeout(() => runtimeContainer(kind, id), 2000);
  }
}

function main() {
  applyTheme();
  if (KIND === 'containers') containerPage(ARG || '/');
  else if (ARG) runtimeContainer(KIND, ARG);
  else {
    runtimeRoot(KIND);
    setInterval(() => runtimeRoot(KIND), 10000); /* containers come and go */
  }
}

main();
