// One Cornerstone3D stack viewport: a series' images from WADO-RS (metadata, then frames as stored, decoded in
// the browser by the DICOM image loader's workers and WebAssembly codecs), with scroll (wheel), window (left
// drag), pan (middle drag) and zoom (right drag). Loaded only by the reading page, on first use.

import { Enums, RenderingEngine, init as initCore, utilities, type Types } from "@cornerstonejs/core";
import { init as initLoader, wadors } from "@cornerstonejs/dicom-image-loader";
import {
  Enums as ToolEnums,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  addTool,
  init as initTools,
} from "@cornerstonejs/tools";
import type { DicomWebClient } from "../dicomweb/client";
import { Tag, number, text, type DicomJson } from "../dicomweb/json";
import type { SeriesSummary } from "../series/series";

/** The folder of the WebAssembly decoders next to the bundle, named by the build (build.mjs). */
declare const __CODECS_FOLDER__: string;

const ENGINE = "pypacs-reading";
const VIEWPORT = "stack";
const TOOLS = "pypacs-reading-tools";

let engine: RenderingEngine | undefined;
let report: (text: string) => void = () => {};

function start(element: HTMLElement): RenderingEngine {
  if (engine) return engine;
  initCore();
  initLoader({
    maxWebWorkers: Math.max(1, Math.min(4, Math.floor((navigator.hardwareConcurrency || 2) / 2))),
    wasmBasePath: new URL(`./${__CODECS_FOLDER__}/`, import.meta.url).href,
  });
  initTools();
  engine = new RenderingEngine(ENGINE);
  engine.enableElement({
    viewportId: VIEWPORT,
    type: Enums.ViewportType.STACK,
    element: element as HTMLDivElement,
    defaultOptions: { background: [0, 0, 0] },
  });
  bindTools();
  element.addEventListener("contextmenu", (event) => event.preventDefault()); // right drag zooms
  element.addEventListener(Enums.Events.STACK_NEW_IMAGE, () => describe(element));
  element.addEventListener(Enums.Events.VOI_MODIFIED, () => describe(element));
  element.addEventListener(Enums.Events.IMAGE_RENDERED, () => {
    element.dataset.rendered = "true";
  });
  const rendering = engine;
  new ResizeObserver(() => rendering.resize(true, true)).observe(element);
  return engine;
}

function bindTools(): void {
  for (const tool of [StackScrollTool, WindowLevelTool, PanTool, ZoomTool]) addTool(tool);
  const group = ToolGroupManager.createToolGroup(TOOLS);
  if (!group) throw new Error("the viewport's tools could not be set up");
  const { MouseBindings } = ToolEnums;
  const bindings: [string, number][] = [
    [WindowLevelTool.toolName, MouseBindings.Primary],
    [PanTool.toolName, MouseBindings.Auxiliary],
    [ZoomTool.toolName, MouseBindings.Secondary],
    [StackScrollTool.toolName, MouseBindings.Wheel],
  ];
  for (const [name, mouseButton] of bindings) {
    group.addTool(name);
    group.setToolActive(name, { bindings: [{ mouseButton }] });
  }
  group.addViewport(VIEWPORT, ENGINE);
}

function stackViewport(): Types.IStackViewport {
  return engine!.getViewport(VIEWPORT) as Types.IStackViewport;
}

/** Where the stack is and its window, for the status line and tests: "Image 3 / 28 · W 80 L 40". */
function describe(element: HTMLElement): void {
  const viewport = stackViewport();
  const index = viewport.getCurrentImageIdIndex();
  const total = viewport.getImageIds().length;
  const range = viewport.getProperties().voiRange;
  element.dataset.imageIndex = String(index);
  const parts = [`Image ${index + 1} / ${total}`];
  if (range) {
    const { windowWidth, windowCenter } = utilities.windowLevel.toWindowLevel(range.lower, range.upper);
    parts.push(`W ${Math.round(windowWidth)} L ${Math.round(windowCenter)}`);
  }
  report(parts.join(" · "));
}

/** The image IDs of a series in instance-number order, a frame at a time, their metadata given to the loader. */
export function imageIds(root: string, series: SeriesSummary, instances: DicomJson[]): string[] {
  const base = `wadors:${new URL(root, location.href).href}/studies/${encodeURIComponent(series.study)}/series/${encodeURIComponent(series.uid)}`;
  const ordered = [...instances].sort(
    (a, b) => (number(a, Tag.InstanceNumber) ?? 0) - (number(b, Tag.InstanceNumber) ?? 0),
  );
  const ids: string[] = [];
  for (const instance of ordered) {
    if (!number(instance, Tag.Rows)) continue; // no pixels
    const sop = encodeURIComponent(text(instance, Tag.SOPInstanceUID));
    for (let frame = 1; frame <= (number(instance, Tag.NumberOfFrames) ?? 1); frame += 1) {
      const id = `${base}/instances/${sop}/frames/${frame}`;
      wadors.metaDataManager.add(id, instance as Parameters<typeof wadors.metaDataManager.add>[1]);
      ids.push(id);
    }
  }
  return ids;
}

/** Show a series in the viewport (its first image); false when it has no images. */
export async function showSeries(
  element: HTMLElement,
  client: DicomWebClient,
  series: SeriesSummary,
  onStatus: (text: string) => void,
): Promise<boolean> {
  start(element);
  report = onStatus;
  element.hidden = false;
  delete element.dataset.rendered;
  const ids = imageIds(client.root, series, await client.seriesMetadata(series.study, series.uid));
  if (ids.length === 0) return false;
  const viewport = stackViewport();
  await viewport.setStack(ids, 0);
  viewport.render();
  describe(element);
  return true;
}

/** Show nothing (a series without pictures was chosen). */
export function clear(element: HTMLElement): void {
  element.hidden = true;
  delete element.dataset.rendered;
}
