// Vite builds the UI into one content-hashed script and stylesheet that the
// binary embeds (cmake/embed_web.cmake). No inline script anywhere: the
// server's Content-Security-Policy forbids it, so the module-preload polyfill
// (which Vite would inline) is off; every supported browser has modulepreload.
import { defineConfig } from "vite";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    target: "es2022",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
