// Browser tests of the web demo: serves examples/mnist/web with scripts/serve-web.py and drives
// Debian's chromium (headless) with playwright-core.
//
//   node web-test.mjs --native MNIST_WEB_NATIVE --data MNIST_DIR --out SCREENSHOT_DIR [--chromium PATH]
//
// 1. Ten Random test images per model: the page's probabilities equal the native build's
//    (mnist-web-native) within 1e-4, and the label shown is the test set's label.
// 2. A 1, a 0 and a 7 drawn stroke by stroke with the mouse, centred and off-centre, are
//    recognised by both models with MNIST-style preprocessing.
// 3. One short training epoch in the worker updates the chart and reports a test accuracy; the
//    page answers clicks while training, the drawing then uses the new model, and Stop works.
// Prints "N passed, M failed" and exits non-zero on any failure.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startServer } from './serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../../..');
const WEB = path.resolve(HERE, '..');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const required of ['native', 'data', 'out']) {
    if (!args[required]) {
        console.error('usage: node web-test.mjs --native MNIST_WEB_NATIVE --data MNIST_DIR --out DIR [--chromium PATH]');
        process.exit(1);
    }
}
fs.mkdirSync(args.out, { recursive: true });

let passed = 0, failed = 0;
function check(ok, what) {
    if (ok) passed++; else failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
}

function nativeProbabilities(model, indices) {
    const text = execFileSync(args.native, [
        path.join(WEB, `mnist-${model}.gguf`),
        path.join(args.data, 't10k-images-idx3-ubyte'), path.join(args.data, 't10k-labels-idx1-ubyte'),
        ...indices.map(String),
    ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const result = new Map();
    for (const line of text.trim().split('\n')) {
        const f = line.trim().split(/\s+/).map(Number);
        result.set(f[0], { label: f[1], digit: f[2], probs: f.slice(3) });
    }
    return result;
}

async function readPrediction(page) {
    return page.evaluate(() => ({
        digit: document.getElementById('prediction').dataset.digit,
        probs: [...document.querySelectorAll('#bars .bar-row')].map((r) => Number(r.dataset.prob)),
        count: Number(document.body.dataset.predictions || 0),
    }));
}

async function selectModel(page, model) {
    await page.check(`#model-${model}`);
}

// ---- 1. Random test images ---------------------------------------------------------------------

async function testRandomImages(page, model) {
    await selectModel(page, model);
    const seen = [];
    for (let k = 0; k < 10; k++) {
        await page.click('#random');
        const info = await page.evaluate(() => {
            const el = document.getElementById('random-info');
            return { index: Number(el.dataset.index), label: Number(el.dataset.label), text: el.textContent };
        });
        seen.push({ ...info, ...(await readPrediction(page)) });
    }
    await page.screenshot({ path: path.join(args.out, `random-${model}.png`), fullPage: true });
    const native = nativeProbabilities(model, seen.map((s) => s.index));
    for (const s of seen) {
        const ref = native.get(s.index);
        const diff = Math.max(...ref.probs.map((p, d) => Math.abs(p - s.probs[d])));
        check(diff <= 1e-4 && s.probs.length === 10,
              `${model}: test image #${s.index}: page probabilities match native (max difference ${diff.toExponential(2)})`);
        check(s.label === ref.label && s.text.includes(`true label: ${ref.label}`),
              `${model}: test image #${s.index}: label shown ${s.label} is the test set's ${ref.label}`);
    }
}

// ---- 2. Drawing --------------------------------------------------------------------------------

// Strokes of each digit in a unit box (y down), each a list of [x, y] points.
const circle = (cx, cy, rx, ry, from, to, n = 32) => Array.from({ length: n + 1 }, (_, i) => {
    const t = from + (to - from) * i / n;
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)];
});
const DIGITS = {
    0: [circle(0.5, 0.5, 0.3, 0.44, -Math.PI / 2, 1.5 * Math.PI)],
    1: [[[0.56, 0.05], [0.46, 0.95]]],
    2: [[[0.2, 0.3], [0.3, 0.12], [0.5, 0.05], [0.7, 0.12], [0.78, 0.3], [0.7, 0.5], [0.2, 0.95], [0.85, 0.95]]],
    3: [[[0.2, 0.12], [0.5, 0.04], [0.75, 0.15], [0.75, 0.35], [0.45, 0.5], [0.78, 0.65], [0.78, 0.85], [0.5, 0.97], [0.2, 0.88]]],
    4: [[[0.55, 0.05], [0.15, 0.65], [0.85, 0.65]], [[0.65, 0.35], [0.65, 0.98]]],
    5: [[[0.75, 0.05], [0.3, 0.05], [0.25, 0.45], [0.55, 0.4], [0.78, 0.55], [0.78, 0.8], [0.55, 0.95], [0.2, 0.9]]],
    6: [[[0.7, 0.05], [0.4, 0.25], [0.25, 0.55], [0.3, 0.85], [0.5, 0.95], [0.72, 0.85], [0.75, 0.65], [0.55, 0.52], [0.3, 0.6]]],
    7: [[[0.2, 0.12], [0.8, 0.12]], [[0.8, 0.12], [0.62, 0.5], [0.45, 0.9]]],
    8: [Array.from({ length: 49 }, (_, i) => {
        const t = i / 48;
        return [0.5 + 0.28 * Math.sin(4 * Math.PI * t), 0.5 - 0.45 * Math.cos(2 * Math.PI * t)];
    })],
    9: [circle(0.5, 0.28, 0.24, 0.23, 0, -2 * Math.PI), [[0.74, 0.28], [0.66, 0.97]]],
};
// Where and how a digit is drawn: the unit box is mapped into [x, x + w] x [y, y + h] of the
// canvas (fractions), sheared by slant; thick draws every stroke twice, side by side.
const VARIANTS = {
    centred: { x: 0.15, y: 0.15, w: 0.7, h: 0.7 },
    large: { x: 0.02, y: 0.02, w: 0.96, h: 0.96 },
    small: { x: 0.42, y: 0.4, w: 0.2, h: 0.2 },
    corner: { x: 0.03, y: 0.62, w: 0.33, h: 0.33 },
    narrow: { x: 0.33, y: 0.1, w: 0.34, h: 0.8 },
    slanted: { x: 0.2, y: 0.15, w: 0.6, h: 0.7, slant: 0.25 },
    thick: { x: 0.2, y: 0.2, w: 0.5, h: 0.5, thick: 0.035 },
};

