// The page: drawing, live prediction, random test digits, what the model sees, and training
// either model in a worker.
'use strict';

const $ = (id) => document.getElementById(id);
const SLOTS = { fc: 0, cnn: 1 };
const NAMES = { fc: 'FC', cnn: 'CNN' };
const TRAIN_FILES = ['data/train-images-idx3-ubyte.gz', 'data/train-labels-idx1-ubyte.gz'];
const NMAPS = 8;

const state = {
    M: null,
    pixPtr: 0,
    probPtr: 0,
    mapsPtr: 0,
    // Per model: the shipped GGUF, the one in use (the start for "Continue training"), whether
    // it was trained on this page, and the shipped model's test accuracy.
    models: {
        fc: { pretrained: null, current: null, trainedHere: false, accuracy: null },
        cnn: { pretrained: null, current: null, trainedHere: false, accuracy: null },
    },
    input: new Float32Array(784),
    mode: 'draw',          // 'draw': the strokes are the input; 'random': a test image is
    strokes: [],           // the drawing, as lists of canvas points
    pending: false,
    testSet: null,         // [images, labels] IDX bytes, fetched at start-up
    trainSet: null,        // promise of [images, labels], fetched once per page load
    run: null,             // the training run shown in the chart (see newRun)
    worker: null,
    trainSeed: null,       // from ?seed=N, for reproducible runs
    maxThreads: 0,         // ?threads=N: training threads (0: chosen by the worker)
};

// ---- model and data --------------------------------------------------------------------------

function lastError() {
    return state.M.UTF8ToString(state.M._web_last_error());
}

function loadModel(bytes) {
    const M = state.M;
    const ptr = MnistPre.copyToHeap(M, bytes);
    const slot = M._web_load_model(ptr, bytes.length);
    M._free(ptr);
    if (slot < 0) throw new Error(lastError());
    return slot;
}

async function fetchOptional(url, as) {
    try {
        const response = await fetch(url);
        if (!response.ok) return null;
        return as === 'text' ? (await response.text()).trim() : new Uint8Array(await response.arrayBuffer());
    } catch (err) {
        return null;
    }
}

function activeModel() {
    return $('model-cnn').checked ? 'cnn' : 'fc';
}

function modelNote() {
    const parts = [];
    for (const name of ['fc', 'cnn']) {
        const m = state.models[name];
        if (!m.current) parts.push(`${NAMES[name]}: model not found`);
        else if (m.trainedHere) parts.push(`${NAMES[name]}: trained on this page`);
        else parts.push(`${NAMES[name]}: ${m.accuracy ? m.accuracy + '% on the 10000 test images' : 'pre-trained'}`);
    }
    $('model-note').textContent = parts.join(' · ');
}

// ---- prediction display -----------------------------------------------------------------------

function buildBars() {
    const bars = $('bars');
    for (let d = 0; d < 10; d++) {
        const row = document.createElement('div');
        row.className = 'bar-row';
        row.dataset.digit = d;
        row.innerHTML = `<span>${d}</span><div class="bar-track"><div class="bar-fill"></div></div><span class="bar-value">-</span>`;
        bars.appendChild(row);
    }
    const maps = $('feature-maps');
    for (let c = 0; c < NMAPS; c++) {
        const m = document.createElement('canvas');
        m.width = m.height = 28;
        m.className = 'map';
        maps.appendChild(m);
    }
}

// Gray values in [0, 1] (white on black), scaled by 1/vmax, drawn on a 28x28 canvas.
function paintGray(canvas, values, offset, vmax) {
    const g = canvas.getContext('2d');
    const img = g.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
        const v = Math.round(255 * Math.min(1, values[offset + i] / vmax));
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
        img.data[4 * i + 3] = 255;
    }
    if (canvas.width === 28) {
        g.putImageData(img, 0, 0);
        return;
    }
    const tmp = document.createElement('canvas');
    tmp.width = tmp.height = 28;
    tmp.getContext('2d').putImageData(img, 0, 0);
    g.imageSmoothingEnabled = false;
    g.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

function showFeatureMaps(name, any) {
    const M = state.M, maps = $('feature-maps');
    const show = name === 'cnn' && any && M._web_feature_maps(SLOTS.cnn, state.pixPtr, state.mapsPtr) === NMAPS;
    maps.dataset.shown = show ? '1' : '0';
    $('maps-caption').textContent = name === 'cnn'
        ? 'CNN: the first layer\'s 8 feature maps (3x3 filters, ReLU), brightest = strongest'
        : 'CNN: the first layer\'s 8 feature maps (choose CNN to see them)';
    const values = show ? M.HEAPF32.slice(state.mapsPtr >> 2, (state.mapsPtr >> 2) + NMAPS * 784) : new Float32Array(NMAPS * 784);
    let vmax = 1e-6;
    for (const v of values) vmax = Math.max(vmax, v);
    [...maps.children].forEach((c, k) => paintGray(c, values, k * 784, vmax));
}

