// gradlab's graph view: an anywidget front-end module (plain ES module, no build step,
// no import from the network). It shows the SVG text of the model's `svg` in an area
// that pans (drag), zooms (mouse wheel, at the pointer), has buttons `fit` (the whole
// picture in the area) and `1:1` (natural size), and on hover over a node shows what
// the node says (its name and type, and its value and adjoint when they are drawn).
//
// The view (scale s, offset x, y) belongs to the view object: it survives the picture
// being replaced when a slider moves. A point p of the picture is drawn at
// (x, y) + s * p; zooming by a factor k at the pointer q keeps q still:
// x' = q - (q - x) * k.

const MIN_SCALE = 0.05;
const MAX_SCALE = 8;
const WHEEL_RATE = 0.0015;      // scale factor exp(-deltaY * rate) per wheel event

function parseSvg(text) {
  // DOMParser never runs scripts or handlers; a parse error yields an empty picture.
  const doc = new DOMParser().parseFromString(text || "<svg xmlns='http://www.w3.org/2000/svg'/>",
                                              "image/svg+xml");
  const root = doc.documentElement;
  if (!root || root.nodeName.toLowerCase() !== "svg") {
    return document.createElementNS("http://www.w3.org/2000/svg", "svg");
  }
  return document.importNode(root, true);
}

// What a node of a graphviz picture says: its tooltip (xlink:title, "x: Scalar(float64)")
// and the lines of its label (the name or op, "= 2", "ā = 8.39" when shown).
function nodeText(node) {
  const link = node.querySelector("a");
  const lines = [];
  const tip = link && (link.getAttribute("xlink:title") || link.getAttribute("title"));
  if (tip) lines.push(tip);
  for (const t of node.querySelectorAll("text")) {
    const s = t.textContent.trim();
    if (s && !lines.includes(s)) lines.push(s);
  }
  return lines;
}

function render({ model, el }) {
  const view = { s: 1, x: 0, y: 0, drag: null };
  const area = document.createElement("div");
  area.className = "gradlab-pan";
  const content = document.createElement("div");
  content.className = "gradlab-pan-content gradlab-svg";
  const tools = document.createElement("div");
  tools.className = "gradlab-pan-tools";
  const tip = document.createElement("div");
  tip.className = "gradlab-pan-tip";
  tip.hidden = true;

  function button(label, title, cls, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.title = title;
    b.textContent = label;
    b.addEventListener("click", action);
    tools.appendChild(b);
  }

  const size = () => ({ w: model.get("width"), h: model.get("height") });
  function apply() {
    content.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.s})`;
    area.dataset.scale = view.s.toFixed(4);
  }
  function fit() {
    const { w, h } = size();
    const s = Math.min(area.clientWidth / w, area.clientHeight / h, 1);
    view.s = s;
    view.x = Math.max(0, (area.clientWidth - w * s) / 2);
    view.y = 0;
    apply();
  }
  function actual() {
    view.s = 1; view.x = 0; view.y = 0;
    apply();
  }
  button("fit", "show the whole picture", "gradlab-pan-fit", fit);
  button("1:1", "natural size", "gradlab-pan-actual", actual);

  function draw() {
    const { w, h } = size();
    area.dataset.width = w.toFixed(1);
    area.dataset.height = h.toFixed(1);
    area.style.height = `${Math.round(Math.min(h + 4, model.get("max_height")))}px`;
    content.style.width = `${w.toFixed(1)}px`;
    content.replaceChildren(parseSvg(model.get("svg")));
    tip.hidden = true;
    apply();
  }

  area.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = area.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    const s = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.s * Math.exp(-e.deltaY * WHEEL_RATE)));
    view.x = px - (px - view.x) * s / view.s;
    view.y = py - (py - view.y) * s / view.s;
    view.s = s;
    apply();
  }, { passive: false });
  area.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 || e.target.closest("button")) return;
    view.drag = { x: e.clientX - view.x, y: e.clientY - view.y };
    if (area.setPointerCapture) area.setPointerCapture(e.pointerId);
    area.classList.add("gradlab-dragging");
    tip.hidden = true;
    e.preventDefault();
  });
  area.addEventListener("pointermove", (e) => {
    if (!view.drag) return;
    view.x = e.clientX - view.drag.x;
    view.y = e.clientY - view.drag.y;
    apply();
  });
  const up = () => { view.drag = null; area.classList.remove("gradlab-dragging"); };
  area.addEventListener("pointerup", up);
  area.addEventListener("pointercancel", up);

  content.addEventListener("pointerover", (e) => {
    const node = e.target.closest && e.target.closest("g.node");
    if (!node || view.drag) return;
    const lines = nodeText(node);
    if (!lines.length) return;
    tip.replaceChildren(...lines.map((s) => {
      const line = document.createElement("div");
      line.textContent = s;
      return line;
    }));
    const r = area.getBoundingClientRect(), n = node.getBoundingClientRect();
    tip.style.left = `${Math.max(0, n.right - r.left + 6)}px`;
    tip.style.top = `${Math.max(0, n.top - r.top)}px`;
    tip.hidden = false;
    node.classList.add("gradlab-hover");
  });
  content.addEventListener("pointerout", (e) => {
    const node = e.target.closest && e.target.closest("g.node");
    if (node && !node.contains(e.relatedTarget)) {
      node.classList.remove("gradlab-hover");
      tip.hidden = true;
    }
  });

  area.append(content, tools, tip);
  el.appendChild(area);
  draw();
  model.on("change:svg", draw);
  return () => model.off("change:svg", draw);
}

export default { render };
