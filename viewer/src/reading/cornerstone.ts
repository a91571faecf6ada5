// Cornerstone3D set up once for the reading page: the core, the DICOM image loader (its decoding workers and
// WebAssembly codecs from the bundle's folder, frames falling back to server decoding), the tools and one
// rendering engine for every viewport.

import { RenderingEngine, getRenderingCapabilities, init as initCore, setUseCPURendering } from "@cornerstonejs/core";
import { init as initLoader } from "@cornerstonejs/dicom-image-loader";
import {
  AngleTool,
  ArrowAnnotateTool,
  EllipticalROITool,
  LabelTool,
  LengthTool,
  PanTool,
  PlanarFreehandROITool,
  RectangleROITool,
  ReferenceLinesTool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
  addTool,
  init as initTools,
} from "@cornerstonejs/tools";
import { registerFrameLoader, requestHeaders } from "./frame-fallback";

/** The folder of the WebAssembly decoders next to the bundle, named by the build (build.mjs). */
declare const __CODECS_FOLDER__: string;

export const ENGINE_ID = "pypacs-reading";

let engine: RenderingEngine | undefined;

/** Whether to draw on the CPU: `?renderer=cpu|gpu` when asked; otherwise on the CPU when the browser has no WebGL
 * or its WebGL is a software rasterizer (SwiftShader, llvmpipe: no GPU). There Cornerstone's CPU path draws a
 * 512 × 512 CT about four times faster than its WebGL path (~46 scroll / 52 W/L frames/s against ~12). */
function drawOnCpu(): boolean {
  const asked = new URLSearchParams(location.search).get("renderer");
  if (asked === "cpu" || asked === "gpu") return asked === "cpu";
  const capabilities = getRenderingCapabilities();
  return !capabilities.webgl || capabilities.softwareRasterizer;
}

/** The page's one rendering engine, Cornerstone started on first use. */
export function renderingEngine(): RenderingEngine {
  if (engine) return engine;
  initCore();
  const cpu = drawOnCpu();
  setUseCPURendering(cpu, false);
  document.documentElement.dataset.renderer = cpu ? "cpu" : "gpu";
  initLoader({
    maxWebWorkers: Math.max(1, Math.min(4, Math.floor((navigator.hardwareConcurrency || 2) / 2))),
    wasmBasePath: new URL(`./${__CODECS_FOLDER__}/`, import.meta.url).href,
    beforeSend: (_xhr, imageId) => requestHeaders(imageId),
  });
  registerFrameLoader();
  // The image loader leaves some of its internal promises of a failed frame request unhandled (rejected with the
  // XMLHttpRequest). The failure itself reaches the viewport (IMAGE_LOAD_FAILED), which says what went wrong.
  window.addEventListener("unhandledrejection", (event) => {
    if (event.reason instanceof XMLHttpRequest) event.preventDefault();
  });
  initTools();
  for (const tool of [
    StackScrollTool, WindowLevelTool, PanTool, ZoomTool, LengthTool, AngleTool, EllipticalROITool,
    RectangleROITool, PlanarFreehandROITool, ArrowAnnotateTool, LabelTool, ReferenceLinesTool,
  ]) {
    addTool(tool);
  }
  engine = new RenderingEngine(ENGINE_ID);
  return engine;
}
