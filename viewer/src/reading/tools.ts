// The mouse tools of every viewport, in one Cornerstone3D tool group: the left button does the chosen tool
// (window by default, or pan, zoom, a measurement, an arrow, a note), the middle button pans, the right one
// zooms, the wheel scrolls. Measurements not being drawn stay editable (passive): drag a handle to change one.

import {
  AngleTool,
  ArrowAnnotateTool,
  EllipticalROITool,
  Enums as ToolEnums,
  LabelTool,
  LengthTool,
  PanTool,
  PlanarFreehandROITool,
  RectangleROITool,
  ReferenceLinesTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  type Types as ToolTypes,
} from "@cornerstonejs/tools";
import { askText } from "../ui/ask";
import { ENGINE_ID } from "./cornerstone";
import { imageLines } from "./measurement-text";
import { measurementOfData } from "./measurements/annotations";

export const GROUP_ID = "pypacs-reading-tools";

export const TOOLS = {
  window: { name: WindowLevelTool.toolName, label: "Window" },
  pan: { name: PanTool.toolName, label: "Pan" },
  zoom: { name: ZoomTool.toolName, label: "Zoom" },
  length: { name: LengthTool.toolName, label: "Length" },
  angle: { name: AngleTool.toolName, label: "Angle" },
  ellipse: { name: EllipticalROITool.toolName, label: "Ellipse" },
  rectangle: { name: RectangleROITool.toolName, label: "Rectangle" },
  freehand: { name: PlanarFreehandROITool.toolName, label: "Freehand" },
  arrow: { name: ArrowAnnotateTool.toolName, label: "Arrow" },
  text: { name: LabelTool.toolName, label: "Text" },
} as const;

export type ToolKey = keyof typeof TOOLS;

/** Tools that draw annotations (kept passive, hence editable, when another tool has the left button). */
export const ANNOTATION_TOOLS: ToolKey[] = ["length", "angle", "ellipse", "rectangle", "freehand", "arrow", "text"];
const { MouseBindings } = ToolEnums;

let group: ToolTypes.IToolGroup | undefined;
let active: ToolKey = "window";

const askForText = (done: (text: string | null) => void) => void askText("Text").then(done);
const changeText = (data: { label?: string }, _event: unknown, done: (text: string | null) => void) =>
  void askText("Text", data.label ?? "").then(done);
/** The text box of a measurement: our own values (measurements/measure.ts), not Cornerstone's statistics. */
const measurementLines = (data: unknown): string[] => {
  const measurement = measurementOfData(data);
  return measurement ? imageLines(measurement) : [];
};

function configuration(key: ToolKey): Record<string, unknown> | undefined {
  switch (key) {
    case "length":
    case "angle":
      return { getTextLines: measurementLines };
    case "ellipse":
    case "rectangle":
      return { getTextLines: measurementLines, calculateStats: false };
    case "freehand":
      // the freehand tool shows no text box at all without its own statistics
      return { getTextLines: measurementLines, calculateStats: true };
    case "arrow":
    case "text":
      return { getTextCallback: askForText, changeTextCallback: changeText };
    default:
      return undefined;
  }
}

export function toolGroup(): ToolTypes.IToolGroup {
  if (group) return group;
  const created = ToolGroupManager.createToolGroup(GROUP_ID);
  if (!created) throw new Error("the viewports' tools could not be set up");
  group = created;
  for (const key of Object.keys(TOOLS) as ToolKey[]) group.addTool(TOOLS[key].name, configuration(key));
  group.addTool(StackScrollTool.toolName);
  group.addTool(ReferenceLinesTool.toolName, { sourceViewportId: "" });
  group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
  group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
  group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: MouseBindings.Secondary }] });
  for (const key of ANNOTATION_TOOLS) group.setToolPassive(TOOLS[key].name);
  chooseTool("window");
  return group;
}

export function addViewport(viewportId: string): void {
  toolGroup().addViewport(viewportId, ENGINE_ID);
}

export function removeViewport(viewportId: string): void {
  toolGroup().removeViewports(ENGINE_ID, viewportId);
}

export function activeTool(): ToolKey {
  return active;
}

/** Give the left button to a tool; the one that had it keeps its other buttons (pan: middle, zoom: right) or,
 * for a measurement, stays editable. */
export function chooseTool(key: ToolKey): void {
  const tools = toolGroup();
  const holder = tools.getActivePrimaryMouseButtonTool();
  if (holder && holder !== TOOLS[key].name) tools.setToolPassive(holder);
  active = key;
  tools.setToolActive(TOOLS[key].name, { bindings: [{ mouseButton: MouseBindings.Primary }] });
}

/** Reference lines: the active viewport's plane drawn in the others (sharing its Frame of Reference). */
export function showReferenceLines(sourceViewportId: string | undefined): void {
  const tools = toolGroup();
  if (!sourceViewportId) {
    tools.setToolDisabled(ReferenceLinesTool.toolName);
    return;
  }
  tools.setToolConfiguration(ReferenceLinesTool.toolName, { sourceViewportId });
  tools.setToolEnabled(ReferenceLinesTool.toolName);
}
