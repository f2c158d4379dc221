"""Small real output files: PNG and JPEG (Pillow), RGBA PNG layers, and H.264 MP4 (PyAV,
which ships FFmpeg).

Each file is a colour gradient whose hue comes from the generation id, in the requested
aspect ratio (long side 128 px for images, 160 px for videos); videos run 24 fps for the
requested duration (5 s or 10 s). The bytes depend only on the arguments, so a download is
reproducible; recently made files are cached in memory.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
from functools import lru_cache

from PIL import Image, ImageChops

#: file extension and Content-Type of each output format
FORMATS: dict[str, tuple[str, str]] = {
    "png": ("png", "image/png"),
    "jpeg": ("jpg", "image/jpeg"),
    "mp4": ("mp4", "video/mp4"),
}
EXT_TYPES: dict[str, str] = {ext: ctype for ext, ctype in FORMATS.values()}
IMAGE_LONG_SIDE = 128
VIDEO_LONG_SIDE = 160
VIDEO_FPS = 24


def dimensions(aspect_ratio: str | None, long_side: int, even: bool = False) -> tuple[int, int]:
    """``(width, height)`` in pixels for ``aspect_ratio`` ("W:H", None: 16:9 for the long side
    ``long_side``); ``even`` rounds both to even numbers (H.264 in yuv420p needs it)."""
    w, h = (int(x) for x in (aspect_ratio or "16:9").split(":"))
    if w >= h:
        width, height = long_side, max(2, round(long_side * h / w))
    else:
        width, height = max(2, round(long_side * w / h)), long_side
    if even:
        width, height = width - width % 2, height - height % 2
    return width, height


def _base_colour(seed: str) -> tuple[float, float, float]:
    hue = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:2], "big") / 65535
    return colorsys.hsv_to_rgb(hue, 0.6, 0.9)


def _frame(seed: str, size: tuple[int, int]) -> Image.Image:
    """A horizontal gradient of the seed's hue."""
    width, height = size
    r, g, b = _base_colour(seed)
    row = bytearray()
    for x in range(width):
        t = x / max(1, width - 1)
        k = 0.35 + 0.65 * t
        row += bytes((int(255 * r * k), int(255 * g * k), int(255 * b * k)))
    return Image.frombytes("RGB", size, bytes(row) * height)


@lru_cache(maxsize=64)
def render_image(seed: str, aspect_ratio: str | None, fmt: str) -> bytes:
    """A PNG (``fmt="png"``) or JPEG (``fmt="jpeg"``) image, as bytes.

    Raises ``ValueError`` for another ``fmt``.
    """
    if fmt not in ("png", "jpeg"):
        raise ValueError(f"unknown image format {fmt!r}")
    image = _frame(seed, dimensions(aspect_ratio, IMAGE_LONG_SIDE))
    buf = io.BytesIO()
    image.save(buf, format="PNG" if fmt == "png" else "JPEG", quality=85)
    return buf.getvalue()


#: long side in pixels of a layer per ``layering.resolution`` (small stand-ins for 1k and 2k)
LAYER_LONG_SIDE = {"1k": 128, "2k": 256}


@lru_cache(maxsize=64)
def render_layer(seed: str, index: int, count: int, resolution: str, alpha_hint: str) -> bytes:
    """Layer ``index`` of ``count`` (front to back) as an RGBA PNG, as bytes.

    Every layer but the last is an ellipse on a transparent canvas (smaller and further left
    the nearer the front; ``alpha_hint="soft"`` feathers its edge, ``"hard"`` keeps it sharp);
    the last, the background (``alpha_hint="none"``), is the opaque gradient.
    """
    from PIL import ImageDraw, ImageFilter

    size = dimensions(None, LAYER_LONG_SIDE.get(resolution, LAYER_LONG_SIDE["1k"]))
    colour = _frame(f"{seed}/{index}", size).convert("RGBA")
    if alpha_hint != "none":
        width, height = size
        mask = Image.new("L", size, 0)
        share = (index + 1) / count  # front layers are smaller
        w, h = int(width * 0.3 * (1 + share)), int(height * 0.45 * (1 + share))
        left = int((width - w) * index / max(1, count - 1))
        ImageDraw.Draw(mask).ellipse((left, (height - h) // 2, left + w, (height + h) // 2), fill=255)
        if alpha_hint == "soft":
            mask = mask.filter(ImageFilter.GaussianBlur(max(1, width // 40)))
        colour.putalpha(mask)
    buf = io.BytesIO()
    colour.save(buf, format="PNG")
    return buf.getvalue()


def _video_codec() -> str:
    import av

    return "libx264" if "libx264" in av.codecs_available else "mpeg4"


@lru_cache(maxsize=16)
def render_video(seed: str, aspect_ratio: str | None, seconds: int) -> bytes:
    """An MP4 (H.264, yuv420p, 24 fps, ``seconds`` long, no audio), as bytes."""
    import av  # imported here: loading FFmpeg costs time the image-only paths need not pay

    size = dimensions(aspect_ratio, VIDEO_LONG_SIDE, even=True)
    frames = max(1, seconds * VIDEO_FPS)
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream(_video_codec(), rate=VIDEO_FPS)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        base = _frame(seed, size)
        for i in range(frames):
            # scroll the gradient: one full turn over the clip
            offset = int(size[0] * i / frames)
            image = ImageChops.offset(base, -offset, 0)
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()
