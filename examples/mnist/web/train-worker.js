// Trains the FC or CNN model with the WebAssembly module, away from the page's thread. One
// worker per run. Messages in:
//   { cmd: 'train', arch: 0 (FC) | 1 (CNN), init: Uint8Array|null (GGUF to continue from), epochs,
//     nTrain, batch, physical, seed, maxThreads (1: the single-threaded module), images, labels,
//     testImages, testLabels (IDX bytes) }
// Messages out: status, info (threads), batch (loss/accuracy so far), snapshot and epoch (GGUF
// bytes), done, error. Stopping is done by the page terminating this worker; it keeps the last
// weights it received.
//
// On a cross-origin isolated page the threaded module (mnist-web-mt.js, pthreads) is used with
// one thread per CPU (navigator.hardwareConcurrency, at most 8), or ?threads=N on the page's
// address; otherwise, or when it cannot start, the single-threaded one.

importScripts('preprocess.js');

const MAX_THREADS = 8;

// maxThreads: 0 picks by the machine (one thread per CPU); N > 0 asks for N. Either needs the
// threaded module, so a page that is not cross-origin isolated trains on one thread. The module
// starts one pool worker per CPU (at most 8, PTHREAD_POOL_SIZE in CMakeLists.txt) and training
// runs on this worker's thread plus pool workers, so N is capped at one more than the pool.
function threadCount(maxThreads) {
    if (!self.crossOriginIsolated || typeof SharedArrayBuffer !== 'function') return 1;
    const cpus = Math.max(1, Math.min(MAX_THREADS, navigator.hardwareConcurrency || 1));
    return maxThreads > 0 ? Math.min(maxThreads, cpus + 1) : cpus;
}

async function loadModule(maxThreads) {
    const options = { print: (text) => console.log(text), printErr: (text) => console.log(text) };
    const threads = threadCount(maxThreads);
    if (threads > 1) {
        try {
            importScripts('mnist-web-mt.js');
            // The pool's threads load the module's script by this address (a worker has no
            // document.currentScript to find it).
            const M = await createMnistModule({ ...options, mainScriptUrlOrBlob: new URL('mnist-web-mt.js', self.location.href).href });
            return { M, threads };
        } catch (err) {
            console.log(`threaded module unavailable (${err.message || err}); using one thread`);
        }
    }
    importScripts('mnist-web.js');
    return { M: await createMnistModule(options), threads: 1 };
}

function savedModel(M) {
    const ptr = M._web_train_save();
    if (!ptr) throw new Error(M.UTF8ToString(M._web_last_error()));
    return M.HEAPU8.slice(ptr, ptr + M._web_train_saved_size());
}

async function train(msg) {
    postMessage({ type: 'status', text: 'Starting the training module...' });
    const { M, threads } = await loadModule(msg.maxThreads);
    postMessage({ type: 'info', threads });
    postMessage({ type: 'status', text: 'Preparing the training set...' });
    MnistPre.setDataset(M, '_web_set_train_set', msg.images, msg.labels);
    MnistPre.setDataset(M, '_web_set_test_set', msg.testImages, msg.testLabels);

    const batch = msg.batch, physical = msg.physical;
    let epoch = 0;
    M.onBatch = (isTrain, ibatch, nbatch, loss, accuracy) => {
        postMessage({ type: 'batch', train: isTrain, epoch, ibatch, nbatch, loss, accuracy });
    };
    M.onSnapshot = (bytes) => postMessage({ type: 'snapshot', epoch, bytes }, [bytes.buffer]);

    const init = msg.init ? MnistPre.copyToHeap(M, msg.init) : 0;
    // A snapshot about every 5000 images, aligned to optimizer steps (after the first, at
    // most one a second: mnist-web.cpp).
    const snapshotEvery = Math.max(1, Math.round(5000 / batch)) * (batch / physical);
    const rc = M._web_train_start(msg.arch, msg.nTrain, init, msg.init ? msg.init.length : 0, batch, physical,
                                  threads, msg.seed >>> 0, snapshotEvery);
    if (init) M._free(init);
    if (rc < 0) throw new Error(M.UTF8ToString(M._web_last_error()));

    for (epoch = 1; epoch <= msg.epochs; epoch++) {
        postMessage({ type: 'status', text: `Training epoch ${epoch}/${msg.epochs} on ${msg.nTrain} images...` });
        const t0 = performance.now();
        M._web_train_epoch();
        const seconds = (performance.now() - t0) / 1000;
        postMessage({ type: 'status', text: `Epoch ${epoch}: measuring test accuracy on 10000 images...` });
        const testAccuracy = M._web_train_test_accuracy(10000);
        const bytes = savedModel(M);
        postMessage({
            type: 'epoch', epoch, seconds, bytes, testAccuracy, threads,
            loss: M._web_train_epoch_loss(), accuracy: M._web_train_epoch_accuracy(),
        }, [bytes.buffer]);
    }
    postMessage({ type: 'done' });
}

onmessage = (e) => {
    if (e.data.cmd === 'train') {
        train(e.data).catch((err) => postMessage({ type: 'error', text: String(err && err.message || err) }));
    }
};
