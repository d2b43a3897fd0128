"""A person's path through the Prefect UI, in headless Chromium: fill the train form, run, read the results.

Screenshots of the form and of the finished run's artifacts are kept in test-output/.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _post(url: str, body: dict):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _refusal(response) -> str:
    try:
        body = response.text()[:500]
    except Exception as exc:  # the body is gone
        body = f"(no body: {exc})"
    return f"{response.status} {response.request.method} {response.url}: {body}"


def _field(page, title: str):
    """The form field whose label starts with ``title``."""
    label = page.locator("span.schema-form-property__label", has_text=re.compile("^" + re.escape(title)))
    return page.locator("div.schema-form-property").filter(has=label).last


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); `make test` installs it when run as root")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def test_train_from_the_ui_form(prefect_stack, browser, dataset_path):
    OUTPUT.mkdir(exist_ok=True)
    ui, api = prefect_stack["ui"], prefect_stack["api"]
    deployment = _get(f"{api}/deployments/name/train/train")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    refused = []  # the API's refusals, for a failure's message
    page.on("response", lambda response: refused.append(response) if response.status >= 400 else None)
    page.goto(f"{ui}/deployments/deployment/{deployment['id']}/run", wait_until="networkidle")

    _field(page, "Dataset").locator("textarea").fill(str(dataset_path("penguins")))
    _field(page, "Target column").locator("textarea").fill("species")
    for title, value in [("Time budget", "30"), ("Generations", "2"), ("Population size", "6"), ("CV folds", "3")]:
        field = _field(page, title)
        field.get_by_role("button", name="int", exact=True).click()
        field.locator("input").first.fill(value)
    _field(page, "Registered model name").get_by_role("button", name="str", exact=True).click()
    _field(page, "Registered model name").locator("textarea, input").first.fill("penguins-from-ui")
    _field(page, "Search space").locator("button.p-select-button__control").click()
    page.keyboard.press("ArrowDown")  # opens the drop-down
    options = page.get_by_role("option")
    assert options.all_inner_texts() == ["auto", "fast", "default", "linear-light", "linear", "graph-light", "graph"]
    page.get_by_role("option", name="fast", exact=True).click()
    page.get_by_role("option").first.wait_for(state="hidden")  # the drop-down has closed
    page.screenshot(path=str(OUTPUT / "ui-train-form.png"), full_page=True)

    submitted = time.time()
    page.get_by_role("button", name="Submit").click()
    try:  # the form leaves its page once the run is created
        page.wait_for_url(lambda url: not url.rstrip("/").endswith("/run"), timeout=30_000)
    except Exception:
        page.screenshot(path=str(OUTPUT / "ui-submit-failed.png"), full_page=True)
        raise AssertionError("the form did not create a run within 30 s (see test-output/ui-submit-failed.png); "
                             f"the API refused: {[_refusal(r) for r in refused] or 'nothing'}") from None
    flow_run = _wait_for_run(api, deployment["id"], submitted)
    assert flow_run["state"]["type"] == "COMPLETED", flow_run["state"]
    request = flow_run["parameters"]["request"]
    assert (request["target_column"], request["time_left"], request["search_space"]) == ("species", 30, "fast")
    assert flow_run["name"] == "penguins-from-ui on train.parquet"
    artifacts = _post(f"{api}/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [flow_run["id"]]}}})
    assert {"leaderboard", "training-summary"} <= {a["key"] for a in artifacts}

    page.goto(f"{ui}/runs/flow-run/{flow_run['id']}", wait_until="networkidle")
    page.screenshot(path=str(OUTPUT / "ui-run.png"), full_page=True)
    page.get_by_text("Artifacts", exact=True).first.click()
    page.get_by_text("training-summary").first.wait_for(timeout=30_000)
    page.screenshot(path=str(OUTPUT / "ui-run-artifacts.png"), full_page=True)


def _wait_for_run(api: str, deployment_id: str, submitted: float, timeout: float = 400) -> dict:
    """The first run of ``deployment_id`` created after ``submitted``, once it has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _post(f"{api}/flow_runs/filter", {"flow_runs": {"deployment_id": {"any_": [deployment_id]}}})
        mine = [r for r in runs if datetime.fromisoformat(r["created"]).timestamp() >= submitted - 5]
        if mine and mine[0]["state"]["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}:
            return mine[0]
        time.sleep(2)
    raise AssertionError(f"no finished run of the train deployment within {timeout:.0f} s")
