"""The official SDK 0.5.0 (``luma-agents``, the dev extra) agrees with the spec's 0.5.0
additions, against the emulator: every request field ``sdk-0.5.0.md`` lists as nullable,
passed as ``None`` (the SDK then sends JSON ``null``) in an otherwise valid call, is accepted;
``None`` where the spec does not allow null is refused, naming the field; a layering job
polls to completed with RGBA layers front to back."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
import luma_agents
import pytest
from PIL import Image

WAIT = 10.0
PNG = "iVBORw0KGgo="
GEN_SOURCE = {"url": "https://example.com/street.mp4", "media_type": "video/mp4"}


def _edit(edit: dict[str, Any]) -> dict[str, Any]:
    return {"type": "video_edit", "source": GEN_SOURCE, "video": {"edit": edit}}


def _control(name: str, field: str) -> dict[str, Any]:
    return _edit({"controls": {name: {field: None}}})


#: position of the nullable field (as sdk-0.5.0.md names it) -> the create call's arguments
#: besides the prompt, with None at that position
NULLABLE: dict[str, dict[str, Any]] = {
    **{name: {name: None} for name in ("aspect_ratio", "output_format", "source", "user_id", "video", "layering")},
    "source.url": {"type": "image_edit", "source": {"data": PNG, "media_type": "image/png", "url": None}},
    **{f"source.{name}": {"type": "image_edit", "source": {"url": "https://example.com/a.png", name: None}} for name in ("data", "media_type", "generation_id")},
    **{f"video.{name}": {"type": "video", "video": {name: None}} for name in ("duration", "resolution", "hdr", "exr_export", "loop", "start_frame", "end_frame", "keyframes", "keyframe_indexes", "source_position", "edit")},
    **{f"video.edit.{name}": _edit({name: None}) for name in ("strength", "auto_controls", "controls", "keyframes", "keyframe_indexes")},
    **{f"video.edit.controls.{name}": _edit({"controls": {name: None}}) for name in ("depth", "face", "normals", "pose", "trajectory")},
    **{f"video.edit.controls.{name}.enabled": _control(name, "enabled") for name in ("depth", "face", "normals", "pose", "trajectory")},
    "video.edit.controls.depth.blur": _control("depth", "blur"),
    "video.edit.controls.normals.augmentation": _control("normals", "augmentation"),
    "video.edit.controls.pose.strength": _control("pose", "strength"),
    "video.edit.controls.trajectory.sparsity": _control("trajectory", "sparsity"),
    "image_ref[].media_type": {"image_ref": [{"url": "https://example.com/style.png", "media_type": None}]},
    "video.keyframes[].data": {"type": "video", "video": {"keyframes": [{"url": "https://example.com/k.png", "data": None}], "keyframe_indexes": [0]}},
}


@pytest.fixture
def sdk(emulator_url: str, emulator_token: str) -> luma_agents.Luma:
    return luma_agents.Luma(auth_token=emulator_token, base_url=emulator_url, max_retries=0)


def _sent(args: dict[str, Any], position: str) -> Any:
    """The value the call puts at ``position`` (proves the None is really in the call)."""
    node: Any = args
    for step in position.replace("[]", ".0").split("."):
        node = node[int(step)] if isinstance(node, list) else node[step]
    return node


@pytest.mark.parametrize("position", sorted(NULLABLE))
def test_none_at_every_nullable_field_is_accepted(sdk: luma_agents.Luma, position: str) -> None:
    args = NULLABLE[position]
    assert _sent(args, position) is None
    response = sdk.generations.with_raw_response.create(prompt="p", **args)
    assert response.status_code == 201


def test_the_sdk_sends_json_null_for_none(sdk: luma_agents.Luma) -> None:
    """What the tests above rely on: the SDK does not drop a None it is passed."""
    response = sdk.generations.with_raw_response.create(prompt="p", aspect_ratio=None, video=None)
    sent = response.http_request.read().replace(b" ", b"")
    assert b'"aspect_ratio":null' in sent and b'"video":null' in sent


@pytest.mark.parametrize("field", ["model", "type"])
def test_none_where_null_is_not_allowed_is_refused_naming_the_field(sdk: luma_agents.Luma, field: str) -> None:
    with pytest.raises(luma_agents.BadRequestError) as info:
        sdk.generations.create(prompt="p", **{field: None})
    violations = info.value.body["violations"] if "violations" in info.value.body else info.value.body["error"]["violations"]
    assert {v["path"] for v in violations} == {f"/{field}"}, violations
    assert any(v["rule"].endswith(".type") and v["message"] == "must be a string" for v in violations)


def test_layering_polls_to_completed_with_rgba_layers_front_to_back(sdk: luma_agents.Luma) -> None:
    gen = sdk.generations.create(
        prompt="Separate the cyclist from the street",
        type="layering",
        source={"url": "https://example.com/photo.png"},
        layering={"resolution": "2k"},
    )
    deadline = time.monotonic() + WAIT
    while gen.state not in ("completed", "failed"):
        assert time.monotonic() < deadline, gen
        time.sleep(0.05)
        gen = sdk.generations.get(gen.id)
    assert gen.state == "completed" and gen.type == "layering" and gen.model == "uni-1"
    layers = [o.layer for o in gen.output]
    assert len(layers) >= 2 and all(isinstance(layer, luma_agents.types.generation_output.Layer) for layer in layers)
    assert [layer.index for layer in layers] == list(range(len(layers)))
    assert layers[-1].alpha_hint == "none" and all(layer.alpha_hint in ("soft", "hard") for layer in layers[:-1])
    assert all(layer.label and layer.description for layer in layers)
    for i, output in enumerate(gen.output):
        with Image.open(io.BytesIO(httpx.get(output.url, timeout=30).content)) as image:
            assert image.format == "PNG" and image.mode == "RGBA" and max(image.size) == 256  # 2k
            lowest, highest = image.getchannel("A").getextrema()
            if i == len(gen.output) - 1:
                assert lowest == 255  # the background is opaque
            else:
                assert lowest < 255 and highest == 255  # a layer: transparent around its element
