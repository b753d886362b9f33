"""Draw khdesk's icon (resources/icons/khdesk.svg's geometry) with Pillow and write
resources/icons/khdesk.png (256 px) and resources/icons/khdesk.ico (16–256 px).

Run once by hand when the SVG changes (`.venv/bin/python installer/make_icon.py`); the
outputs are committed, so the build does not need Pillow to draw them.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
RED, YELLOW = (200, 16, 46, 255), (255, 205, 0, 255)
SIZES = (16, 24, 32, 48, 64, 128, 256)
SCALE = 4  # draw large, then downsample: smooth edges without an SVG renderer


def star(cx: float, cy: float, outer: float, inner: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return points


def draw(size: int = 256) -> Image.Image:
    s = size * SCALE / 256  # the SVG's 256-unit grid
    img = Image.new("RGBA", (size * SCALE, size * SCALE), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([8 * s, 8 * s, 248 * s, 248 * s], radius=40 * s, fill=RED)
    d.polygon([(x * s, y * s) for x, y in star(128, 118, 94, 36)], fill=YELLOW)
    corner = Image.new("RGBA", img.size, (0, 0, 0, 0))
    ImageDraw.Draw(corner).polygon(
        [(184 * s, 248 * s), (248 * s, 248 * s), (248 * s, 184 * s)], fill=(255, 255, 255, 217)
    )
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        [8 * s, 8 * s, 248 * s, 248 * s], radius=40 * s, fill=255
    )
    img.alpha_composite(Image.composite(corner, Image.new("RGBA", img.size), mask))
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    big = draw(256)
    big.save(ICONS / "khdesk.png", optimize=True)
    big.save(ICONS / "khdesk.ico", sizes=[(n, n) for n in SIZES])
    print(f"{ICONS / 'khdesk.png'}, {ICONS / 'khdesk.ico'}")


if __name__ == "__main__":
    main()
