/**
 * The web app's one page: plain HTML and a module script, no framework and no CDN (it must work
 * offline). Drop a clip (or pick one), set the mood, seed, steps and guidance, watch the
 * progress, play the scored video, compare with the previous take, download. One slider per
 * condition the model has (`names`).
 */
export const appPage = (names: readonly string[]): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>filmscore</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem;margin:.2rem 0 1rem}
#drop{border:2px dashed #999;border-radius:8px;padding:1.5rem;text-align:center;cursor:pointer}
#drop.over{background:#eef5ff;border-color:#36c}
fieldset{border:1px solid #ddd;border-radius:6px;margin:1rem 0}
.row{display:flex;gap:1rem;flex-wrap:wrap;align-items:center}
.slider{display:grid;grid-template-columns:7rem 1fr 5.5rem 4rem;gap:.5rem;align-items:center}
progress{width:100%}
.takes{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
video{width:100%;background:#000}
#jobs td,#jobs th{padding:.2rem .5rem;text-align:left}
.error{color:#b00}
</style></head><body>
<h1>filmscore — score a film</h1>
<div id="drop" tabindex="0">Drop a video here, or click to choose one<br><small id="chosen">no file chosen</small></div>
<input id="file" type="file" accept="video/*,.mkv,.avi,.webm,.mov,.mp4" hidden>
<fieldset><legend>Mood (unticked: the film's own reading)</legend>
${names
  .map(
    (n) =>
      `<div class="slider"><label for="m-${n}">${n}</label><input id="m-${n}" data-mood="${n}" type="range" min="0" max="1" step="0.01" value="0.5" disabled><output id="o-${n}">film</output><label><input type="checkbox" data-use="${n}"> set</label></div>`,
  )
  .join('\n')}
</fieldset>
<fieldset><legend>Generation</legend><div class="row">
<label>seed <input id="seed" type="number" min="0" value="0" style="width:6rem"></label>
<label>steps <input id="steps" type="number" min="1" max="200" placeholder="model's" style="width:6rem"></label>
<label>guidance <input id="guidance" type="number" min="0" max="30" step="0.5" placeholder="model's" style="width:6rem"></label>
<label>container <select id="container"><option>mp4</option><option>mkv</option><option>mov</option><option>webm</option><option>avi</option></select></label>
<label><input id="loop" type="checkbox"> loop</label>
<label title="an accent of fast, loud music on each shot cut (at most one a second)"><input id="hitCuts" type="checkbox" checked> hit the cuts</label>
</div><div class="row" style="margin-top:.5rem">
<label>style reference (optional) <input id="style" type="file" accept="audio/*,video/*"></label>
<label>follow <select id="follow"><option value="melody,dynamics">melody and dynamics</option><option value="melody">melody</option><option value="dynamics">dynamics</option></select></label>
<button id="go" disabled>Score it</button>
<button id="again" disabled title="another take of the same film with these settings (no new upload)">Score again</button>
</div></fieldset>
<p id="status"></p><progress id="progress" max="1" value="0" hidden></progress>
<div class="takes"><div><h3>This take</h3><video id="now" controls></video><a id="download" hidden>download</a></div>
<div><h3>Previous take</h3><video id="before" controls></video></div></div>
<h3>The film and the score</h3>
<canvas id="timeline" width="900" height="190" style="width:100%;border:1px solid #ddd"></canvas>
<img id="figure" alt="the score: log-mel spectrogram, melody, dynamics" style="width:100%">
<h3>Jobs</h3><p id="disk"></p><table id="jobs"><thead><tr><th>film</th><th>status</th><th>progress</th><th></th></tr></thead><tbody></tbody></table>
<script type="module">
const $ = (id) => document.getElementById(id);
let file = null;
let lastDone = null;
const drop = $('drop');
drop.onclick = () => $('file').click();
drop.onkeydown = (e) => { if (e.key === 'Enter' || e.key === ' ') $('file').click(); };
drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = (e) => { e.preventDefault(); drop.classList.remove('over'); choose(e.dataTransfer.files[0]); };
$('file').onchange = (e) => choose(e.target.files[0]);
function choose(f) { if (!f) return; file = f; $('chosen').textContent = f.name + ' (' + (f.size / 2 ** 20).toFixed(1) + ' MiB)'; $('go').disabled = false; }
for (const box of document.querySelectorAll('[data-use]')) {
  box.onchange = () => { const n = box.dataset.use; const s = $('m-' + n); s.disabled = !box.checked; $('o-' + n).textContent = box.checked ? s.value : 'film'; };
}
for (const s of document.querySelectorAll('[data-mood]')) {
  s.oninput = () => { $('o-' + s.dataset.mood).textContent = s.value; };
}
const COLOURS = { brightness: '#d9a400', pace: '#d33', valence: '#2a2', arousal: '#c3c', tension: '#36c', loudness: '#555' };
/** The film's timeline: its cuts, and each affect level per window; the sliders start there. */
function drawReading(r) {
  const c = $('timeline'); const g = c.getContext('2d');
  const W = c.width, H = c.height, left = 40, right = W - 110, top = 10, bottom = H - 25;
  g.clearRect(0, 0, W, H); g.font = '12px sans-serif';
  const x = (t) => left + (right - left) * t / r.durationS;
  const y = (v) => bottom - (bottom - top) * v;
  g.strokeStyle = '#ccc'; g.strokeRect(left, top, right - left, bottom - top);
  g.fillStyle = '#333'; g.fillText('0', 4, bottom); g.fillText('1', 4, top + 10);
  g.fillText(r.durationS.toFixed(1) + ' s', right - 30, H - 6); g.fillText('0 s', left, H - 6);
  g.strokeStyle = '#999'; g.setLineDash([4, 3]);
  for (const t of r.cuts) { g.beginPath(); g.moveTo(x(t), top); g.lineTo(x(t), bottom); g.stroke(); }
  g.setLineDash([]);
  let row = 0;
  for (const name of Object.keys(r.levels)) {
    g.strokeStyle = COLOURS[name] || '#000'; g.lineWidth = 2; g.beginPath();
    for (const w of r.windows) { const v = w.levels[name]; if (v === undefined) continue; g.moveTo(x(w.startS), y(v)); g.lineTo(x(w.startS + w.durationS), y(v)); }
    g.stroke(); g.fillStyle = COLOURS[name] || '#000'; g.fillText(name, right + 10, top + 12 + 15 * row++);
    const s = $('m-' + name); const box = document.querySelector('[data-use="' + name + '"]');
    if (s && box && !box.checked) { s.value = r.levels[name].toFixed(2); $('o-' + name).textContent = 'film ' + s.value; }
  }
  g.fillStyle = '#999'; g.fillText('cuts dashed', right + 10, top + 12 + 15 * row);
}
function options() {
  const o = { seed: Number($('seed').value) || 0, container: $('container').value, loop: $('loop').checked, hitCuts: $('hitCuts').checked };
  if ($('steps').value) o.steps = Number($('steps').value);
  if ($('guidance').value) o.guidance = Number($('guidance').value);
  const mood = {};
  for (const s of document.querySelectorAll('[data-mood]')) if (!s.disabled) mood[s.dataset.mood] = Number(s.value);
  if (Object.keys(mood).length) o.mood = mood;
  if ($('style').files.length) o.style = { controls: $('follow').value.split(',') };
  return o;
}
$('go').onclick = async () => {
  const form = new FormData();
  form.append('options', JSON.stringify(options()));
  form.append('video', file, file.name);
  if ($('style').files.length) form.append('style', $('style').files[0], $('style').files[0].name);
  $('status').textContent = 'uploading ' + file.name + '…';
  const r = await fetch('/api/jobs', { method: 'POST', body: form });
  const body = await r.json();
  if (!r.ok) { $('status').innerHTML = '<span class="error"></span>'; $('status').firstChild.textContent = body.error; return; }
  follow(body.id);
};
$('again').onclick = async () => {
  const r = await fetch('/api/jobs/' + lastDone + '/retake', { method: 'POST', body: JSON.stringify(options()) });
  const body = await r.json();
  if (!r.ok) { $('status').textContent = body.error; return; }
  follow(body.id);
};
function follow(id) {
  $('progress').hidden = false;
  const events = new EventSource('/api/jobs/' + id + '/events');
  events.onmessage = (e) => {
    const job = JSON.parse(e.data);
    $('progress').value = job.progress;
    $('status').textContent = job.name + ': ' + job.status + (job.error ? ' — ' + job.error : '') + ' (' + Math.round(job.progress * 100) + ' %)';
    if (job.status === 'done') {
      if (lastDone) $('before').src = '/api/jobs/' + lastDone + '/video';
      lastDone = id;
      $('now').src = '/api/jobs/' + id + '/video';
      const a = $('download'); a.href = '/api/jobs/' + id + '/video'; a.hidden = false; a.textContent = 'download ' + job.name;
      $('figure').src = '/api/jobs/' + id + '/figure.png';
      fetch('/api/jobs/' + id + '/reading').then((r) => r.json()).then(drawReading);
      $('again').disabled = false;
    }
    if (job.status !== 'queued' && job.status !== 'running') { events.close(); listJobs(); }
  };
  listJobs();
}
async function listJobs() {
  const jobs = await (await fetch('/api/jobs')).json();
  const disk = await (await fetch('/api/disk')).json();
  $('disk').textContent = jobs.length + ' job(s), ' + (disk.total / 2 ** 20).toFixed(1) + ' MiB on disk (remove old ones below)';
  const body = $('jobs').tBodies[0];
  body.replaceChildren(...jobs.map((j) => {
    const tr = document.createElement('tr');
    for (const text of [j.name, j.status + (j.error ? ': ' + j.error : ''), Math.round(j.progress * 100) + ' %']) {
      const td = document.createElement('td'); td.textContent = text; tr.append(td);
    }
    const td = document.createElement('td');
    if (j.status === 'done') { const a = document.createElement('a'); a.href = '/api/jobs/' + j.id + '/video'; a.textContent = 'video'; td.append(a); }
    const del = document.createElement('button'); del.textContent = j.status === 'queued' || j.status === 'running' ? 'cancel' : 'remove';
    del.onclick = async () => { await fetch('/api/jobs/' + j.id, { method: 'DELETE' }); listJobs(); };
    td.append(' ', del); tr.append(td); return tr;
  }));
}
listJobs();
</script></body></html>`;
