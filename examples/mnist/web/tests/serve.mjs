// Starts scripts/serve-web.py on a free port for the browser test and the benchmark.
//
//   const { proc, url } = await startServer(WEB_DIR, ['--no-isolation']);  // ... proc.kill()

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

// Resolves once the server prints its address ("serving DIR at http://HOST:PORT/").
export function startServer(dir, extra = []) {
    return new Promise((resolve, reject) => {
        const proc = spawn('python3', [path.join(ROOT, 'scripts/serve-web.py'), '--port', '0', '--dir', dir, ...extra],
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
