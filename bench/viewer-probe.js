// bench/viewer.py's probe, added to every page before the viewer's own scripts run (Playwright's
// add_init_script). The same probe watches pypacs's viewer and OHIF: both draw with Cornerstone3D, whose
// element events (IMAGE_RENDERED, STACK_NEW_IMAGE, VOI_MODIFIED) are DOM CustomEvents on the viewport element.
// They do not bubble, but every DOM event passes the document in its capture phase, so a capturing listener sees
// them without any hook in either viewer and without knowing either viewer's page (no ids, no classes). The first
// image on screen is also looked for at every animation frame in every big canvas and <img> of the page, so that a
// picture drawn otherwise (pypacs's page shows the server's rendering of the first image before its viewer has
// started) counts too; `ready` keeps the first Cornerstone render. Times are performance.now(): ms since the
// navigation started. A series' frames are received either a response per frame (WADO-RS Retrieve Frames: OHIF,
// and pypacs's viewer when its bulk request fails) or all in one response to the series' own URL (pypacs's viewer
// asks for the series' pixel data as bulk data, PS3.18 10.4): a completed response to a URL whose path ends in
// `/series/<uid>` counts as every frame of that series received at its end. Nothing here knows which viewer asks.
(() => {
  const probe = {
    firstImage: null, // {at, width, height, x, y}: the first picture on screen (a render, or a big canvas or <img>)
    ready: null, // ms: the first Cornerstone render of a visible viewport showing a picture (the viewer works)
    frames: new Map(), // WADO-RS frame URL -> {start, end} of its first complete response
    seriesResponses: new Map(), // series UID -> {start, end} of the first complete response to the series' URL
    metadata: null, // {start, end}: the first WADO-RS metadata response
    rendered: 0, // renders of visible viewports
    newImageFrames: 0, // renders showing another image than the render before (scrolling)
    newWindowFrames: 0, // renders showing another window than the render before (W/L drag)
    countedRenders: 0, // renders of visible viewports while counting
    animationFrames: 0, // requestAnimationFrame callbacks while counting (the display's rate)
    imageIndex: null, // the stack position of the latest STACK_NEW_IMAGE of a visible viewport
    shownIndex: null, // the stack position of the image in the latest render of a visible viewport
    counting: false,
  };
  window.__viewerBench = probe;
  performance.setResourceTimingBufferSize(1000000);

  let imageChanged = false;
  let windowChanged = false;
  const sample = document.createElement("canvas");
  sample.width = sample.height = 16;
  let frameSample = document.createElement("canvas"); // the per-frame look's own: a cross-origin picture taints it
  frameSample.width = frameSample.height = 16;

  // A viewport a reader looks at: on screen and big. Thumbnails and off-screen render targets (OHIF renders
  // thumbnails through hidden viewports) are not. Sizes are kept up to date by a ResizeObserver: asking the box
  // in each render would make the browser lay the page out again in the middle of the viewer's frame (~1 ms a
  // frame on this machine), a cost of the probe, not of the viewer.
  const sizes = new WeakMap();
  const resized = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const box = entry.borderBoxSize?.[0];
      if (box) sizes.set(entry.target, { width: box.inlineSize, height: box.blockSize });
    }
  });
  function visible(element) {
    if (!(element instanceof Element)) return false;
    let size = sizes.get(element);
    if (!size) {
      const box = element.getBoundingClientRect();
      size = { width: box.width, height: box.height };
      sizes.set(element, size);
      resized.observe(element);
    }
    return size.width >= 256 && size.height >= 256 && getComputedStyle(element).visibility !== "hidden";
  }

  // The middle third of the viewport's canvas, scaled down: blank (the black background) or an image. Read in
  // the render's own task: Cornerstone3D has just drawn the picture into this (2D) canvas.
  function showsPicture(element, into = sample) {
    const canvas = element instanceof HTMLCanvasElement || element instanceof HTMLImageElement ? element : element.querySelector("canvas");
    if (!canvas) return false;
    const width = canvas instanceof HTMLImageElement ? canvas.naturalWidth : canvas.width;
    const height = canvas instanceof HTMLImageElement ? canvas.naturalHeight : canvas.height;
    if (!width || !height || (canvas instanceof HTMLImageElement && !canvas.complete)) return false;
    const context = into.getContext("2d", { willReadFrequently: true });
    context.clearRect(0, 0, 16, 16);
    context.drawImage(canvas, width / 3, height / 3, width / 3, height / 3, 0, 0, 16, 16);
    const pixels = context.getImageData(0, 0, 16, 16).data;
    let bright = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (Math.max(pixels[i], pixels[i + 1], pixels[i + 2]) > 24) bright += 1;
    }
    return bright >= 16; // at least 1/16 of the samples: an image, not a cursor or a stray overlay line
  }

  document.addEventListener(
    "CORNERSTONE_STACK_NEW_IMAGE",
    (event) => {
      if (!visible(event.target)) return;
      imageChanged = true;
      probe.imageIndex = event.detail?.imageIdIndex ?? null;
    },
    true,
  );
  document.addEventListener(
    "CORNERSTONE_VOI_MODIFIED",
    (event) => {
      if (visible(event.target)) windowChanged = true;
    },
    true,
  );
  document.addEventListener(
    "CORNERSTONE_IMAGE_RENDERED",
    (event) => {
      const at = performance.now();
      const element = event.target;
      if (!visible(element)) return;
      probe.rendered += 1;
      probe.shownIndex = probe.imageIndex;
      if (probe.ready === null && showsPicture(element)) {
        probe.ready = at;
        if (probe.firstImage === null) found(element.querySelector("canvas"), element, at);
      }
      if (probe.counting) {
        probe.countedRenders += 1;
        if (imageChanged) probe.newImageFrames += 1;
        if (windowChanged) probe.newWindowFrames += 1;
      }
      imageChanged = windowChanged = false;
    },
    true,
  );

  // Every response, cross-origin ones too (OHIF is served from another port than pypacs): their start and end.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.responseEnd <= 0) continue;
      const path = entry.name.split("?", 1)[0];
      const picture = path.endsWith("/rendered") || path.endsWith("/thumbnail"); // not a frame's pixel data
      if (path.includes("/frames/") && !picture && !probe.frames.has(entry.name)) {
        probe.frames.set(entry.name, { start: entry.startTime, end: entry.responseEnd });
      } else if (/\/series\/[^/]+$/.test(path)) {
        const uid = decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
        if (!probe.seriesResponses.has(uid)) probe.seriesResponses.set(uid, { start: entry.startTime, end: entry.responseEnd });
      } else if (path.endsWith("/metadata") && probe.metadata === null) {
        probe.metadata = { start: entry.startTime, end: entry.responseEnd };
      }
    }
  }).observe({ type: "resource", buffered: true });

  function found(picture, element, at) {
    const box = element.getBoundingClientRect();
    const width = picture instanceof HTMLImageElement ? Math.round(box.width) : picture.width;
    const height = picture instanceof HTMLImageElement ? Math.round(box.height) : picture.height;
    probe.firstImage = { at, width, height, x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  // A picture on screen drawn any other way: checked once a frame, in the frame's animation callbacks (the time
  // is then that frame's), until one is found.
  function lookForPicture(at) {
    for (const element of document.querySelectorAll("canvas, img")) {
      if (visible(element) && showsPicture(element, frameSample)) {
        found(element, element, at);
        return;
      }
    }
  }

  function tick(at) {
    if (probe.counting) probe.animationFrames += 1;
    if (probe.firstImage === null && document.body) {
      try {
        lookForPicture(at);
      } catch {
        // a cross-origin picture cannot be read (not one of the viewers' images): it has tainted the sample
        frameSample = document.createElement("canvas");
        frameSample.width = frameSample.height = 16;
      }
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);

  // Called by the benchmark.
  function framesOf(series) {
    return [...probe.frames].filter(([url]) => url.includes(series)).map(([, times]) => times);
  }
  // `slices`: the series' frame count, all received when a response to the series' URL has completed.
  probe.framesOf = (series, slices = 0) => {
    const ends = framesOf(series).map((times) => times.end);
    const whole = probe.seriesResponses.get(series);
    if (whole) return { count: Math.max(slices, ends.length), last: Math.max(whole.end, ...ends) };
    return { count: ends.length, last: ends.length ? Math.max(...ends) : null };
  };
  // Where the time to the first image went: the metadata asked for and received, the first frame asked for
  // (the earliest frame request) and received.
  probe.timeline = (series) => {
    const frames = framesOf(series).sort((a, b) => a.start - b.start);
    return {
      metadataAsked: probe.metadata?.start ?? null,
      metadataReceived: probe.metadata?.end ?? null,
      frameAsked: frames[0]?.start ?? null,
      frameReceived: frames[0]?.end ?? null,
      seriesAsked: probe.seriesResponses.get(series)?.start ?? null, // the series in one response, if so
      seriesReceived: probe.seriesResponses.get(series)?.end ?? null,
      shown: probe.firstImage?.at ?? null,
      ready: probe.ready,
    };
  };
  function startCounting() {
    probe.newImageFrames = probe.newWindowFrames = probe.animationFrames = probe.countedRenders = 0;
    imageChanged = windowChanged = false;
    probe.counting = true;
    return performance.now();
  }
  // Continuous input over the viewport for `ms`: one event per animation frame, dispatched in a task of its own
  // after the frame (as the browser hands a page continuous input: coalesced, once a frame, before the next
  // frame's animation callbacks). "scroll": wheel steps back and forth through the stack; "window": a left-button
  // drag, the mouse moving 3 px a frame in a zigzag. The events go to the element under the point, as the
  // browser's own would; sent from here rather than through Playwright, whose every input waits for a round trip
  // through its driver, so the rate does not depend on the benchmark's process. Resolves with rates per second.
  probe.drive = (kind, x, y, ms, slices) =>
    new Promise((resolve) => {
      const target = document.elementFromPoint(x, y);
      const at = (clientX, clientY) => ({
        bubbles: true, cancelable: true, composed: true, view: window, clientX, clientY, screenX: clientX,
        screenY: clientY,
      });
      let direction = 1;
      let sent = 0;
      let dx = 3;
      let cx = x;
      if (kind === "window") target.dispatchEvent(new MouseEvent("mousedown", { ...at(x, y), button: 0, buttons: 1 }));
      const started = startCounting();
      function step() {
        const now = performance.now();
        if (now - started >= ms) {
          probe.counting = false;
          if (kind === "window") document.dispatchEvent(new MouseEvent("mouseup", { ...at(cx, y), button: 0, buttons: 0 }));
          const elapsed = (now - started) / 1000;
          resolve({
            newImages: probe.newImageFrames / elapsed, newWindows: probe.newWindowFrames / elapsed,
            renders: probe.countedRenders / elapsed, display: probe.animationFrames / elapsed, input: sent / elapsed,
          });
          return;
        }
        setTimeout(send, 0);
        requestAnimationFrame(step);
      }
      function send() {
        if (kind === "scroll") {
          const index = probe.imageIndex;
          if (index !== null && index >= slices - 3) direction = -1;
          else if (index !== null && index <= 2) direction = 1;
          // wheelDeltaY as a real wheel's (its sign opposite to deltaY): Cornerstone3D's normalizeWheel reads it.
          const wheel = { deltaY: 120 * direction, deltaMode: 0, wheelDeltaY: -120 * direction };
          target.dispatchEvent(new WheelEvent("wheel", { ...at(x, y), ...wheel }));
        } else {
          cx += dx;
          if (Math.abs(cx - x) > 150) dx = -dx;
          target.dispatchEvent(new MouseEvent("mousemove", { ...at(cx, y + (cx - x) / 3), button: 0, buttons: 1 }));
        }
        sent += 1;
      }
      requestAnimationFrame(step);
    });
})();