async function drawDigit(page, strokes, place) {
    const box = await page.locator('#draw').boundingBox();
    const at = ([u, v], du = 0) => {
        const su = u + (place.slant || 0) * (0.5 - v) + du;
        return [box.x + (place.x + su * place.w) * box.width, box.y + (place.y + v * place.h) * box.height];
    };
    const passes = place.thick ? [0, place.thick / place.w] : [0];
    for (const stroke of strokes) {
        for (const du of passes) {
            const [x0, y0] = at(stroke[0], du);
            await page.mouse.move(x0, y0);
            await page.mouse.down();
            for (const p of stroke.slice(1)) {
                const [x, y] = at(p, du);
                // one move per point of the stroke: the page joins consecutive points with
                // straight lines, so points in between would draw the same strokes, only slower
                await page.mouse.move(x, y);
            }
            await page.mouse.up();
        }
    }
}

// Waits until the page has made a prediction after the last stroke.
async function settledPrediction(page, before) {
    await page.waitForFunction((n) => Number(document.body.dataset.predictions || 0) > n, before);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    return readPrediction(page);
}

// Every digit in every variant, scored by both models (the same drawing, the model switched).
async function testDrawing(page) {
    await page.check('#preprocess');
    const right = { fc: 0, cnn: 0 }, misses = { fc: [], cnn: [] };
    let total = 0;
    for (const [where, place] of Object.entries(VARIANTS)) {
        for (const [digit, strokes] of Object.entries(DIGITS)) {
            await selectModel(page, 'fc');
            await page.click('#clear');
            const before = (await readPrediction(page)).count;
            await drawDigit(page, strokes, place);
            const fc = await settledPrediction(page, before);
            const n = (await readPrediction(page)).count;
            await selectModel(page, 'cnn');
            const cnn = await settledPrediction(page, n);
            if (digit === '4' || where === 'centred') {
                await page.screenshot({ path: path.join(args.out, `draw-${digit}-${where}.png`) });
            }
            total++;
            for (const [model, pred] of [['fc', fc], ['cnn', cnn]]) {
                if (pred.digit === digit) right[model]++;
                else misses[model].push(`${digit} ${where} -> ${pred.digit}`);
            }
        }
    }
    for (const model of ['fc', 'cnn']) {
        check(right[model] >= 0.95 * total,
              `${model}: ${right[model]}/${total} drawn digits recognised (>= 95%; misses: ${misses[model].join(', ') || 'none'})`);
    }
    // Without preprocessing the corner drawings are seen as they are; reported, not checked.
    await page.uncheck('#preprocess');
    await selectModel(page, 'fc');
    const raw = [];
    for (const [digit, strokes] of Object.entries(DIGITS)) {
        await page.click('#clear');
        const before = (await readPrediction(page)).count;
        await drawDigit(page, strokes, VARIANTS.corner);
        raw.push(`${digit}->${(await settledPrediction(page, before)).digit}`);
    }
    console.log(`info fc: corner drawings without preprocessing: ${raw.join(' ')}`);
    await page.check('#preprocess');
}

