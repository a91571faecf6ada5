// Builds the viewer into src/pypacs/web/static/viewer/ (`make viewer`; `node build.mjs [--sourcemap]`).
//
// What comes out, all served same-origin by `pypacs serve` under /viewer-assets/ (no CDN, nothing at run time
// from elsewhere):
//   browser.html, reading.html      the pages, naming the hashed bundles; the server fills in {{assets}} and
//                                   {{dicomweb_root}} (served with no-cache)
//   browser-HASH.js, reading-HASH.js, style-HASH.css, chunk-HASH.js
//                                   the application, ES modules split into shared chunks (cached for a year)
//   decodeImageFrameWorker.js       the DICOM image loader's decoding worker: the loader starts it as
//                                   new URL("./decodeImageFrameWorker.js", import.meta.url), so it keeps that
//                                   name and sits next to the chunks (served with no-cache)
//   codecs-HASH/*.wasm              the WebAssembly decoders (JPEG, JPEG-LS, JPEG 2000, HTJ2K, JPEG XL), found
//                                   through the loader's `wasmBasePath` option (cached for a year)
//   manifest.json                   what was built, from which lockfile
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "pypacs", "web", "static", "viewer");
const require = createRequire(import.meta.url);
const sourcemap = process.argv.includes("--sourcemap");

// The decoders' WebAssembly, by the file name the loader asks for (shared/decoders/*.js), found through each
// codec package's exports.
const CODECS = {
  "charlswasm_decode.wasm": "@cornerstonejs/codec-charls/decodewasm",
  "libjpegturbowasm_decode.wasm": "@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm",
  "openjpegwasm_decode.wasm": "@cornerstonejs/codec-openjpeg/decodewasm",
  "openjphjs.wasm": "@cornerstonejs/codec-openjph/wasm",
  "jpegxlwasm_decode.wasm": "@cornerstonejs/codec-libjxl/decodewasm",
};

// Node built-ins that some dependencies name in code only Node runs (Emscripten's file loading, vtk.js's XML
// mesh readers): empty modules in the browser, as webpack's `resolve.fallback: {fs: false}` does for
// Cornerstone's own examples. `events` needs a class to extend.
const NODE_ONLY = /^(node:)?(fs|path|url|events|crypto|module|worker_threads)$/;
const nodeOnlyModules = {
  name: "node-only-modules",
  setup(build) {
    build.onResolve({ filter: NODE_ONLY }, (args) => ({ path: args.path.replace(/^node:/, ""), namespace: "node-only" }));
    build.onLoad({ filter: /.*/, namespace: "node-only" }, (args) => ({
      contents: args.path === "events" ? "module.exports = { EventEmitter: class EventEmitter {} };" : "module.exports = {};",
      loader: "js",
    }));
  },
};

const common = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome110", "firefox115", "safari16"],
  minify: true,
  sourcemap: sourcemap ? "linked" : false,
  legalComments: "linked",
  logLevel: "warning",
  plugins: [nodeOnlyModules],
};

function codecFolder() {
  const hash = createHash("sha256");
  const files = Object.entries(CODECS).map(([name, specifier]) => [name, require.resolve(specifier)]);
  for (const [name, path] of files) {
    hash.update(name).update(readFileSync(path));
  }
  const folder = `codecs-${hash.digest("hex").slice(0, 8).toUpperCase()}`;
  mkdirSync(join(out, folder), { recursive: true });
  for (const [name, path] of files) {
    copyFileSync(path, join(out, folder, name));
  }
  return folder;
}

async function buildApplication(codecs) {
  const entryPoints = {
    "browser.js": join("src", "browser", "main.ts"),
    "reading.js": join("src", "reading", "main.ts"),
    "volume.js": join("src", "volume", "main.ts"),
    "style.css": join("src", "style.css"),
  };
  const result = await esbuild.build({
    ...common,
    absWorkingDir: here,
    entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([name, path]) => [name.split(".")[0], path])),
    splitting: true,
    outdir: out,
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    assetNames: "[name]-[hash]",
    metafile: true,
    define: { __CODECS_FOLDER__: JSON.stringify(codecs) },
  });
  // Each named entry's hashed output (dynamic imports are entries too in the metafile, but not ours to name).
  const entries = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    const name = Object.keys(entryPoints).find((key) => entryPoints[key] === output.entryPoint);
    if (name) entries[name] = relative(out, join(here, file));
  }
  return entries;
}

// The loader's worker module is not among the package's exports: it is the file next to its own init.js, which
// starts it (dist/esm/decodeImageFrameWorker.js).
function decodeWorkerSource() {
  return join(dirname(require.resolve("@cornerstonejs/dicom-image-loader/package.json")), "dist", "esm", "decodeImageFrameWorker.js");
}

async function buildDecodeWorker() {
  await esbuild.build({
    ...common,
    entryPoints: { decodeImageFrameWorker: decodeWorkerSource() },
    outdir: out,
    entryNames: "[name]",
  });
}

function writePage(name, entries) {
  let page = readFileSync(join(here, "pages", `${name}.html`), "utf8");
  page = page.replace(/\{\{entry:([\w.]+)\}\}/g, (_, entry) => {
    if (!entries[entry]) throw new Error(`pages/${name}.html names ${entry}, which the build did not make`);
    return `{{assets}}/${entries[entry]}`;
  });
  writeFileSync(join(out, `${name}.html`), page);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const codecs = codecFolder();
const entries = await buildApplication(codecs);
await buildDecodeWorker();
for (const page of ["browser", "reading", "volume"]) writePage(page, entries);
const lockfile = createHash("sha256").update(readFileSync(join(here, "package-lock.json"))).digest("hex");
writeFileSync(join(out, "manifest.json"), JSON.stringify({ entries, codecs, lockfile }, null, 2) + "\n");
console.log(`viewer built into ${relative(process.cwd(), out) || "."}: ${Object.values(entries).join(", ")}`);