function showProbabilities(probs, digit) {
    const rows = $('bars').children;
    for (let d = 0; d < 10; d++) {
        const row = rows[d];
        const p = probs ? probs[d] : 0;
        row.dataset.prob = probs ? String(p) : '';
        row.classList.toggle('best', probs !== null && d === digit);
        row.querySelector('.bar-fill').style.width = `${(100 * p).toFixed(1)}%`;
        row.querySelector('.bar-value').textContent = probs ? `${(100 * p).toFixed(2)}%` : '-';
    }
    const pred = $('prediction');
    pred.textContent = probs ? String(digit) : '-';
    pred.dataset.digit = probs ? String(digit) : '';
}

function predict() {
    const M = state.M, name = activeModel();
    paintGray($('input28'), state.input, 0, 1);
    if (!M || !state.models[name].current) return;
    let any = false;
    for (let i = 0; i < 784; i++) if (state.input[i] > 0) { any = true; break; }
    M.HEAPF32.set(state.input, state.pixPtr >> 2);
    showFeatureMaps(name, any);
    if (!any) {
        showProbabilities(null, -1);
        return;
    }
    const digit = M._web_predict(SLOTS[name], state.pixPtr, state.probPtr);
    if (digit < 0) throw new Error(lastError());
    const probs = M.HEAPF32.slice(state.probPtr >> 2, (state.probPtr >> 2) + 10);
    showProbabilities(probs, digit);
    document.body.dataset.model = name;
    document.body.dataset.predictions = String(Number(document.body.dataset.predictions || 0) + 1);
}

// ---- drawing -----------------------------------------------------------------------------------

const canvas = $('draw');
const ctx = canvas.getContext('2d', { willReadFrequently: true });

function clearCanvas() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    state.strokes = [];
}

function inputFromDrawing() {
    if ($('preprocess').checked) return MnistPre.strokesToMnist(state.strokes);
    const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    return MnistPre.downsample(MnistPre.rgbaToGray(rgba, canvas.width, canvas.height), canvas.width, canvas.height);
}

// Predictions follow the pen at most once per frame.
function schedulePrediction() {
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(() => {
        state.pending = false;
        if (state.mode === 'draw') state.input = inputFromDrawing();
        predict();
    });
}

function canvasPoint(e) {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
}

let last = null;
canvas.addEventListener('pointerdown', (e) => {
    if (state.mode === 'random') {
        clearCanvas();
        state.mode = 'draw';
        $('random-info').textContent = '';
    }
    canvas.setPointerCapture(e.pointerId);
    last = canvasPoint(e);
    state.strokes.push([last]);
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    ctx.arc(last[0], last[1], ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
    schedulePrediction();
});
canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = canvasPoint(e);
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    state.strokes[state.strokes.length - 1].push(p);
    last = p;
    schedulePrediction();
});
const endStroke = () => {
    if (last) schedulePrediction();
    last = null;
};
canvas.addEventListener('pointerup', endStroke);
canvas.addEventListener('pointercancel', endStroke);

function setupPen() {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 22;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
}

$('clear').addEventListener('click', () => {
    clearCanvas();
    state.mode = 'draw';
    state.input = new Float32Array(784);
    $('random-info').textContent = '';
    predict();
});

$('random').addEventListener('click', () => {
    const M = state.M;
    if (!M || !state.testSet) return;     // the button is enabled once the test set is in
    const index = M._web_random_test_index();
    if (index < 0) return;
    const label = M._web_test_image(index, state.pixPtr);
    state.input = M.HEAPF32.slice(state.pixPtr >> 2, (state.pixPtr >> 2) + 784);
    state.mode = 'random';
    state.strokes = [];
    paintGray(canvas, state.input, 0, 1);   // the test image, enlarged onto the drawing canvas
    const info = $('random-info');
    info.textContent = `Test image #${index}, true label: ${label}`;
    info.dataset.index = String(index);
    info.dataset.label = String(label);
    predict();
});

$('preprocess').addEventListener('change', schedulePrediction);
for (const radio of document.querySelectorAll('input[name=model]')) radio.addEventListener('change', schedulePrediction);

// ---- training ------------------------------------------------------------------------------------