// The CNN's feature maps are shown for the current input, and only for the CNN.
async function testFeatureMaps(page) {
    await selectModel(page, 'cnn');
    await page.click('#random');
    const shown = await page.evaluate(() => document.getElementById('feature-maps').dataset.shown);
    const maps = await page.evaluate(() => [...document.querySelectorAll('#feature-maps canvas')].map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
        let s = 0;
        for (let i = 0; i < d.length; i += 4) s += d[i];
        return s;
    }));
    check(shown === '1' && maps.length === 8 && maps.filter((s) => s > 0).length >= 4,
          `cnn: the first layer's 8 feature maps are shown (${maps.filter((s) => s > 0).length} with activity)`);
    await selectModel(page, 'fc');
    await page.click('#random');
    const hidden = await page.evaluate(() => document.getElementById('feature-maps').dataset.shown);
    check(hidden === '0', 'fc: no feature maps shown');
}

// ---- 3. Layout ----------------------------------------------------------------------------------

async function testLayout(browser, url) {
    for (const [w, h, touch] of [[390, 844, true], [360, 740, true], [1280, 800, false]]) {
        const page = await browser.newPage({ viewport: { width: w, height: h }, hasTouch: touch, isMobile: touch });
        await page.goto(url);
        await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
        const before = (await readPrediction(page)).count;
        await drawDigit(page, DIGITS[3], VARIANTS.centred);
        await settledPrediction(page, before);
        const m = await page.evaluate(() => {
            const r = (id) => document.getElementById(id).getBoundingClientRect().toJSON();
            return {
                scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, innerHeight: window.innerHeight,
                draw: r('draw'), prediction: r('prediction'), bars: r('bars'),
                train: r('train-panel'), result: r('result-panel'), scrollY: window.scrollY,
            };
        });
        await page.screenshot({ path: path.join(args.out, `layout-${w}x${h}.png`) });
        await page.screenshot({ path: path.join(args.out, `layout-${w}x${h}-full.png`), fullPage: true });
        // Against the device's size: on a phone the layout viewport grows to a page that overflows.
        check(m.scrollWidth <= w && m.innerWidth === w, `${w}x${h}: no horizontal overflow (page ${m.scrollWidth} px wide)`);
        if (touch) {
            const bottom = Math.max(m.draw.bottom, m.prediction.bottom, m.bars.bottom);
            check(m.scrollY === 0 && bottom <= h && m.innerHeight <= h && m.draw.width >= 200,
                  `${w}x${h}: canvas (${Math.round(m.draw.width)} px), prediction and bars visible together (bottom ${Math.round(bottom)} of ${h})`);
        } else {
            check(m.result.left >= m.draw.right && m.train.left >= m.result.right && m.draw.width >= 320,
                  `${w}x${h}: drawing (${Math.round(m.draw.width)} px), bars and training side by side`);
        }
        await page.close();
    }
}

// ---- 4. Training ---------------------------------------------------------------------------------

