// Builds a plotly.js partial bundle the way plotly.js builds its own dist/plotly-<name>.min.js
// (its `npm run custom-bundle`, which is not in the npm package): esbuild IIFE with the global
// `Plotly`, the same esbuild options and plugins, attribute meta (descriptions) stripped, a UMD
// wrapper setting window.Plotly, and the licence header naming the bundle.
//   node build.mjs OUT.min.js TRACE[,TRACE...] [NAME]
// `scatter` is always in (plotly's core); the `calendars` component is in, as in every official bundle.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { environmentPlugin } from 'esbuild-plugin-environment';
import { glsl } from 'esbuild-plugin-glsl';
import crypto from 'node:crypto';

const require = createRequire(import.meta.url);

const [out, traceArg, name = 'custom'] = process.argv.slice(2);
if (!out || !traceArg) {
    console.error('usage: node build.mjs OUT.min.js TRACE[,TRACE...] [NAME]');
    process.exit(2);
}
const plotlyDir = path.dirname(require.resolve('plotly.js/package.json'));
const libDir = path.join(plotlyDir, 'lib');
const version = JSON.parse(fs.readFileSync(path.join(plotlyDir, 'package.json'), 'utf8')).version;

// The entry is plotly's lib/index.js with the requires of every other trace removed (what
// custom-bundle does), so registration order stays plotly's own.
const wanted = new Set(traceArg.split(',').map((t) => t.trim()).filter(Boolean).concat(['calendars']));
const index = fs.readFileSync(path.join(libDir, 'index.js'), 'utf8');
const registered = [...index.matchAll(/require\('\.\/([a-z0-9]+)'\)/g)].map((m) => m[1]).filter((m) => m !== 'core');
for (const t of wanted) {
    if (t !== 'scatter' && !registered.includes(t)) throw new Error(`${t} is not a plotly.js ${version} trace`);
}
const entry = index.replace(/\s*require\('\.\/([a-z0-9]+)'\),/g, (line, mod) => (wanted.has(mod) ? line : ''));

// Attribute meta that only documents the schema (plotly strips the same keys from its dist bundles).
const META_KEYS = ['description', 'requiredOpts', 'otherOpts', 'role', 'hrName'];
const metaPatterns = [];
for (const key of META_KEYS) {
    metaPatterns.push(new RegExp(`\\s*${key}: '.*',?`, 'g'));                              // key: '...'
    metaPatterns.push(new RegExp(`\\s*${key}: \\[[\\s\\S]*?\\]\\.join\\([\\s\\S]*?\\),?`, 'g'));  // key: [...].join(...)
    metaPatterns.push(new RegExp(`\\s*${key}: \\[[\\s\\S]*?\\],?`, 'g'));                  // key: [...]
}
const stripMeta = {
    name: 'strip-attribute-meta',
    setup(b) {
        b.onLoad({ filter: /\.js$/ }, async (args) => {
            let code = await fs.promises.readFile(args.path, 'utf8');
            for (const re of metaPatterns) code = code.replace(re, '');
            return { contents: code, loader: 'js' };
        });
    },
};

// The only stylesheet plotly.js requires is maplibre-gl's (83 KB), and only when a trace drawn on a `map`
// subplot is registered (src/registry.js). plotly inlines it with esbuild-plugin-inline-css, whose style id
// is a hash of the file's absolute path (a different bundle in every build directory); here it is the same
// injection with an id from the path inside node_modules, and an empty module when no map trace is in.
const MAP_TRACES = ['scattermap', 'choroplethmap', 'densitymap'];
const withMap = MAP_TRACES.some((t) => wanted.has(t));
const inlineCss = {
    name: 'inline-css',
    setup(b) {
        b.onLoad({ filter: /\.css$/ }, async (args) => {
            if (!withMap) return { contents: '', loader: 'js' };
            const css = await fs.promises.readFile(args.path, 'utf8');
            const id = crypto.createHash('sha256').update(args.path.slice(args.path.lastIndexOf('node_modules/'))).digest('hex');
            return {
                contents: `(function(){if(!document.getElementById(${JSON.stringify(id)})){var e=document.createElement('style');` +
                    `e.id=${JSON.stringify(id)};e.textContent=${JSON.stringify(css)};document.head.appendChild(e);}})();`,
                loader: 'js',
            };
        });
    },
};

const result = await build({
    stdin: { contents: entry, resolveDir: libDir, sourcefile: `index-${name}.js`, loader: 'js' },
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    write: false,
    outfile: out,
    plugins: [inlineCss, glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false }), stripMeta],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'warning',
});
const js = result.outputFiles.find((f) => f.path.endsWith('.js')).text;
const header = ['/**', `* plotly.js (${name} - minified) v${version}`, '* Copyright 2012-2026, Plotly, Inc.',
    '* All rights reserved.', '* Licensed under the MIT license', '*/', ''].join('\n');
const umdHead = ['(', ' function(root, factory) {', '  if (typeof module === "object" && module.exports) {',
    '   module.exports = factory();', '  } else {', '   root.moduleName = factory();', '  }',
    '} (typeof self !== "undefined" ? self : this, () => {', ''].join('\n');
const umdTail = ['', 'window.Plotly = Plotly;', 'return Plotly;', '}));'].join('\n');
fs.writeFileSync(out, header + umdHead + js + umdTail);
console.log(`${out}: ${fs.statSync(out).size} bytes, traces ${[...wanted].filter((t) => t !== 'calendars').join(',')} + calendars`);