// One training run: what the chart and the epoch list show. "Train from scratch" starts a new
// one; "Continue training" extends the current one when it trains the same model.
function newRun(model) {
    $('epoch-results').replaceChildren();
    return { model, chart: [], testPoints: [], epochsDone: 0, lastX: 0 };
}

// The chart and the status line follow the batches a few times a second (PROGRESS_MS apart, in
// an animation frame). Redrawn for every batch, or even once per frame, they kept the page's
// thread busy and took a quarter of the training threads' time on a 2-core machine (headless
// Chromium draws the canvas in software). A status written meanwhile by anything else (the
// epoch's end) is kept.
const PROGRESS_MS = 250;
let progressText = null, progressBefore = null, progressLast = -Infinity;
function scheduleProgress(text) {
    const status = $('train-status');
    if (progressText === null) {
        progressBefore = status.textContent;
        const wait = Math.max(0, progressLast + PROGRESS_MS - performance.now());
        setTimeout(() => requestAnimationFrame(() => {
            progressLast = performance.now();
            if (status.textContent === progressBefore) status.textContent = progressText;
            progressText = null;
            drawChart();
        }), wait);
    }
    progressText = text;
}

function drawChart() {
    const c = $('train-chart'), g = c.getContext('2d');
    // The drawing buffer follows the displayed size, so that text stays sharp on any screen.
    const ratio = window.devicePixelRatio || 1;
    const cssW = Math.max(200, Math.round(c.clientWidth || 560)), cssH = Math.round(cssW < 420 ? cssW * 0.55 : 200);
    if (c.width !== Math.round(cssW * ratio)) {
        c.width = Math.round(cssW * ratio);
        c.height = Math.round(cssH * ratio);
    }
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const W = cssW, H = cssH, L = 8, R = 64, T = 18, B = 22;
    const run = state.run || { chart: [], testPoints: [] };
    g.clearRect(0, 0, W, H);
    g.font = '11px sans-serif';
    g.strokeStyle = '#ccd';
    g.lineWidth = 1;
    g.strokeRect(L, T, W - L - R, H - T - B);
    c.dataset.points = String(run.chart.length);
    c.dataset.testPoints = String(run.testPoints.length);
    c.dataset.maxX = String(run.chart.length ? run.chart[run.chart.length - 1].x : 0);
    if (run.chart.length === 0) return;
    const xmax = Math.max(1, ...run.chart.map((p) => p.x), ...run.testPoints.map((p) => p.x));
    const lmax = Math.max(0.5, ...run.chart.map((p) => p.loss));
    const px = (x) => L + (W - L - R) * x / xmax;
    const line = (key, ymax, color) => {
        g.strokeStyle = color;
        g.lineWidth = 2;
        g.beginPath();
        run.chart.forEach((p, i) => {
            const y = T + (H - T - B) * (1 - Math.min(1, p[key] / ymax));
            if (i === 0 || p.gap) g.moveTo(px(p.x), y); else g.lineTo(px(p.x), y);
        });
        g.stroke();
    };
    line('loss', lmax, '#c0392b');
    line('accuracy', 1, '#1a5fb4');
    g.fillStyle = '#2e8b57';
    for (const p of run.testPoints) {
        g.beginPath();
        g.arc(px(p.x), T + (H - T - B) * (1 - p.accuracy), 4, 0, 2 * Math.PI);
        g.fill();
    }
    g.fillText('test acc.', W - R + 4, T + 40);
    g.fillStyle = '#c0392b';
    g.fillText(`${NAMES[run.model]} loss (max ${lmax.toFixed(2)})`, L, T - 5);
    g.fillStyle = '#1a5fb4';
    g.fillText('accuracy', W - R + 4, T + 10);
    g.fillText('100%', W - R + 4, T + 24);
    g.fillText('0%', W - R + 4, H - B);
    g.fillStyle = '#444';
    g.fillText('epochs', W / 2 - 15, H - 6);
    g.fillText(xmax.toFixed(2), W - R - 24, H - 6);
}

function setTraining(on) {
    const ready = state.M !== null && state.testSet !== null;
    const name = $('train-model').value;
    $('train-scratch').disabled = on || !ready;
    $('train-continue').disabled = on || !ready || !state.models[name].current;
    $('train-stop').disabled = !on;
    $('train-model').disabled = on;
    $('train-restore').disabled = on || !Object.values(state.models).some((m) => m.trainedHere);
    document.body.dataset.training = on ? '1' : '0';
}

function useTrainedModel(name, bytes) {
    loadModel(bytes);
    const m = state.models[name];
    m.current = bytes;
    m.trainedHere = true;
    if (state.run) state.run.receivedAny = true;
    $(`model-${name}`).disabled = false;
    modelNote();
    if (activeModel() === name) schedulePrediction();
}

