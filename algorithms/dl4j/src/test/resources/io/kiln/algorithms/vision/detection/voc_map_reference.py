"""Independent reference for MeanAveragePrecisionTest: Pascal VOC detection AP, written from the VOC
devkit's published algorithm (VOCevaldet.m / VOCap.m, and the 11-point AP of VOC2007), numpy only.

Reads a JSON problem from argv[1]:
  {"num_classes": C, "iou": 0.5,
   "images": [{"dets": [[class, score, xmin, ymin, xmax, ymax], ...],
               "gts":  [[class, xmin, ymin, xmax, ymax, difficult], ...]}, ...]}
and prints {"voc07": [AP or null per class], "all": [AP or null per class]} (null: no ground truth).

Per class, as the devkit does it: all detections of the class over all images sorted by confidence
(highest first); each, in turn, against the ground truth of its own image: the box of largest IoU
decides; IoU >= threshold on a non-difficult box not yet detected is a true positive, on one already
detected a false positive; on a difficult box neither; below the threshold a false positive.
Coordinates are normalised, so IoU has no +1 pixel term.
"""
import json
import sys

import numpy as np


def iou(det, gts):
    ixmin = np.maximum(gts[:, 0], det[0])
    iymin = np.maximum(gts[:, 1], det[1])
    ixmax = np.minimum(gts[:, 2], det[2])
    iymax = np.minimum(gts[:, 3], det[3])
    iw = np.maximum(ixmax - ixmin, 0.0)
    ih = np.maximum(iymax - iymin, 0.0)
    inters = iw * ih
    uni = (det[2] - det[0]) * (det[3] - det[1]) + (gts[:, 2] - gts[:, 0]) * (gts[:, 3] - gts[:, 1]) - inters
    out = np.zeros(len(gts))
    ok = uni > 0
    out[ok] = inters[ok] / uni[ok]
    return out


def class_ap(problem, cls):
    thr = problem["iou"]
    gt_boxes, gt_diff, gt_seen = {}, {}, {}
    npos = 0
    image_ids, conf, boxes = [], [], []
    for i, img in enumerate(problem["images"]):
        g = np.array([x for x in img["gts"] if int(x[0]) == cls], dtype=np.float64).reshape(-1, 6)
        gt_boxes[i] = g[:, 1:5]
        gt_diff[i] = g[:, 5].astype(bool)
        gt_seen[i] = np.zeros(len(g), dtype=bool)
        npos += int(np.sum(~gt_diff[i]))
        for d in img["dets"]:
            if int(d[0]) == cls:
                image_ids.append(i)
                conf.append(d[1])
                boxes.append(d[2:6])
    if npos == 0:
        return None, None
    conf = np.array(conf, dtype=np.float64)
    order = np.argsort(-conf, kind="stable")
    nd = len(order)
    tp = np.zeros(nd)
    fp = np.zeros(nd)
    for rank, k in enumerate(order):
        i = image_ids[k]
        g = gt_boxes[i]
        if len(g) == 0:
            fp[rank] = 1
            continue
        ov = iou(np.array(boxes[k], dtype=np.float64), g)
        j = int(np.argmax(ov))
        if ov[j] >= thr:
            if not gt_diff[i][j]:
                if not gt_seen[i][j]:
                    tp[rank] = 1
                    gt_seen[i][j] = True
                else:
                    fp[rank] = 1
        else:
            fp[rank] = 1
    tp = np.cumsum(tp)
    fp = np.cumsum(fp)
    rec = tp / float(npos)
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    # VOC2007: 11-point interpolated AP
    ap07 = 0.0
    for t in np.arange(0.0, 1.1, 0.1):
        p = np.max(prec[rec >= t]) if np.sum(rec >= t) > 0 else 0.0
        ap07 += p / 11.0
    # VOC2010+: area under the monotone precision envelope
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = max(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    ap_all = float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))
    return float(ap07), ap_all


def main():
    with open(sys.argv[1]) as f:
        problem = json.load(f)
    voc07, allp = [], []
    for c in range(problem["num_classes"]):
        a, b = class_ap(problem, c)
        voc07.append(a)
        allp.append(b)
    print(json.dumps({"voc07": voc07, "all": allp}))


if __name__ == "__main__":
    main()