const trainText = (page) => page.evaluate(() => ({
    training: document.body.dataset.training,
    status: document.getElementById('train-status').textContent,
    items: [...document.querySelectorAll('#epoch-results li')].map((li) => ({
        epoch: Number(li.dataset.epoch), testAccuracy: Number(li.dataset.testAccuracy), seconds: Number(li.dataset.seconds),
        text: li.textContent,
    })),
    points: Number(document.getElementById('train-chart').dataset.points),
    maxX: Number(document.getElementById('train-chart').dataset.maxX),
}));

async function trainRun(page, { model, size, epochs = 1, button = '#train-scratch' }) {
    await page.selectOption('#train-model', model);
    await page.selectOption('#train-size', String(size));
    await page.fill('#train-epochs', String(epochs));
    await page.click(button);
    await page.waitForFunction(() => document.body.dataset.training === '0', null, { timeout: 600000 });
    return trainText(page);
}

async function testTraining(page, requests) {
    // The first run: Stop while the training set is still loading (its download is held back).
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route('**/train-images-idx3-ubyte.gz', async (route) => { await held; await route.continue().catch(() => {}); });
    await page.selectOption('#train-model', 'fc');
    await page.fill('#train-epochs', '1');
    await page.click('#train-scratch');
    await page.waitForFunction(() => document.getElementById('train-status').textContent.startsWith('Loading'));
    await page.click('#train-stop');
    const stopped = await trainText(page);
    check(stopped.training === '0' && !/most recent weights/.test(stopped.status) && /before any weights/.test(stopped.status),
          `Stop while loading the training set says no weights were received ("${stopped.status}")`);
    release();
    await page.unroute('**/train-images-idx3-ubyte.gz');

    // Bad epoch counts are refused with a message.
    for (const bad of ['0', '-3', '2.5', '1000']) {
        await page.fill('#train-epochs', bad);
        await page.click('#train-scratch');
        const t = await trainText(page);
        check(t.training === '0' && /whole number from 1 to 50/.test(t.status), `epochs "${bad}" is refused ("${t.status}")`);
    }

    // Training FC while CNN is the model shown: the choice stays, drawings use the CNN.
    await selectModel(page, 'cnn');
    await page.click('#clear');
    let before = (await readPrediction(page)).count;
    await drawDigit(page, DIGITS[7], VARIANTS.centred);
    const cnnBefore = (await settledPrediction(page, before)).probs;
    await page.selectOption('#train-model', 'fc');
    await page.selectOption('#train-size', '2000');
    await page.fill('#train-epochs', '2');
    await page.click('#train-scratch');
    await page.waitForFunction(() => Number(document.getElementById('train-chart').dataset.points) > 0, null, { timeout: 120000 });
    const count = (await readPrediction(page)).count;
    await page.click('#random');
    check((await readPrediction(page)).count > count, 'page answers a click while training');
    await page.waitForFunction(() => document.body.dataset.training === '0', null, { timeout: 300000 });
    let t = await trainText(page);
    const still = await page.evaluate(() => ({ checked: document.getElementById('model-cnn').checked, model: document.body.dataset.model }));
    check(still.checked && still.model === 'cnn', `training FC leaves the CNN chosen (${JSON.stringify(still)})`);
    await page.click('#clear');
    before = (await readPrediction(page)).count;
    await drawDigit(page, DIGITS[7], VARIANTS.centred);
    const cnnAfter = (await settledPrediction(page, before)).probs;
    check(Math.max(...cnnAfter.map((p, d) => Math.abs(p - cnnBefore[d]))) < 1e-6, 'the CNN still scores drawings after FC training');
    check(t.items.length === 2 && t.items[0].epoch === 1 && t.items[1].epoch === 2 && t.items[1].testAccuracy > 0.6,
          `FC, 2 epochs on 2000 images: ${t.items.map((i) => (100 * i.testAccuracy).toFixed(2) + '%').join(', ')}`);
    // Cross-origin isolated: the threaded module, one thread per CPU (at most 8).
    const isolated = await page.evaluate(() => ({ threads: document.body.dataset.trainThreads,
                                                  cpus: Math.min(8, navigator.hardwareConcurrency || 1) }));
    check(isolated.threads === String(isolated.cpus),
          `the isolated page trains with one thread per CPU (${isolated.threads} threads, ${isolated.cpus} CPUs)`);

    // A second run from scratch starts a new chart and epoch list.
    t = await trainRun(page, { model: 'fc', size: 2000 });
    check(t.items.length === 1 && t.items[0].epoch === 1 && t.maxX <= 1.0001,
          `a second run from scratch starts at epoch 1 (epochs ${t.items.map((i) => i.epoch)})`);

    // CNN training in the browser.
    t = await trainRun(page, { model: 'cnn', size: 2000 });
    check(t.items.length === 1 && t.items[0].testAccuracy > 0.5 && /CNN/.test(t.items[0].text),
          `CNN, 1 epoch on 2000 images: test accuracy ${(100 * (t.items[0] || {}).testAccuracy).toFixed(2)}%`);

    // Stop mid-epoch, then Continue: the new epoch is drawn after the partial one.
    await page.selectOption('#train-model', 'fc');
    await page.selectOption('#train-size', '60000');
    await page.fill('#train-epochs', '1');
    await page.click('#train-scratch');
    await page.waitForFunction(() => Number(document.getElementById('train-chart').dataset.points) > 12, null, { timeout: 120000 });
    await page.click('#train-stop');
    const atStop = await trainText(page);
    check(atStop.training === '0' && /most recent weights/.test(atStop.status), `Stop mid-epoch keeps the weights received ("${atStop.status}")`);
    t = await trainRun(page, { model: 'fc', size: 2000, button: '#train-continue' });
    check(t.maxX > atStop.maxX + 0.99 && t.points > atStop.points,
          `Continue after Stop draws after the partial epoch (x ${atStop.maxX.toFixed(2)} -> ${t.maxX.toFixed(2)})`);

    // Restore brings back the shipped models: Random again equals the native build's.
    await page.click('#train-restore');
    const restored = await page.evaluate(() => document.getElementById('model-note').textContent);
    check(!/trained on this page/.test(restored) && /% on the 10000 test images/.test(restored), `Restore pre-trained model ("${restored}")`);
    for (const model of ['fc', 'cnn']) {
        await selectModel(page, model);
        await page.click('#random');
        const idx = await page.evaluate(() => Number(document.getElementById('random-info').dataset.index));
        const pr = await readPrediction(page);
        const ref = nativeProbabilities(model, [idx]).get(idx);
        const diff = Math.max(...ref.probs.map((p, d) => Math.abs(p - pr.probs[d])));
        check(diff <= 1e-4, `${model}: after Restore the page equals the shipped model (difference ${diff.toExponential(2)})`);
    }

    // Speed: one epoch per model, printed, not checked (shared machine): FC on all 60000 images,
    // the CNN on 20000 (logical batch 1000 as on 60000), scaled to 60000.
    const threads = [];
    for (const [model, size] of [['fc', 60000], ['cnn', 20000]]) {
        t = await trainRun(page, { model, size });
        const it = t.items[0];
        threads.push(await page.evaluate(() => document.body.dataset.trainThreads));
        console.log(`info speed: ${model} epoch on ${size} images, ${threads[threads.length - 1]} thread(s): ` +
                    `${it.seconds.toFixed(2)} s, ${(it.seconds * 60000 / size).toFixed(2)} s per 60000 (${it.text})`);
    }
    check(threads.every((n) => Number(n) >= 1), `training used ${threads.join('/')} thread(s)`);
    const fetched = requests.filter((u) => u.endsWith('train-images-idx3-ubyte.gz')).length;
    check(fetched === 1, `the training images were fetched once for all runs (${fetched})`);
    await page.screenshot({ path: path.join(args.out, 'train-done.png'), fullPage: true });
}

