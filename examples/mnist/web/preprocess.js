// Turning a drawing into a 28x28 model input, the way MNIST digits were made: crop to the
// bounding box of the ink, scale it to fit 20x20 keeping the aspect ratio, and place it in the
// 28x28 image so that its centre of mass is at the centre. Pixel values are in [0, 1].
// Works in the page, in a worker and under Node (module.exports) for testing.

(function (root) {
    'use strict';

    const HW = 28;
    const BOX = 20;
    const INK_THRESHOLD = 0.02;

    // For each output cell of an axis, the source pixels it covers and their coverage weights,
    // when the source interval [start, start + length) is shrunk or stretched to n cells.
    function axisWeights(start, length, n) {
        const cells = [];
        const step = length / n;
        for (let i = 0; i < n; i++) {
            const a = start + i * step, b = a + step;
            const first = Math.floor(a), weights = [];
            for (let p = first; p < b; p++) {
                const w = Math.min(b, p + 1) - Math.max(a, p);
                if (w > 0) weights.push([p, w / step]);
            }
            cells.push(weights);
        }
        return cells;
    }

    // Area-averaging resample of the rectangle (x0, y0, w, h) of a gray image to dw x dh.
    function resizeArea(src, sw, sh, x0, y0, w, h, dw, dh) {
        const cx = axisWeights(x0, w, dw), cy = axisWeights(y0, h, dh);
        const out = new Float32Array(dw * dh);
        for (let j = 0; j < dh; j++) {
            for (let i = 0; i < dw; i++) {
                let v = 0;
                for (const [y, wy] of cy[j]) {
                    if (y < 0 || y >= sh) continue;
                    for (const [x, wx] of cx[i]) {
                        if (x >= 0 && x < sw) v += src[y * sw + x] * wx * wy;
                    }
                }
                out[j * dw + i] = Math.min(1, v);
            }
        }
        return out;
    }

    // RGBA pixels (white ink on black) to gray values in [0, 1].
    function rgbaToGray(rgba, w, h) {
        const gray = new Float32Array(w * h);
        for (let i = 0; i < w * h; i++) gray[i] = rgba[4 * i] / 255;
        return gray;
    }

    function boundingBox(gray, w, h) {
        let x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (let y = 0; y < h; y++) {
            for (let x = 0; x < w; x++) {
                if (gray[y * w + x] > INK_THRESHOLD) {
                    if (x < x0) x0 = x;
                    if (x > x1) x1 = x;
                    if (y < y0) y0 = y;
                    if (y > y1) y1 = y;
                }
            }
        }
        return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
    }

    // The whole drawing shrunk to 28x28, as a model without preprocessing would see it.
    function downsample(gray, w, h) {
        return resizeArea(gray, w, h, 0, 0, w, h, HW, HW);
    }

    function mnistPreprocess(gray, w, h) {
        const out = new Float32Array(HW * HW);
        const box = boundingBox(gray, w, h);
        if (!box) return out;
        const scale = BOX / Math.max(box.w, box.h);
        const dw = Math.max(1, Math.round(box.w * scale));
        const dh = Math.max(1, Math.round(box.h * scale));
        const digit = resizeArea(gray, w, h, box.x, box.y, box.w, box.h, dw, dh);

        let mass = 0, mx = 0, my = 0;
        for (let y = 0; y < dh; y++) {
            for (let x = 0; x < dw; x++) {
                const v = digit[y * dw + x];
                mass += v;
                mx += v * (x + 0.5);
                my += v * (y + 0.5);
            }
        }
        if (mass <= 0) return out;
        const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
        const ox = clamp(Math.round(HW / 2 - mx / mass), 0, HW - dw);
        const oy = clamp(Math.round(HW / 2 - my / mass), 0, HW - dh);
        for (let y = 0; y < dh; y++) {
            for (let x = 0; x < dw; x++) out[(y + oy) * HW + x + ox] = digit[y * dw + x];
        }
        return out;
    }

    // Fetches a gzip-compressed file and returns its uncompressed bytes.
    async function fetchGunzip(url) {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
        const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
        return new Uint8Array(await new Response(stream).arrayBuffer());
    }

    // Copies bytes into the module's memory; the caller frees the returned pointer.
    function copyToHeap(module, bytes) {
        const ptr = module._malloc(Math.max(1, bytes.length));
        module.HEAPU8.set(bytes, ptr);
        return ptr;
    }

    // Hands an IDX image file and label file to the module's setter fn ('_web_set_train_set' or
    // '_web_set_test_set'); returns the number of images, throwing the module's error on failure.
    function setDataset(module, fn, images, labels) {
        const pi = copyToHeap(module, images), pl = copyToHeap(module, labels);
        const n = module[fn](pi, images.length, pl, labels.length);
        module._free(pi);
        module._free(pl);
        if (n < 0) throw new Error(module.UTF8ToString(module._web_last_error()));
        return n;
    }

    const api = {
        HW, axisWeights, resizeArea, rgbaToGray, boundingBox, downsample, mnistPreprocess, fetchGunzip, copyToHeap,
        setDataset,
    };
    if (typeof module !== 'undefined' && module.exports) module.exports = api;
    else root.MnistPre = api;
})(typeof self !== 'undefined' ? self : this);