function trainingOptions() {
    const text = $('train-epochs').value.trim();
    const epochs = Number(text);
    if (!/^\d+$/.test(text) || epochs < 1 || epochs > 50) {
        return { error: `Epochs must be a whole number from 1 to 50 (got "${text}").` };
    }
    const nTrain = Number($('train-size').value);
    const name = $('train-model').value;
    const batch = nTrain >= 20000 ? 1000 : 100;
    // The CNN's graph for 1000 images at once would need much memory; 100 is mnist-train's choice.
    const physical = name === 'cnn' ? 100 : Math.min(batch, 500);
    return { epochs, nTrain, name, batch, physical };
}

function fetchTrainSet() {
    // Fetched once per page load, then handed to every training worker.
    if (!state.trainSet) {
        state.trainSet = Promise.all(TRAIN_FILES.map(MnistPre.fetchGunzip));
        state.trainSet.catch(() => { state.trainSet = null; });
    }
    return state.trainSet;
}

function stopWorker() {
    if (state.worker) state.worker.terminate();
    state.worker = null;
}

async function startTraining(fromScratch) {
    if (state.worker || document.body.dataset.training === '1') return;
    const opt = trainingOptions();
    if (opt.error) {
        $('train-status').textContent = opt.error;
        $('train-status').dataset.error = '1';
        return;
    }
    delete $('train-status').dataset.error;
    const name = opt.name;
    if (fromScratch || !state.run || state.run.model !== name) state.run = newRun(name);
    const run = state.run;
    run.stopped = false;
    run.receivedAny = false;
    const xBase = run.lastX, epochBase = run.epochsDone;
    const init = fromScratch ? null : state.models[name].current;
    setTraining(true);
    drawChart();
    $('train-status').textContent = 'Loading the MNIST training set...';
    let data;
    try {
        data = await fetchTrainSet();
    } catch (err) {
        $('train-status').textContent = `Error: cannot load the training set (${err.message || err})`;
        setTraining(false);
        return;
    }
    if (run.stopped || state.run !== run) return;

    const worker = new Worker('train-worker.js');
    state.worker = worker;
    $('train-status').textContent = 'Starting...';
    let first = true;
    const finish = (text) => {
        if (state.worker === worker) stopWorker();
        $('train-status').textContent = text;
        setTraining(false);
    };
    worker.onmessage = (e) => {
        if (state.worker !== worker) return;
        const m = e.data;
        if (m.type === 'status') {
            $('train-status').textContent = m.text;
        } else if (m.type === 'info') {
            document.body.dataset.trainThreads = String(m.threads);
        } else if (m.type === 'batch' && m.train) {
            const x = xBase + (m.epoch - 1) + m.ibatch / m.nbatch;
            run.chart.push({ x, loss: m.loss, accuracy: m.accuracy, gap: first });
            first = false;
            run.lastX = x;
            scheduleProgress(`${NAMES[name]}, epoch ${epochBase + m.epoch}: batch ${m.ibatch}/${m.nbatch}, ` +
                `loss ${m.loss.toFixed(4)}, accuracy ${(100 * m.accuracy).toFixed(2)}%`);
        } else if (m.type === 'snapshot') {
            useTrainedModel(name, m.bytes);
        } else if (m.type === 'epoch') {
            useTrainedModel(name, m.bytes);
            run.epochsDone = epochBase + m.epoch;
            run.lastX = xBase + m.epoch;
            run.testPoints.push({ x: run.lastX, accuracy: m.testAccuracy });
            drawChart();
            const li = document.createElement('li');
            li.value = run.epochsDone;
            li.dataset.epoch = String(run.epochsDone);
            li.dataset.testAccuracy = String(m.testAccuracy);
            li.dataset.seconds = String(m.seconds);
            li.textContent = `${NAMES[name]} epoch ${run.epochsDone}: train loss ${m.loss.toFixed(4)}, train accuracy ` +
                `${(100 * m.accuracy).toFixed(2)}%, test accuracy ${(100 * m.testAccuracy).toFixed(2)}% ` +
                `(${m.seconds.toFixed(2)} s, ${m.threads} thread${m.threads > 1 ? 's' : ''})`;
            $('epoch-results').appendChild(li);
        } else if (m.type === 'done') {
            finish(`Done. ${NAMES[name]} drawings now use the model trained here.`);
        } else if (m.type === 'error') {
            finish(`Error: ${m.text}`);
        }
    };
    worker.onerror = (e) => finish(`Error: ${e.message}`);
    const [images, labels] = data;
    const [testImages, testLabels] = state.testSet;
    worker.postMessage({
        cmd: 'train', arch: SLOTS[name], init, epochs: opt.epochs, nTrain: opt.nTrain, batch: opt.batch,
        physical: opt.physical, images, labels, testImages, testLabels, maxThreads: state.maxThreads,
        seed: state.trainSeed !== null ? state.trainSeed++ : (Math.random() * 2 ** 32) >>> 0,
    });
}