// ---- 5. Loading, and the page off a server -----------------------------------------------------

async function testLoading(browser, url) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route('**/mnist-web.wasm', async (route) => { await held; await route.continue().catch(() => {}); });
    await page.goto(url);
    // Random (forced, even if the button is disabled) and a drawing while the module loads.
    await page.locator('#random').dispatchEvent('click');
    await drawDigit(page, DIGITS[7], VARIANTS.centred);
    release();
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
    await page.waitForFunction(() => Number(document.body.dataset.predictions || 0) > 0, null, { timeout: 10000 }).catch(() => {});
    const pred = await readPrediction(page);
    check(errors.length === 0, `Random while loading throws nothing${errors.length ? ': ' + errors.join('; ') : ''}`);
    check(pred.digit === '7', `a drawing made while loading is scored once ready (${pred.digit})`);
    await page.close();

    // Cross-origin isolated with ?threads=1: the training worker takes the single-threaded module
    // (mnist-web.js, the page's own) although the threaded one could start. A module of that name
    // linked from a library compiled for threads faulted here ("memory access out of bounds").
    const one = await browser.newPage();
    const oneScripts = [];
    one.on('request', (r) => oneScripts.push(r.url().replace(/^.*\//, '')));
    try {
        await one.goto(`${url}&threads=1`);
        await one.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
        const t1 = await trainRun(one, { model: 'fc', size: 2000 });
        const info = await one.evaluate(() => ({ threads: document.body.dataset.trainThreads, isolated: self.crossOriginIsolated }));
        const mt = oneScripts.filter((u) => u.startsWith('mnist-web-mt')).length;
        check(info.isolated === true && info.threads === '1' && mt === 0 && t1.items.length === 1 && t1.items[0].testAccuracy > 0.6,
              `isolated, ?threads=1: the single-threaded module (${info.threads} thread, ${mt} threaded files fetched), ` +
              `FC on 2000 images, test accuracy ${(100 * (t1.items[0] || {}).testAccuracy).toFixed(2)}% ("${t1.status}")`);
    } finally {
        await one.close();
    }

    // Served without the isolation headers (a plain static host): the single-threaded module
    // trains, even when ?threads=2 asks for more.
    const plain = await startServer(WEB, ['--no-isolation']);
    try {
        const st = await browser.newPage();
        await st.goto(`${plain.url}?seed=42&threads=2`);
        await st.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
        const tm = await trainRun(st, { model: 'fc', size: 2000 });
        const info = await st.evaluate(() => ({ threads: document.body.dataset.trainThreads, isolated: self.crossOriginIsolated }));
        check(info.isolated === false && info.threads === '1' && tm.items.length === 1 && tm.items[0].testAccuracy > 0.6,
              `not cross-origin isolated: one thread (${info.threads}), FC on 2000 images, test accuracy ` +
              `${(100 * (tm.items[0] || {}).testAccuracy).toFixed(2)}%`);
        await st.close();
    } finally {
        plain.proc.kill();
    }

    const disk = await browser.newPage();
    await disk.goto('file://' + path.join(WEB, 'index.html'));
    await disk.waitForFunction(() => document.body.dataset.ready, null, { timeout: 20000 }).catch(() => {});
    const msg = await disk.evaluate(() => document.getElementById('page-error')?.textContent || document.body.innerText);
    check(/served over HTTP/.test(msg) && /serve-web\.py/.test(msg), `opened from disk, the page says how to serve it ("${msg.slice(0, 70)}...")`);
    await disk.close();

    // A second server on the same port: one line, no traceback.
    const port = new URL(url).port;
    let stderr = '', code = 0;
    try {
        execFileSync('python3', [path.join(ROOT, 'scripts/serve-web.py'), '--port', port, '--dir', WEB],
                     { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
    } catch (err) {
        code = err.status;
        stderr = String(err.stderr);
    }
    check(code === 1 && !/Traceback/.test(stderr) && stderr.trim().split('\n').length === 1,
          `a second server on port ${port} fails with one line (${stderr.trim()})`);
}

// ---- 0. Preprocessing, without a browser ---------------------------------------------------------

// A filled 60x30 rectangle in the corner of a 280x280 drawing must become a 20x10 block whose
// centre of mass is the image centre: rows 9..18 and columns 4..23 (hand-derived), all ink.
function testPreprocessing() {
    const pre = createRequire(import.meta.url)('../preprocess.js');
    const W = 280, gray = new Float32Array(W * W);
    for (let y = 200; y < 230; y++) for (let x = 10; x < 70; x++) gray[y * W + x] = 1;
    const out = pre.mnistPreprocess(gray, W, W);
    let inside = 0, outside = 0;
    for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
            const v = out[y * 28 + x];
            if (y >= 9 && y <= 18 && x >= 4 && x <= 23) inside += Math.abs(v - 1); else outside += v;
        }
    }
    check(inside < 1e-5 && outside < 1e-5, `preprocessing: corner rectangle scaled to 20x10 and centred (errors ${inside}, ${outside})`);
    const down = pre.downsample(gray, W, W);
    // Without preprocessing the canvas is only shrunk 10x: the rectangle fills cells x 1..6, y 20..22.
    let err = 0;
    for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) err += Math.abs(down[y * 28 + x] - (x >= 1 && x <= 6 && y >= 20 && y <= 22 ? 1 : 0));
    }
    check(err < 1e-5, `preprocessing off: the drawing is only shrunk 10x (error ${err})`);
    check(pre.mnistPreprocess(new Float32Array(W * W), W, W).every((v) => v === 0), 'preprocessing: an empty drawing stays empty');

    // Strokes are rendered again after the fit: a vertical line becomes a 2.5 px wide bar, 17.5 px
    // long plus round ends (area 2.5 * 17.5 + pi * 1.25^2 = 48.66), centred on column 14.
    const line = pre.strokesToMnist([[[100, 20], [100, 260]]]);
    const ink = line.reduce((a, b) => a + b, 0);
    check(Math.abs(ink - 48.66) < 1 && line[14 * 28 + 13] === 1 && line[14 * 28 + 14] === 1 && line[14 * 28 + 11] === 0 &&
          line[14 * 28 + 16] === 0, `strokes: a vertical line is a 2.5 px bar in the middle (ink ${ink.toFixed(2)})`);
    // The same digit drawn large, small, or far off-centre gives the same input.
    const seven = (x, y, s) => [[[x, y], [x + s, y]], [[x + s, y], [x + 0.7 * s, y + 0.6 * s], [x + 0.4 * s, y + 1.2 * s]]];
    const big = pre.strokesToMnist(seven(20, 10, 200)), tiny = pre.strokesToMnist(seven(230, 240, 20));
    const diff = Math.max(...big.map((v, i) => Math.abs(v - tiny[i])));
    check(diff < 1e-4 && big.some((v) => v > 0.9), `strokes: a 7 drawn 10x smaller in a corner gives the same input (difference ${diff.toExponential(1)})`);
    check(pre.strokesToMnist([]).every((v) => v === 0) && pre.strokesToMnist([[[5, 5]]]).some((v) => v > 0),
          'strokes: no strokes give an empty input, a single tap a dot');
}

