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
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

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

function startServer() {
    return new Promise((resolve, reject) => {
        const proc = spawn('python3', [path.join(ROOT, 'scripts/serve-web.py'), '--port', '0', '--dir', WEB],
                           { env: { ...process.env, SERVE_WEB_QUIET: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        proc.stdout.on('data', (d) => {
            out += d;
            const m = out.match(/at (http:\/\/\S+)/);
            if (m) resolve({ proc, url: m[1] });
        });
        proc.on('exit', (code) => reject(new Error(`serve-web.py exited with ${code}`)));
    });
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

// Strokes in a unit box, each a list of [x, y] points.
const DIGITS = {
    1: [[[0.52, 0.08], [0.5, 0.92]]],
    0: [Array.from({ length: 41 }, (_, i) => {
        const t = 2 * Math.PI * i / 40;
        return [0.5 + 0.3 * Math.sin(t), 0.5 - 0.42 * Math.cos(t)];
    })],
    7: [[[0.2, 0.12], [0.8, 0.12]], [[0.8, 0.12], [0.62, 0.5], [0.45, 0.9]]],
};
const PLACEMENTS = {
    centred: { x: 0.15, y: 0.15, size: 0.7 },
    'off-centre': { x: 0.04, y: 0.5, size: 0.45 },
};

async function drawDigit(page, strokes, place) {
    const box = await page.locator('#draw').boundingBox();
    const at = ([u, v]) => [box.x + (place.x + u * place.size) * box.width, box.y + (place.y + v * place.size) * box.height];
    for (const stroke of strokes) {
        const [x0, y0] = at(stroke[0]);
        await page.mouse.move(x0, y0);
        await page.mouse.down();
        for (const p of stroke.slice(1)) {
            const [x, y] = at(p);
            await page.mouse.move(x, y, { steps: 12 });
        }
        await page.mouse.up();
    }
}

// Waits until the page has made a prediction after the last stroke.
async function settledPrediction(page, before) {
    await page.waitForFunction((n) => Number(document.body.dataset.predictions || 0) > n, before);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    return readPrediction(page);
}

async function testDrawing(page, model) {
    await selectModel(page, model);
    await page.check('#preprocess');
    for (const [digit, strokes] of Object.entries(DIGITS)) {
        for (const [where, place] of Object.entries(PLACEMENTS)) {
            await page.click('#clear');
            const before = (await readPrediction(page)).count;
            await drawDigit(page, strokes, place);
            const pred = await settledPrediction(page, before);
            await page.screenshot({ path: path.join(args.out, `draw-${model}-${digit}-${where}.png`), fullPage: true });
            const p = pred.probs[Number(digit)];
            check(pred.digit === digit, `${model}: a ${digit} drawn ${where} is recognised (predicted ${pred.digit}, p=${p.toFixed(3)})`);
        }
    }
    // Without preprocessing the off-centre drawings are seen as they are; reported, not checked.
    await page.uncheck('#preprocess');
    const raw = [];
    for (const [digit, strokes] of Object.entries(DIGITS)) {
        await page.click('#clear');
        const before = (await readPrediction(page)).count;
        await drawDigit(page, strokes, PLACEMENTS['off-centre']);
        raw.push(`${digit}->${(await settledPrediction(page, before)).digit}`);
    }
    console.log(`info ${model}: off-centre without preprocessing: ${raw.join(' ')}`);
    await page.check('#preprocess');
}

// ---- 3. Training -------------------------------------------------------------------------------

async function testTraining(page) {
    await selectModel(page, 'fc');
    await page.click('#clear');
    let before = (await readPrediction(page)).count;
    await drawDigit(page, DIGITS[7], PLACEMENTS.centred);
    const probsBefore = (await settledPrediction(page, before)).probs;

    await page.fill('#train-epochs', '1');
    await page.selectOption('#train-size', '2000');
    const t0 = Date.now();
    await page.click('#train-scratch');
    await page.waitForFunction(() => Number(document.getElementById('train-chart').dataset.points) > 0, null, { timeout: 120000 });
    const pointsEarly = await page.evaluate(() => Number(document.getElementById('train-chart').dataset.points));

    // The page keeps answering while the worker trains: Random gives a new prediction at once.
    const count = (await readPrediction(page)).count;
    const t1 = Date.now();
    await page.click('#random');
    const responsive = (await readPrediction(page)).count > count;
    check(responsive, `page answers a click while training (${Date.now() - t1} ms)`);

    await page.waitForSelector('#epoch-results li', { timeout: 300000 });
    await page.waitForFunction(() => document.body.dataset.training === '0', null, { timeout: 60000 });
    const result = await page.evaluate(() => ({
        points: Number(document.getElementById('train-chart').dataset.points),
        testAccuracy: Number(document.querySelector('#epoch-results li').dataset.testAccuracy),
        text: document.querySelector('#epoch-results li').textContent,
        status: document.getElementById('train-status').textContent,
    }));
    await page.screenshot({ path: path.join(args.out, 'train-done.png'), fullPage: true });
    console.log(`info training: ${result.text}; ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
    check(result.points >= 20 && result.points >= pointsEarly, `training chart has one point per batch (${result.points})`);
    check(result.testAccuracy > 0.6 && result.testAccuracy <= 1, `test accuracy after one short epoch: ${(100 * result.testAccuracy).toFixed(2)}%`);

    // The drawing now goes through the model just trained.
    await page.click('#clear');
    before = (await readPrediction(page)).count;
    await drawDigit(page, DIGITS[7], PLACEMENTS.centred);
    const probsAfter = (await settledPrediction(page, before)).probs;
    const change = Math.max(...probsAfter.map((p, d) => Math.abs(p - probsBefore[d])));
    check(change > 1e-3, `the drawing uses the trained model (probabilities changed by up to ${change.toFixed(3)})`);

    // Continue training on all images and stop it midway: the page keeps the weights it got.
    await page.selectOption('#train-size', '60000');
    const points = result.points;
    await page.click('#train-continue');
    await page.waitForFunction((n) => Number(document.getElementById('train-chart').dataset.points) > n + 2, points, { timeout: 120000 });
    await page.click('#train-stop');
    const stopped = await page.evaluate(() => ({
        training: document.body.dataset.training,
        status: document.getElementById('train-status').textContent,
        scratchEnabled: !document.getElementById('train-scratch').disabled,
    }));
    await page.screenshot({ path: path.join(args.out, 'train-stopped.png'), fullPage: true });
    check(stopped.training === '0' && stopped.scratchEnabled && stopped.status.startsWith('Stopped'), 'Stop ends training');
    const n = (await readPrediction(page)).count;
    await page.click('#random');
    check((await readPrediction(page)).count > n, 'prediction still works after Stop');
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
}

// -------------------------------------------------------------------------------------------------

testPreprocessing();
const server = await startServer();
const browser = await chromium.launch({
    executablePath: args.chromium || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'],
});
try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.setDefaultTimeout(30000);
    await page.goto(`${server.url}?seed=42`);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
    check(await page.evaluate(() => document.body.dataset.ready === '1'), 'page loads the module, both models and the test set');
    check(await page.evaluate(() => self.crossOriginIsolated === true), 'page is served cross-origin isolated');

    for (const model of ['fc', 'cnn']) await testRandomImages(page, model);
    for (const model of ['fc', 'cnn']) await testDrawing(page, model);
    await testTraining(page);
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
