// Writes FILE.gz beside every text file of the build output (gzip level 9, via Node's zlib),
// which governor serves when the request accepts gzip, and prints the JavaScript a first load
// of /ui/ fetches: every script index.html references, raw and gzip-compressed.
import { gzipSync } from 'node:zlib';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: compress.mjs DIST_DIR');
const compressible = /\.(html|js|mjs|css|svg|json|txt|map)$/;

function walk(d) {
  return readdirSync(d).flatMap((name) => {
    const p = path.join(d, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

for (const file of walk(dir)) {
  if (!compressible.test(file)) continue;
  writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
}

const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
const scripts = [...html.matchAll(/(?:src|href)="\/ui\/([^"]+\.js)"/g)].map((m) => m[1]);
let raw = 0;
let gz = 0;
for (const s of scripts) {
  raw += statSync(path.join(dir, s)).size;
  gz += statSync(path.join(dir, `${s}.gz`)).size;
}
console.log(`first load of /ui/: ${scripts.length} script(s), ${raw} bytes of JavaScript, ${gz} bytes gzip-compressed`);
if (gz > 200 * 1024) {
  console.error('the first load exceeds 200 kB of compressed JavaScript');
  process.exit(1);
}