// -------------------------------------------------------------------------------------------------

testPreprocessing();
// --only draw|layout|load|train runs one group of browser checks (for working on the page).
const only = args.only || null;
const server = await startServer(WEB);
const browser = await chromium.launch({
    executablePath: args.chromium || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'],
});
try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    page.setDefaultTimeout(30000);
    const url = `${server.url}?seed=42`;
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
    check(await page.evaluate(() => document.body.dataset.ready === '1'), 'page loads the module, both models and the test set');
    check(await page.evaluate(() => self.crossOriginIsolated === true), 'page is served cross-origin isolated');

    const note = await page.evaluate(() => document.getElementById('model-note').textContent);
    check(/FC: [0-9.]+% on the 10000 test images/.test(note) && /CNN: [0-9.]+% on the 10000 test images/.test(note),
          `each model's test accuracy is shown ("${note}")`);
    // each group's wall time is printed, to see where the test's time goes
    const timed = async (name, fn) => {
        const t0 = Date.now();
        await fn();
        console.log(`info time: ${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    };
    await timed('random', async () => { for (const model of ['fc', 'cnn']) await testRandomImages(page, model); });
    if (!only || only === 'draw') await timed('draw', () => testDrawing(page));
    await testFeatureMaps(page);
    if (!only || only === 'layout') await timed('layout', () => testLayout(browser, url));
    if (!only || only === 'load') await timed('load', () => testLoading(browser, url));
    if (!only || only === 'train') await timed('train', () => testTraining(page, requests));
    check(errors.length === 0, `no errors in the page${errors.length ? ': ' + errors.join('; ') : ''}`);
} catch (err) {
    check(false, `unexpected error: ${err.stack || err}`);
} finally {
    await browser.close();
    server.proc.kill();
}
console.log(`screenshots in ${args.out}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
