// What Cornerstone3D's CPU drawing path does differently from its WebGL path, made up for through its public API:
// whether the page draws on the CPU, and a stack keeping its window (and saying it truly) from image to image.

import { Enums, getShouldUseCPURendering, type Types } from "@cornerstonejs/core";

/** Whether the page's viewports draw on the CPU (cornerstone.ts chooses, once, before the first viewport). */
export function drawsOnCpu(): boolean {
  return getShouldUseCPURendering();
}

interface KeptWindow {
  /** The window last set on the viewport (by the reader, a preset, a presentation state); none: each image's own. */
  range?: Types.VOIRange;
  applying: boolean;
}

const readerWindows = new WeakMap<HTMLElement, KeptWindow>();

/**
 * On the CPU path a new image of the stack is drawn with the window of the image before, while the viewport's
 * properties say the new image's own window. The WebGL path keeps a window the reader (or a presentation state)
 * set and otherwise shows each image's own. Do the same: right after each new image is taken in (before it is
 * drawn, in the same frame), set the window it should have, so what is drawn and what is said agree.
 */
export function keepWindowOnCpu(element: HTMLElement, viewport: () => Types.IStackViewport | undefined): void {
  if (!drawsOnCpu()) return;
  const kept: KeptWindow = { applying: false };
  readerWindows.set(element, kept);
  element.addEventListener(Enums.Events.VOI_MODIFIED, (event) => {
    const range = (event as CustomEvent<{ range?: Types.VOIRange }>).detail?.range;
    if (!kept.applying) kept.range = range && { ...range };
  });
  element.addEventListener(Enums.Events.VIEWPORT_NEW_IMAGE_SET, () => {
    kept.range = undefined;
  });
  element.addEventListener(Enums.Events.STACK_NEW_IMAGE, () => {
    // the viewport takes the image in after this event, synchronously: a microtask runs after that, before drawing
    queueMicrotask(() => {
      const shown = viewport();
      const target = kept.range ?? shown?.getProperties().voiRange;
      if (!shown || !target) return;
      kept.applying = true;
      try {
        shown.setProperties({ voiRange: { ...target } }, true);
      } finally {
        kept.applying = false;
      }
    });
  });
}

/** The viewport's properties as its image has them (window, inversion); on the CPU, each image's own window again. */
export function resetProperties(viewport: Types.IStackViewport): void {
  viewport.resetProperties();
  const kept = readerWindows.get(viewport.element);
  if (kept) kept.range = undefined;
}
