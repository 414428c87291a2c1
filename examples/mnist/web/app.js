// The page: drawing, live prediction, random test digits, and training in a worker.
'use strict';

const $ = (id) => document.getElementById(id);
const SLOTS = { fc: 0, cnn: 1 };

const state = {
    M: null,
    pixPtr: 0,
    probPtr: 0,
    available: { fc: false, cnn: false },
    fcBytes: null,         // GGUF of the current FC model, the start for "Continue training"
    input: new Float32Array(784),
    mode: 'draw',          // 'draw': the canvas is the input; 'random': a test image is
    pending: false,
    worker: null,
    chart: [],             // {x, loss, accuracy} per training batch
    testPoints: [],        // {x, accuracy} after each epoch
    epochsDone: 0,
    trainSeed: null,       // from ?seed=N, for reproducible runs
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

async function fetchModel(name) {
    const response = await fetch(`mnist-${name}.gguf`);
    if (!response.ok) return null;
    return new Uint8Array(await response.arrayBuffer());
}

function activeModel() {
    return $('model-cnn').checked ? 'cnn' : 'fc';
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
}

function showInput(input) {
    const c = $('input28'), ctx = c.getContext('2d');
    const img = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
        const v = Math.round(input[i] * 255);
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
        img.data[4 * i + 3] = 255;
    }
    // Drawn at 28x28, then scaled up without smoothing.
    const tmp = document.createElement('canvas');
    tmp.width = tmp.height = 28;
    tmp.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.drawImage(tmp, 0, 0, c.width, c.height);
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
    if (!M || !state.available[name]) return;
    let any = false;
    for (let i = 0; i < 784; i++) if (state.input[i] > 0) { any = true; break; }
    showInput(state.input);
    if (!any) {
        showProbabilities(null, -1);
        return;
    }
    M.HEAPF32.set(state.input, state.pixPtr >> 2);
    const digit = M._web_predict(SLOTS[name], state.pixPtr, state.probPtr);
    if (digit < 0) throw new Error(lastError());
    const probs = M.HEAPF32.slice(state.probPtr >> 2, (state.probPtr >> 2) + 10);
    showProbabilities(probs, digit);
    document.body.dataset.predictions = String(Number(document.body.dataset.predictions || 0) + 1);
}

// ---- drawing -----------------------------------------------------------------------------------

const canvas = $('draw');
const ctx = canvas.getContext('2d', { willReadFrequently: true });

function clearCanvas() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
}

function inputFromCanvas() {
    const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const gray = MnistPre.rgbaToGray(rgba, canvas.width, canvas.height);
    return $('preprocess').checked ? MnistPre.mnistPreprocess(gray, canvas.width, canvas.height)
                                   : MnistPre.downsample(gray, canvas.width, canvas.height);
}

// Predictions follow the pen at most once per frame.
function schedulePrediction() {
    if (state.pending) return;
    state.pending = true;
    requestAnimationFrame(() => {
        state.pending = false;
        if (state.mode === 'draw') state.input = inputFromCanvas();
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
    const index = M._web_random_test_index();
    if (index < 0) return;
    const label = M._web_test_image(index, state.pixPtr);
    state.input = M.HEAPF32.slice(state.pixPtr >> 2, (state.pixPtr >> 2) + 784);
    state.mode = 'random';
    // The test image, enlarged onto the drawing canvas.
    const tmp = document.createElement('canvas');
    tmp.width = tmp.height = 28;
    const img = tmp.getContext('2d').createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
        const v = Math.round(state.input[i] * 255);
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
        img.data[4 * i + 3] = 255;
    }
    tmp.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
    const info = $('random-info');
    info.textContent = `Test image #${index}, true label: ${label}`;
    info.dataset.index = String(index);
    info.dataset.label = String(label);
    predict();
});

$('preprocess').addEventListener('change', schedulePrediction);
for (const radio of document.querySelectorAll('input[name=model]')) radio.addEventListener('change', schedulePrediction);

// ---- training ------------------------------------------------------------------------------------

function drawChart() {
    const c = $('train-chart'), g = c.getContext('2d');
    const W = c.width, H = c.height, L = 40, R = 64, T = 10, B = 24;
    g.clearRect(0, 0, W, H);
    g.font = '11px sans-serif';
    g.strokeStyle = '#ccd';
    g.strokeRect(L, T, W - L - R, H - T - B);
    c.dataset.points = String(state.chart.length);
    if (state.chart.length === 0) return;
    const xmax = Math.max(1, ...state.chart.map((p) => p.x));
    const lmax = Math.max(0.5, ...state.chart.map((p) => p.loss));
    const px = (x) => L + (W - L - R) * x / xmax;
    const line = (key, ymax, color) => {
        g.strokeStyle = color;
        g.lineWidth = 2;
        g.beginPath();
        state.chart.forEach((p, i) => {
            const y = T + (H - T - B) * (1 - p[key] / ymax);
            if (i === 0) g.moveTo(px(p.x), y); else g.lineTo(px(p.x), y);
        });
        g.stroke();
    };
    line('loss', lmax, '#c0392b');
    line('accuracy', 1, '#1a5fb4');
    g.fillStyle = '#2e8b57';
    for (const p of state.testPoints) {
        g.beginPath();
        g.arc(px(p.x), T + (H - T - B) * (1 - p.accuracy), 4, 0, 2 * Math.PI);
        g.fill();
    }
    g.fillText('test acc.', W - R + 2, T + 40);
    g.fillStyle = '#c0392b';
    g.fillText(`loss (max ${lmax.toFixed(2)})`, 2, T + 10);
    g.fillStyle = '#1a5fb4';
    g.fillText('accuracy', W - R + 2, T + 10);
    g.fillText('100%', W - R + 2, T + 24);
    g.fillText('0%', W - R + 2, H - B);
    g.fillStyle = '#444';
    g.fillText('epochs', W / 2 - 15, H - 6);
    g.fillText(xmax.toFixed(2), W - R - 20, H - 8);
}

