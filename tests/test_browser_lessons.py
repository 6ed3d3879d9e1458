"""Real browser: a student completes lesson 3 -- runs naughty rows, types the fix, checks it."""
import re

import pytest

pytestmark = pytest.mark.browser

TIMEOUT = 300_000  # the session starts its own worker process and Spark session on its first run


def settle(page):
    """Wait until the app has finished its current rerun (clicks during a rerun are lost)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=TIMEOUT)


def click(page, key: str):
    settle(page)
    page.locator(f".st-key-{key} button").first.click()


def test_student_completes_lesson_3(app_server, page, tmp_path):
    from dcs_engine import registry
    from lessons import course

    lesson = course.get("l03_dcs_prompt")
    step = next(i for i, s in enumerate(lesson.steps, 1) if s.technique == "naughty_rows")
    if not registry.get("naughty_rows").runnable:  # fall back to the DCS prompt
        step = next(i for i, s in enumerate(lesson.steps, 1) if s.technique == "take")
    page.set_default_timeout(60_000)
    page.goto(f"{app_server}/lessons")
    click(page, "ls_open_03")
    page.get_by_role("heading", name="3. The DCS prompt: None.startswith").wait_for()
    click(page, f"ls_run_{step}")
    # the result of the run (the story also mentions AttributeError: wait for the run's own text)
    expect = r"2,688 raised" if step == 2 else r"First 10 row\(s\)"
    page.get_by_text(re.compile(expect)).first.wait_for(timeout=TIMEOUT)
    click(page, "ls_hint")
    page.get_by_text("Hint 1:").wait_for()
    settle(page)
    box = page.locator(".st-key-ls_code textarea")
    assert "startswith" in box.input_value()
    box.fill(lesson.fix)
    box.press("Control+Enter")   # commit the text area's value
    settle(page)
    click(page, "ls_check")
    page.get_by_text(re.compile(r"keeps exactly the 201 e10s pings")).wait_for(timeout=TIMEOUT)
    page.get_by_text("You passed this lesson.").wait_for()
    page.screenshot(path=str(tmp_path / "lesson3.png"), full_page=True)
    click(page, "ls_back")
    page.get_by_text("1 of 10 lessons passed in this browser session.").wait_for()
