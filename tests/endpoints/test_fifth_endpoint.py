"""Adding an endpoint with a new parameter touches its declaration only: every form and text
(the parameters panel, the history detail, the result caption, the metadata text, the CLI
help) shows the new field from its title, description, bounds and default."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pydantic import Field
from pytestqt.qtbot import QtBot

from qwenimg_desktop.cli import build_parser
from qwenimg_desktop.core.endpoints import Endpoint, EndpointKind, Tier, build_request, registered
from qwenimg_desktop.core.params import GenerationRequest, form
from qwenimg_desktop.core.pricing import CachedPrice
from qwenimg_desktop.core.settings import AppSettings
from qwenimg_desktop.core.store.history import HistoryStore
from qwenimg_desktop.core.store.metadata import EmbeddedMeta, parameters_text
from qwenimg_desktop.ui.create.draft import Draft
from qwenimg_desktop.ui.create.jobs_model import JobRow
from qwenimg_desktop.ui.create.params_panel import ParamsPanel
from qwenimg_desktop.ui.create.result_viewer import describe
from qwenimg_desktop.ui.history.describe import parameter_rows

TEST_ID = "fal-ai/qwen-image-2/test-only/guided"


class GuidedRequest(GenerationRequest):
    """A test-only schema: the text-to-image fields plus one new parameter."""

    guidance_scale: float = Field(
        default=4.5, ge=1.0, le=12.0, title="Guidance scale",
        description="How closely to follow the prompt.", json_schema_extra=form("number"),
    )


GUIDED = Endpoint(
    id=TEST_ID, title="Test · Guided", kind=EndpointKind.generate, tier=Tier.pro,
    request_model=GuidedRequest, price_per_image_usd=0.5,
)


@pytest.fixture
def guided() -> Iterator[Endpoint]:
    with registered(GUIDED) as endpoint:
        yield endpoint


@pytest.mark.usefixtures("guided")
def test_the_new_field_reaches_the_panel_and_the_request(qtbot: QtBot) -> None:
    draft = Draft()
    panel = ParamsPanel(draft, AppSettings())
    qtbot.addWidget(panel)
    # fal's price for the new endpoint, as the window's price book holds it once read
    panel.prices.update([CachedPrice(TEST_ID, 0.5, "image", "USD", time.time())])
    draft.set_prompt("guided")
    draft.update_params(endpoint=TEST_ID)
    spin = panel.form.inputs["guidance_scale"]
    assert panel.form.endpoint is GUIDED
    assert spin.toolTip() == "How closely to follow the prompt."
    assert (spin.minimum(), spin.maximum(), spin.value()) == (1.0, 12.0, 4.5)  # type: ignore[attr-defined]
    spin.setValue(7.25)  # type: ignore[attr-defined]
    request = draft.validate_now().request
    assert isinstance(request, GuidedRequest)
    assert request.guidance_scale == 7.25
    assert request.to_api_payload()["guidance_scale"] == 7.25
    assert panel.generate.text() == "Generate · $0.50"  # the price fal lists for it
    spin.setValue(12.0)  # type: ignore[attr-defined]
    assert draft.validate_now().ok


@pytest.mark.usefixtures("guided")
def test_the_new_field_reaches_every_text(history_store: HistoryStore,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    request = build_request(TEST_ID, {"prompt": "guided", "guidance_scale": 9.0})
    job_id = history_store.create_pending(request, queue_base="q", cost_estimate=0.5)
    record = history_store.get(job_id)
    assert record is not None
    assert record.request == request  # parsed through the registry as its own model
    rows = {row.key: (row.label, row.value) for row in parameter_rows(record)}
    assert rows["guidance_scale"] == ("Guidance scale", "9.0")
    assert "Guidance scale 9.0" in describe(JobRow(job_id, request))
    assert "Guidance scale: 9.0" in parameters_text(EmbeddedMeta(request=request))
    assert f"Model: {TEST_ID}" in parameters_text(EmbeddedMeta(request=request))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["generate", "--help"])
    help_text = capsys.readouterr().out
    assert "guidance_scale: Guidance scale. How closely to follow the prompt." in help_text
    assert "1–12" in help_text and "default 4.5" in help_text and TEST_ID in help_text  # noqa: PT018
