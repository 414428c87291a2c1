// Training speed of the web demo in headless chromium: serves one or more copies of the page
// (examples/mnist/web by default) with scripts/serve-web.py and times one training epoch per
// model through the page's own controls, as a visitor would start it. Pages given together are
// measured alternately in the same run, so that a before/after comparison sees the same load.
//
//   node web-bench.mjs [--dir WEB_DIR[,WEB_DIR2...]] [--threads auto|N] [--fc N_IMAGES] [--cnn N_IMAGES]
//                      [--rounds R] [--chromium PATH]
//   -> "DIR fc n=60000 threads=T: S s (S' s per 60000)" per model, round and page
//
// --threads auto (default) lets the page choose; N adds ?threads=N to its address.

import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const args = { dir: path.resolve(HERE, '..'), threads: 'auto', fc: '60000', cnn: '60000', rounds: '1', chromium: '/usr/bin/chromium' };
for (let i = 2; i < process.argv.length; i += 2) {
    const key = process.argv[i].replace(/^--/, '');
    if (!(key in args) || process.argv[i + 1] === undefined) {
        console.error('usage: node web-bench.mjs [--dir DIR[,DIR2]] [--threads auto|N] [--fc N] [--cnn N] [--rounds R] [--chromium PATH]');
        process.exit(1);
    }
    args[key] = process.argv[i + 1];
}

// One epoch on n images through the page's controls; returns the seconds the worker measured.
async function epochSeconds(page, model, n) {
    await page.selectOption('#train-model', model);
    await page.selectOption('#train-size', String(n));
    await page.fill('#train-epochs', '1');
    await page.click('#train-scratch');
    // Polled every 100 ms: polling at every animation frame (playwright's default) kept the page's
    // main thread busy, on a core the training threads need.
    await page.waitForFunction(() => document.body.dataset.training === '0', null, { timeout: 900000, polling: 100 });
    return page.evaluate(() => {
        const li = [...document.querySelectorAll('#epoch-results li')].pop();
        return { seconds: li ? Number(li.dataset.seconds) : NaN, threads: document.body.dataset.trainThreads,
                 status: document.getElementById('train-status').textContent };
    });
}

const dirs = args.dir.split(',').map((d) => path.resolve(d));
const servers = [];
const browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: ['--no-sandbox'] });
let rc = 0;
try {
    const pages = [];
    for (const dir of dirs) {
        const server = await startServer(dir);
        servers.push(server);
        const page = await browser.newPage();
        const query = args.threads === 'auto' ? '' : `?threads=${args.threads}`;
        await page.goto(server.url + query);
        await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 120000 });
        pages.push({ dir, page });
    }
    for (let round = 1; round <= Number(args.rounds); round++) {
        for (const [model, n] of [['fc', Number(args.fc)], ['cnn', Number(args.cnn)]]) {
            if (!n) continue;
            for (const { dir, page } of pages) {
                const r = await epochSeconds(page, model, n);
                if (!Number.isFinite(r.seconds)) {
                    console.log(`${dir} ${model}: no epoch finished (${r.status})`);
                    rc = 1;
                    continue;
                }
                console.log(`${dir} ${model} n=${n} threads=${r.threads}: ${r.seconds.toFixed(2)} s ` +
                            `(${(r.seconds * 60000 / n).toFixed(2)} s per 60000)`);
            }
        }
    }
} finally {
    await browser.close();
    for (const s of servers) s.proc.kill();
}
process.exit(rc);
