// Builds a plotly.js partial bundle the way plotly.js builds its own dist/plotly-<name>.min.js
// (its `npm run custom-bundle`, which is not in the npm package): esbuild IIFE with the global
// `Plotly`, the same esbuild options and plugins, attribute meta (descriptions) stripped, a UMD
// wrapper setting window.Plotly, and the licence header naming the bundle.
//   node build.mjs OUT.min.js TRACE[,TRACE...] [NAME]
// `scatter` is always in (plotly's core). Unlike plotly's own bundles, the `calendars` component and those
// of CORE_LEFT_OUT are not: see there.
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
// custom-bundle does), so registration order stays plotly's own; the `calendars` component is removed
// with them.
const wanted = new Set(traceArg.split(',').map((t) => t.trim()).filter(Boolean));
const index = fs.readFileSync(path.join(libDir, 'index.js'), 'utf8');
const registered = [...index.matchAll(/require\('\.\/([a-z0-9]+)'\)/g)].map((m) => m[1]).filter((m) => m !== 'core');
for (const t of wanted) {
    if (t !== 'scatter' && !registered.includes(t)) throw new Error(`${t} is not a plotly.js ${version} trace`);
}
const entry = index.replace(/\s*require\('\.\/([a-z0-9]+)'\),/g, (line, mod) => (wanted.has(mod) ? line : ''));

// Components every plotly.js bundle registers that no chart of the app uses are left out: `calendars`
// (world calendars; the entry drops it with the traces not wanted: the app's dates are all gregorian) and
// CORE_LEFT_OUT, registered by src/core.js: `annotations3d` (3-D scenes), `images`, `updatemenus`,
// `sliders`, `rangeslider`, `rangeselector`, `errorbars` (error_x / error_y). Registering a component
// merges its attributes into plotly's schema when the bundle is evaluated: without them, and without the
// modules' own set-up, the bundle's evaluation on a first visit takes ~12% less main-thread CPU (Chromium's
// EvaluateScript), and the charts draw pixel for pixel the same (assets/VENDORED.md). plotly's code reaches
// these only through Registry.getComponentMethod, a no-op for a component not registered, so the keys that
// would use one are ignored (tests/unit/test_plotly_bundle.py checks the app sets none of them).
// `selections`, `shapes`, `annotations`, `grid`, `colorscale`, `colorbar`, `legend`, `fx` and `modebar`
// stay: the charts use them, or plotly's cartesian code requires them anyway.
const CORE_LEFT_OUT = ['annotations3d', 'images', 'updatemenus', 'sliders', 'rangeslider', 'rangeselector', 'errorbars'];
const coreJs = path.join(plotlyDir, 'src', 'core.js');
function withoutLeftOutComponents(code) {
    for (const c of CORE_LEFT_OUT) {
        const kept = code;
        code = code.replace(new RegExp(`\\s*require\\('\\./components/${c}'\\),`), '');
        if (code === kept) throw new Error(`src/core.js of plotly.js ${version} does not register ${c}`);
    }
    return code;
}

// Attribute meta that only documents the schema (plotly strips the same keys from its dist bundles).
const META_KEYS = ['description', 'requiredOpts', 'otherOpts', 'role', 'hrName'];
const metaPatterns = [];
for (const key of META_KEYS) {
    metaPatterns.push(new RegExp(`\\s*${key}: '.*',?`, 'g'));                              // key: '...'
    metaPatterns.push(new RegExp(`\\s*${key}: \\[[\\s\\S]*?\\]\\.join\\([\\s\\S]*?\\),?`, 'g'));  // key: [...].join(...)
    metaPatterns.push(new RegExp(`\\s*${key}: \\[[\\s\\S]*?\\],?`, 'g'));                  // key: [...]
}
const stripMeta = {     // and CORE_LEFT_OUT unregistered
    name: 'strip-attribute-meta',
    setup(b) {
        b.onLoad({ filter: /\.js$/ }, async (args) => {
            let code = await fs.promises.readFile(args.path, 'utf8');
            if (args.path === coreJs) code = withoutLeftOutComponents(code);
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
console.log(`${out}: ${fs.statSync(out).size} bytes, traces ${[...wanted].join(',')}, without calendars,${CORE_LEFT_OUT.join(',')}`);
