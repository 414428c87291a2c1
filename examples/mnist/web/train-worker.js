// Trains the FC model with the WebAssembly module, away from the page's thread. Messages in:
//   { cmd: 'train', init: Uint8Array|null (GGUF to continue from), epochs, nTrain, batch, seed }
// Messages out: status, batch (loss/accuracy so far), snapshot and epoch (GGUF bytes), done, error.
// Stopping is done by the page terminating this worker; it keeps the last weights it received.

importScripts('preprocess.js', 'mnist-web.js');

let modulePromise = null;
let dataLoaded = false;

async function loadModule() {
    if (!modulePromise) {
        modulePromise = createMnistModule({
            print: (text) => console.log(text),
            printErr: (text) => console.log(text),
        });
    }
    return modulePromise;
}

async function loadData(M) {
    if (dataLoaded) return;
    postMessage({ type: 'status', text: 'Loading the MNIST training set...' });
    const [ti, tl, vi, vl] = await Promise.all([
        'data/train-images-idx3-ubyte.gz', 'data/train-labels-idx1-ubyte.gz',
        'data/t10k-images-idx3-ubyte.gz', 'data/t10k-labels-idx1-ubyte.gz',
    ].map(MnistPre.fetchGunzip));
    MnistPre.setDataset(M, '_web_set_train_set', ti, tl);
    MnistPre.setDataset(M, '_web_set_test_set', vi, vl);
    dataLoaded = true;
}

function savedModel(M) {
    const ptr = M._web_train_save();
    if (!ptr) throw new Error(M.UTF8ToString(M._web_last_error()));
    return M.HEAPU8.slice(ptr, ptr + M._web_train_saved_size());
}

async function train(msg) {
    const M = await loadModule();
    await loadData(M);

    const batch = msg.batch;
    const physical = Math.min(batch, 500);
    let epoch = 0;
    M.onBatch = (isTrain, ibatch, nbatch, loss, accuracy) => {
        postMessage({ type: 'batch', train: isTrain, epoch, ibatch, nbatch, loss, accuracy });
    };
    M.onSnapshot = (bytes) => postMessage({ type: 'snapshot', epoch, bytes }, [bytes.buffer]);

    const init = msg.init ? MnistPre.copyToHeap(M, msg.init) : 0;
    // A snapshot about every 5000 images, aligned to optimizer steps.
    const snapshotEvery = Math.max(1, Math.round(5000 / batch)) * (batch / physical);
    const rc = M._web_train_start(msg.nTrain, init, msg.init ? msg.init.length : 0, batch, physical,
                                  msg.seed >>> 0, snapshotEvery);
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
            type: 'epoch', epoch, seconds, bytes, testAccuracy,
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
