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

    // The pen of the model input, in 28x28 pixels: MNIST's strokes are about 2.5 px wide once the
    // digit fills its 20x20 box, whatever the writer's pen was. Drawings are kept as strokes and
    // rendered again at this width after the fit, so a digit drawn small, narrow or with a thick
    // pen looks to the model like one drawn large.
    const PEN_DIAMETER = 2.5;
    const SUPERSAMPLE = 4;

    // Squared distance from (px, py) to the segment (ax, ay)-(bx, by).
    function segmentDistance2(px, py, ax, ay, bx, by) {
        const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
        t = Math.max(0, Math.min(1, t));
        const ex = px - (ax + t * dx), ey = py - (ay + t * dy);
        return ex * ex + ey * ey;
    }

    // Coverage of each 28x28 pixel by the pen along segments [ax, ay, bx, by] (output pixels),
    // estimated with SUPERSAMPLE^2 samples per pixel.
    function rasterSegments(segments, radius) {
        const out = new Float32Array(HW * HW), r2 = radius * radius, n = SUPERSAMPLE;
        for (const [ax, ay, bx, by] of segments) {
            // only the pixels near this segment
            const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - radius)), x1 = Math.min(HW - 1, Math.floor(Math.max(ax, bx) + radius));
            const y0 = Math.max(0, Math.floor(Math.min(ay, by) - radius)), y1 = Math.min(HW - 1, Math.floor(Math.max(ay, by) + radius));
            for (let y = y0; y <= y1; y++) {
                for (let x = x0; x <= x1; x++) {
                    let hits = 0;
                    for (let j = 0; j < n; j++) {
                        for (let i = 0; i < n; i++) {
                            if (segmentDistance2(x + (i + 0.5) / n, y + (j + 0.5) / n, ax, ay, bx, by) <= r2) hits++;
                        }
                    }
                    // the pen is opaque: a pixel is as covered as its most covered segment sees it
                    // (overlapping strokes do not add up)
                    out[y * HW + x] = Math.max(out[y * HW + x], hits / (n * n));
                }
            }
        }
        return out;
    }

    // Strokes (lists of [x, y] points in any units) to the 28x28 input: the points' bounding box
    // plus the pen fits 20x20 keeping the aspect ratio, and the ink's centre of mass is put at the
    // centre (sub-pixel). Returns zeros for no strokes.
    function strokesToMnist(strokes, penDiameter = PEN_DIAMETER) {
        const pts = strokes.flat();
        if (pts.length === 0) return new Float32Array(HW * HW);
        let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
        for (const [x, y] of pts) {
            x0 = Math.min(x0, x); x1 = Math.max(x1, x);
            y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        }
        const size = Math.max(x1 - x0, y1 - y0);
        const scale = size > 0 ? (BOX - penDiameter) / size : 0;
        const segmentsAt = (ox, oy) => {
            const segs = [];
            const map = ([x, y]) => [ox + (x - (x0 + x1) / 2) * scale, oy + (y - (y0 + y1) / 2) * scale];
            for (const stroke of strokes) {
                if (stroke.length === 0) continue;
                let a = map(stroke[0]);
                if (stroke.length === 1) segs.push([a[0], a[1], a[0], a[1]]);
                for (let k = 1; k < stroke.length; k++) {
                    const b = map(stroke[k]);
                    segs.push([a[0], a[1], b[0], b[1]]);
                    a = b;
                }
            }
            return segs;
        };
        // First centred by the box, then shifted so that the centre of mass is the centre.
        const first = rasterSegments(segmentsAt(HW / 2, HW / 2), penDiameter / 2);
        let mass = 0, mx = 0, my = 0;
        for (let y = 0; y < HW; y++) {
            for (let x = 0; x < HW; x++) {
                const v = first[y * HW + x];
                mass += v; mx += v * (x + 0.5); my += v * (y + 0.5);
            }
        }
        if (mass <= 0) return first;
        return rasterSegments(segmentsAt(HW / 2 + HW / 2 - mx / mass, HW / 2 + HW / 2 - my / mass), penDiameter / 2);
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
        HW, axisWeights, resizeArea, rgbaToGray, boundingBox, downsample, mnistPreprocess, strokesToMnist,
        PEN_DIAMETER, fetchGunzip, copyToHeap,
        setDataset,
    };
    if (typeof module !== 'undefined' && module.exports) module.exports = api;
    else root.MnistPre = api;
})(typeof self !== 'undefined' ? self : this);
