"""Realistic requests of every type, each with a near-miss twin that breaks one rule.

The valid bodies are the spec's own request examples; the twins are written here by hand.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from luma_gen import validate_request

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {
    name: ex["value"]
    for name, ex in yaml.safe_load((ROOT / "spec" / "generations.yaml").read_text())["paths"]["/generations"]["post"]["requestBody"]["content"]["application/json"]["examples"].items()
}


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def apply(body: dict) -> None:
        *parents, last = path.split("/")
        node = body
        for p in parents:
            node = node.setdefault(p, {}) if not p.isdigit() else node[int(p)]
        node[last] = value
    return apply


def _drop(path: str) -> Callable[[dict], None]:
    def apply(body: dict) -> None:
        *parents, last = path.split("/")
        node = body
        for p in parents:
            node = node[p] if not p.isdigit() else node[int(p)]
        del node[last]
    return apply


TWINS = [
    ("image", _set("image_ref", [{"url": f"https://e.com/{i}.png"} for i in range(10)]), "image-ref-max-9-for-image", "/image_ref"),
    ("image", _set("model", "ray-3.2"), "model-fits-image-types", "/model"),
    ("image_edit", _drop("source"), "source-required-for-edit-types", "/source"),
    ("image_edit", _set("image_ref/0/generation_id", "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"), "image-ref-exactly-one-source", "/image_ref/0"),
    ("text_to_video", _set("video/hdr", False), "video-exr-export-requires-hdr", "/video/hdr"),
    ("text_to_video", _set("video/resolution", "360p"), "video-360p-not-with-hdr-on-video", "/video/hdr"),
    ("image_to_video_keyframes", _set("video/duration", "10s"), None, None),
    ("image_to_video_keyframes", _set("video/keyframe_indexes", [0, 60, 121]), "video-keyframe-indexes-in-grid", "/video/keyframe_indexes/2"),
    ("image_to_video_keyframes", _set("video/keyframe_indexes", [0, 60]), "video-keyframe-indexes-length", "/video/keyframe_indexes"),
    ("image_to_video_keyframes", _set("video/start_frame", {"url": "https://e.com/s.png"}), "video-keyframes-exclusive-start-frame", "/video/start_frame"),
    ("video_edit", _drop("source/media_type"), "source-media-type-with-url-for-video-edit", "/source/media_type"),
    ("video_edit", _set("video/edit/keyframe_indexes", [48, 49]), "edit-keyframe-indexes-length", "/video/edit/keyframe_indexes"),
    ("video_reframe", _set("video/hdr", True), "video-hdr-not-for-reframe", "/video/hdr"),
    ("video_reframe", _set("video/edit", {"strength": "flex_1"}), "video-edit-only-for-video-edit", "/video/edit"),
    ("video_reframe", _set("video/source_position/w_norm", 0), "SourcePosition.w_norm.exclusiveMinimum", "/video/source_position/w_norm"),
    ("image", _set("prompt", "x" * 6001), "GenerationCreateParams.prompt.maxLength", "/prompt"),
    ("layering", _set("model", "uni-1-max"), "layering-model-uni-1", "/model"),
    ("layering", _drop("source"), "layering-needs-source", "/source"),
    ("layering", _set("source", None), "layering-needs-source", "/source"),
    ("layering", _set("source", {"url": "https://e.com/v.mp4", "media_type": "video/mp4"}), "layering-source-image-media", "/source/media_type"),
    ("layering", _set("prompt", "x" * 501), "layering-prompt-max-500", "/prompt"),
    ("layering", _set("output_format", "jpeg"), "layering-output-png", "/output_format"),
    ("layering", _set("aspect_ratio", "16:9"), "layering-no-aspect-ratio", "/aspect_ratio"),
    ("layering", _set("image_ref", [{"url": "https://e.com/style.png"}]), "layering-no-image-ref", "/image_ref"),
    ("layering", _set("video", {"duration": "5s"}), "video-options-only-for-video-types", "/video"),
    ("layering", _set("layering", None), None, None),
    ("image", _set("layering", {"resolution": "1k"}), "layering-options-only-for-layering", "/layering"),
    # null is "not given": these stay valid, or break only what the non-null values break
    ("nulls_are_not_given", _set("source", {"url": "https://e.com/a.png", "data": None, "generation_id": None}), None, None),
    ("nulls_are_not_given", _set("source", {"url": "https://e.com/a.png", "data": None, "generation_id": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"}), "image-ref-exactly-one-source", "/source"),
    ("text_to_video", _set("video/hdr", None), "video-exr-export-requires-hdr", "/video/hdr"),
    ("image_to_video_keyframes", _set("video/keyframes", None), "video-keyframes-parallel-lists", "/video/keyframes"),
    ("image_to_video_keyframes", _set("video/duration", None), None, None),
]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_realistic_request_is_valid(name: str) -> None:
    assert validate_request("createGeneration", EXAMPLES[name]) == []


def test_every_type_is_covered() -> None:
    kinds = {body.get("type", "image") for body in EXAMPLES.values()}
    assert kinds == {"image", "image_edit", "video", "video_edit", "video_reframe", "layering"}
    videos = [body.get("video") or {} for body in EXAMPLES.values()]
    assert any("keyframes" in video for video in videos)
    assert any("controls" in (video.get("edit") or {}) for video in videos)
    assert any("source_position" in video for video in videos)
    assert any(None in body.values() for body in EXAMPLES.values())  # a client that sends null


@pytest.mark.parametrize("name, mutate, rule, pointer", TWINS, ids=[f"{t[0]}-{t[2]}" for t in TWINS])
def test_near_miss_twin_breaks_exactly_one_rule(name: str, mutate: Callable, rule: str, pointer: str) -> None:
    body = copy.deepcopy(EXAMPLES[name])
    mutate(body)
    expected = [(rule, pointer)] if rule else []
    assert [(v.rule, v.path) for v in validate_request("createGeneration", body)] == expected
