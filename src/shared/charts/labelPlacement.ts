// Where to draw the labels of scatter points so that none overlaps another: each label tries the spots beside its
// point (right, left, above, below), then steps further down and up until it finds a free one; a label moved away
// from its point gets a leader line. Pure geometry in pixels, so the webview's drawing is unit-tested here.

export interface LabelAnchor {
  /** the point, in pixels */
  x: number;
  y: number;
  /** the label's size, in pixels */
  width: number;
  height: number;
}

export interface LabelBox {
  left: number;
  top: number;
  width: number;
  height: number;
  /** true when the label sits away from its point (draw a leader line) */
  moved: boolean;
}

const GAP = 6;

const overlaps = (a: LabelBox, b: LabelBox): boolean =>
  a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;

/** A box per anchor, in the anchors' order, no two overlapping. */
export function placeLabels(anchors: readonly LabelAnchor[]): LabelBox[] {
  const placed: LabelBox[] = [];
  const out: LabelBox[] = new Array<LabelBox>(anchors.length);
  // top to bottom, then left to right, so stacks of equal points fan out in a stable order
  const order = anchors.map((_, i) => i).sort((i, j) => anchors[i].y - anchors[j].y || anchors[i].x - anchors[j].x);
  for (const i of order) {
    const a = anchors[i];
    const beside: [number, number][] = [
      [a.x + GAP, a.y - a.height / 2],
      [a.x - GAP - a.width, a.y - a.height / 2],
      [a.x - a.width / 2, a.y - GAP - a.height],
      [a.x - a.width / 2, a.y + GAP],
    ];
    const far: [number, number][] = [];
    for (let k = 1; k <= 40; k++)
      for (const dir of [1, -1]) far.push([a.x + GAP, a.y - a.height / 2 + dir * k * (a.height + 2)]);
    let box: LabelBox | undefined;
    for (const [n, [left, top]] of [...beside, ...far].entries()) {
      const b = { left, top, width: a.width, height: a.height, moved: n >= beside.length };
      if (!placed.some((p) => overlaps(p, b))) {
        box = b;
        break;
      }
    }
    box ??= { left: a.x + GAP, top: a.y - a.height / 2, width: a.width, height: a.height, moved: false };
    placed.push(box);
    out[i] = box;
  }
  return out;
}