function setTraining(on) {
    $('train-scratch').disabled = on;
    $('train-continue').disabled = on || !state.fcBytes;
    $('train-stop').disabled = !on;
    document.body.dataset.training = on ? '1' : '0';
}

function useTrainedFc(bytes) {
    state.fcBytes = bytes;
    loadModel(bytes);
    state.available.fc = true;
    $('model-fc').disabled = false;
    $('model-fc').checked = true;
    $('model-note').textContent = 'FC: trained on this page';
    predict();
}

function startTraining(fromScratch) {
    if (state.worker) return;
    const epochs = Math.max(1, Math.min(50, Number($('train-epochs').value) || 1));
    const nTrain = Number($('train-size').value);
    const batch = nTrain >= 20000 ? 1000 : 100;
    const worker = new Worker('train-worker.js');
    state.worker = worker;
    const epochBase = state.epochsDone;
    setTraining(true);
    $('train-status').textContent = 'Starting...';
    worker.onmessage = (e) => {
        const m = e.data;
        if (m.type === 'status') {
            $('train-status').textContent = m.text;
        } else if (m.type === 'batch' && m.train) {
            state.chart.push({ x: epochBase + (m.epoch - 1) + m.ibatch / m.nbatch, loss: m.loss, accuracy: m.accuracy });
            drawChart();
            $('train-status').textContent = `Epoch ${m.epoch}: batch ${m.ibatch}/${m.nbatch}, ` +
                `loss ${m.loss.toFixed(4)}, accuracy ${(100 * m.accuracy).toFixed(2)}%`;
        } else if (m.type === 'snapshot') {
            useTrainedFc(m.bytes);
        } else if (m.type === 'epoch') {
            useTrainedFc(m.bytes);
            state.epochsDone = epochBase + m.epoch;
            state.testPoints.push({ x: state.epochsDone, accuracy: m.testAccuracy });
            drawChart();
            const li = document.createElement('li');
            li.dataset.testAccuracy = String(m.testAccuracy);
            li.textContent = `epoch ${state.epochsDone}: train loss ${m.loss.toFixed(4)}, train accuracy ` +
                `${(100 * m.accuracy).toFixed(2)}%, test accuracy ${(100 * m.testAccuracy).toFixed(2)}% ` +
                `(${m.seconds.toFixed(1)} s)`;
            $('epoch-results').appendChild(li);
        } else if (m.type === 'done' || m.type === 'error') {
            $('train-status').textContent = m.type === 'done' ? 'Done. Drawings now use the model trained here.'
                                                             : `Error: ${m.text}`;
            worker.terminate();
            state.worker = null;
            setTraining(false);
        }
    };
    worker.onerror = (e) => {
        $('train-status').textContent = `Error: ${e.message}`;
        worker.terminate();
        state.worker = null;
        setTraining(false);
    };
    worker.postMessage({
        cmd: 'train', init: fromScratch ? null : state.fcBytes, epochs, nTrain, batch,
        seed: state.trainSeed !== null ? state.trainSeed++ : (Math.random() * 2 ** 32) >>> 0,
    });
}

$('train-scratch').addEventListener('click', () => startTraining(true));
$('train-continue').addEventListener('click', () => startTraining(false));
$('train-stop').addEventListener('click', () => {
    if (!state.worker) return;
    state.worker.terminate();
    state.worker = null;
    setTraining(false);
    $('train-status').textContent = 'Stopped. Drawings use the most recent weights received from training.';
});

// ---- start-up ------------------------------------------------------------------------------------

async function main() {
    buildBars();
    clearCanvas();
    setupPen();
    drawChart();
    setTraining(false);
    $('train-continue').disabled = true;
    const status = $('random-info');
    status.textContent = 'Loading...';
    try {
        const M = await createMnistModule({ print: (t) => console.log(t), printErr: (t) => console.log(t) });
        state.M = M;
        state.pixPtr = M._malloc(784 * 4);
        state.probPtr = M._malloc(10 * 4);
        const seed = new URLSearchParams(location.search).get('seed');
        M._web_seed(seed !== null ? Number(seed) >>> 0 : (Math.random() * 2 ** 32) >>> 0);
        // ?seed=N also makes training reproducible (initial weights and shuffling).
        state.trainSeed = seed !== null ? Number(seed) >>> 0 : null;

        const [fc, cnn, images, labels] = await Promise.all([
            fetchModel('fc'), fetchModel('cnn'),
            MnistPre.fetchGunzip('data/t10k-images-idx3-ubyte.gz'), MnistPre.fetchGunzip('data/t10k-labels-idx1-ubyte.gz'),
        ]);
        const notes = [];
        for (const [name, bytes] of [['fc', fc], ['cnn', cnn]]) {
            if (bytes) {
                loadModel(bytes);
                state.available[name] = true;
            } else {
                notes.push(`${name.toUpperCase()} model not found`);
            }
            $(`model-${name}`).disabled = !bytes;
        }
        if (!state.available.fc && state.available.cnn) $('model-cnn').checked = true;
        state.fcBytes = fc;
        $('model-note').textContent = notes.join('; ');
        MnistPre.setDataset(M, '_web_set_test_set', images, labels);
        status.textContent = '';
        setTraining(false);
        document.body.dataset.ready = '1';
    } catch (err) {
        status.textContent = `Error: ${err.message || err}`;
        document.body.dataset.ready = 'error';
        console.error(err);
    }
}

main();
