"""A folder of images as a table: one sub-folder per class (Pillow), every picture resized to the
most common size (or the model's), flattened row-major into columns ``x0, x1, ...``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def read_image_folder(path: Path, pd, image: dict | None, need_labels: bool):
    """Images under ``path/<class>/`` (or directly in ``path`` when predicting)."""
    try:
        from PIL import Image
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("Reading images needs Pillow: pip install 'layerwise[data]'.") from err
    subdirs = sorted(d for d in path.iterdir() if d.is_dir() and not d.name.startswith("."))
    groups = [(d.name, d) for d in subdirs] or [(None, path)]
    if need_labels and not subdirs:
        raise ValueError(
            f"{path} has no sub-folders: training on images needs one sub-folder per class."
        )
    files, labels = [], []
    for label, folder in groups:
        found = sorted(
            p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
        files += found
        labels += [label] * len(found)
    if not files:
        raise ValueError(f"{path} holds no images ({', '.join(IMAGE_SUFFIXES)}).")
    pictures = []
    for file in files:
        try:
            with Image.open(file) as im:
                im.load()
                pictures.append(im.copy())
        except (OSError, Image.DecompressionBombError) as err:
            raise ValueError(f"cannot read image {file}: {err}") from err
    if image is None:
        grey = all(p.mode in ("1", "L", "LA", "I", "I;16", "F") for p in pictures)
        size = Counter(p.size for p in pictures).most_common(1)[0][0]  # the most common (w, h)
        image = {"size": list(size), "mode": "L" if grey else "RGB"}
    size, mode = tuple(image["size"]), image["mode"]
    rows = [
        np.asarray(
            (p.convert(mode) if p.mode != mode else p).resize(size, Image.Resampling.BILINEAR)
        )
        for p in pictures
    ]
    X = np.stack(rows).reshape(len(rows), -1)  # (m, h·w·c), row-major, uint8
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    default = []
    if subdirs:
        frame["label"] = pd.Series(labels, dtype=object)
        default = ["label"]
    extra = {"scaling": "unit", "image": image, "files": [str(f) for f in files]}
    return frame, default, extra