$('train-scratch').addEventListener('click', () => startTraining(true));
$('train-continue').addEventListener('click', () => startTraining(false));
$('train-model').addEventListener('change', () => setTraining(false));
$('train-stop').addEventListener('click', () => {
    const run = state.run;
    if (!run || document.body.dataset.training !== '1') return;
    run.stopped = true;
    stopWorker();
    setTraining(false);
    const name = NAMES[run.model];
    $('train-status').textContent = run.receivedAny
        ? `Stopped. ${name} drawings use the most recent weights received from training.`
        : `Stopped before any weights were received; ${name} drawings still use the model they used before.`;
});
$('train-restore').addEventListener('click', () => {
    for (const name of ['fc', 'cnn']) {
        const m = state.models[name];
        if (!m.trainedHere || !m.pretrained) continue;
        loadModel(m.pretrained);
        m.current = m.pretrained;
        m.trainedHere = false;
    }
    modelNote();
    setTraining(false);
    $('train-status').textContent = 'Pre-trained models restored.';
    schedulePrediction();
});
// The chart's drawing buffer follows its displayed width.
new ResizeObserver(() => drawChart()).observe($('train-chart'));

// ---- start-up ------------------------------------------------------------------------------------

function pageError(text) {
    const el = $('page-error');
    el.textContent = text;
    el.hidden = false;
    document.body.dataset.ready = 'error';
}

async function main() {
    buildBars();
    clearCanvas();
    setupPen();
    drawChart();
    setTraining(false);
    if (location.protocol === 'file:') {
        pageError('This page has to be served over HTTP: browsers do not let a page opened from disk load ' +
                  'its WebAssembly module and data. Run scripts/serve-web.py and open http://localhost:8000/.');
        return;
    }
    if (typeof createMnistModule !== 'function') {
        pageError('mnist-web.js is missing: build the page with scripts/build-web.sh.');
        return;
    }
    const status = $('random-info');
    status.textContent = 'Loading...';
    try {
        const M = await createMnistModule({ print: (t) => console.log(t), printErr: (t) => console.log(t) });
        const seed = new URLSearchParams(location.search).get('seed');
        M._web_seed(seed !== null ? Number(seed) >>> 0 : (Math.random() * 2 ** 32) >>> 0);
        // ?seed=N also makes training reproducible (initial weights and shuffling).
        state.trainSeed = seed !== null ? Number(seed) >>> 0 : null;
        state.maxThreads = Number(new URLSearchParams(location.search).get('threads')) || 0;

        const [fc, cnn, fcAcc, cnnAcc, images, labels] = await Promise.all([
            fetchOptional('mnist-fc.gguf'), fetchOptional('mnist-cnn.gguf'),
            fetchOptional('mnist-fc.accuracy.txt', 'text'), fetchOptional('mnist-cnn.accuracy.txt', 'text'),
            MnistPre.fetchGunzip('data/t10k-images-idx3-ubyte.gz'), MnistPre.fetchGunzip('data/t10k-labels-idx1-ubyte.gz'),
        ]);
        state.M = M;
        state.pixPtr = M._malloc(784 * 4);
        state.probPtr = M._malloc(10 * 4);
        state.mapsPtr = M._malloc(NMAPS * 784 * 4);
        for (const [name, bytes, acc] of [['fc', fc, fcAcc], ['cnn', cnn, cnnAcc]]) {
            if (bytes) loadModel(bytes);
            Object.assign(state.models[name], { pretrained: bytes, current: bytes, accuracy: acc && /^[0-9.]+$/.test(acc) ? acc : null });
            $(`model-${name}`).disabled = !bytes;
        }
        if (!fc && cnn) $('model-cnn').checked = true;
        modelNote();
        MnistPre.setDataset(M, '_web_set_test_set', images, labels);
        state.testSet = [images, labels];
        status.textContent = '';
        $('random').disabled = false;
        setTraining(false);
        schedulePrediction();   // a drawing made while the page loaded
        document.body.dataset.ready = '1';
    } catch (err) {
        status.textContent = '';
        pageError(`Error: ${err.message || err}`);
        console.error(err);
    }
}

main();
