"""The Mini App's page in a real browser (Debian's Chromium, driven by Playwright): search, scroll, a card, a
delete behind Telegram's confirmation, and screenshots at 360×740 in light and dark (saved in tmp_path); several
deleted at once, and what the page says offline, when throttled and when its sign-in is a day old.

Telegram's own script is blocked: a stand-in `window.Telegram.WebApp`, its init data signed with the test bot's
token, is injected before the page's script runs, as the Telegram client would provide one."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.webapp_client import APP_URL, init_data
from webapp.server import bound_port, start_webapp_server

CHROMIUM = next((path for path in ("/usr/bin/chromium", shutil.which("chromium") or "",
                                   shutil.which("chromium-browser") or "") if path and Path(path).exists()), None)
playwright_api = pytest.importorskip("playwright.async_api", reason="pip install playwright (a test dependency)")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: install Debian's package with "
                       "`apt-get install chromium` (.ci/run does); never `playwright install`"),
    pytest.mark.timeout(120),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999", "link_color": "#2481cc",
         "button_color": "#2481cc", "button_text_color": "#ffffff", "secondary_bg_color": "#efeff3"}
DARK = {"bg_color": "#212d3b", "text_color": "#ffffff", "hint_color": "#7d8b99", "link_color": "#5eabe1",
        "button_color": "#50a8eb", "button_text_color": "#ffffff", "secondary_bg_color": "#151e27"}
STAND_IN = """
window.Telegram = {WebApp: {
  initData: %(init)s, initDataUnsafe: {user: {id: 100, first_name: "Анна", language_code: "ru"}},
  colorScheme: %(scheme)s, themeParams: %(theme)s, confirms: [],
  MainButton: {text: "", isVisible: false, setText(t) { this.text = t; }, show() { this.isVisible = true; },
               hide() { this.isVisible = false; }, onClick(f) { this.press = f; }, enable() {}, showProgress() {},
               hideProgress() {}},
  BackButton: {isVisible: false, show() { this.isVisible = true; }, hide() { this.isVisible = false; }, onClick() {}},
  showConfirm(text, done) { this.confirms.push(text); setTimeout(() => done(true), 0); },
  HapticFeedback: {notificationOccurred() {}}, ready() {}, expand() {}, onEvent() {},
}};
"""


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        await launched.close()


async def open_app(browser: Any, url: str, *, dark: bool = False, init: str | None = None) -> Any:
    context = await browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1,
                                        color_scheme="dark" if dark else "light")
    await context.route("https://telegram.org/**", lambda route: route.abort())  # the stand-in takes its place
    await context.add_init_script(STAND_IN % {"init": json.dumps(init or init_data(100)),
                                              "scheme": json.dumps("dark" if dark else "light"),
                                              "theme": json.dumps(DARK if dark else LIGHT)})
    page = await context.new_page()
    await page.goto(url)
    return page


async def test_search_scroll_card_delete_and_screenshots(make, plusofon, browser, tmp_path):
    bot = await make(connect=100, webapp_url=APP_URL, webapp_host="127.0.0.1", notify_chat_id=-100500)
    numbers = plusofon.seed(40, 119)
    petrov = plusofon.seed(40, 1, phone_b="79161234567", description="Иван Петров, ООО «Ромашка»")[0]
    await bot.synced()
    runner = await start_webapp_server(bot.settings, bot.services, port=0)
    try:
        url = f"http://127.0.0.1:{bound_port(runner)}/app/"
        page = await open_app(browser, url)
        expect = playwright_api.expect
        await expect(page.locator("#status")).to_have_text("Номеров: 120")
        await expect(page.locator(".row")).to_have_count(50)
        await page.screenshot(path=tmp_path / "light.png")

        await page.locator("#search").press_sequentially("петров", delay=30)
        await expect(page.locator("#status")).to_have_text("Найдено: 1")
        await expect(page.locator(".row")).to_have_count(1)
        await expect(page.locator(".row")).to_contain_text("+7 916 123-45-67")

        await page.locator("#search").fill("")
        await expect(page.locator("#status")).to_have_text("Номеров: 120")
        await page.mouse.wheel(0, 20_000)
        await expect(page.locator(".row")).to_have_count(100)
        await page.mouse.wheel(0, 20_000)
        await expect(page.locator(".row")).to_have_count(120)

        target = numbers[0]  # the oldest: the last row
        await page.locator(f'.row[data-id="{target["id"]}"]').click()
        await expect(page.locator("#card")).to_be_visible()
        await expect(page.locator("#card-phone-b")).to_have_attribute("href", "tel:+" + target["phoneB"])
        assert await page.evaluate("Telegram.WebApp.BackButton.isVisible")
        await page.locator("#card-delete").click()
        await expect(page.locator("#card")).to_be_hidden()
        await expect(page.locator(f'.row[data-id="{target["id"]}"]')).to_have_count(0)
        await expect(page.locator("#status")).to_have_text("Номеров: 119")
        assert await page.evaluate("Telegram.WebApp.confirms") == [
            "Удалить умный номер +7 " + f"{target['phoneX'][1:4]} {target['phoneX'][4:7]}-"
            f"{target['phoneX'][7:9]}-{target['phoneX'][9:]}?"]
        assert target["id"] not in {n["id"] for n in plusofon.numbers(40)}
        assert petrov["id"] in {n["id"] for n in plusofon.numbers(40)}

        dark = await open_app(browser, url, dark=True)
        await expect(dark.locator(".row")).to_have_count(50)
        assert await dark.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(21, 30, 39)"
        await dark.screenshot(path=tmp_path / "dark.png")
        await dark.locator(".row").first.click()
        await expect(dark.locator("#card")).to_be_visible()
        await dark.screenshot(path=tmp_path / "dark-card.png")
        print(f"screenshots in {tmp_path}")
    finally:
        await runner.cleanup()


async def test_select_many_delete_them_as_one_job_and_errors_get_a_line_and_a_retry(make, plusofon, browser):
    bot = await make(connect=100, webapp_url=APP_URL, webapp_host="127.0.0.1", throttle_user_burst=6,
                     throttle_user_per_minute=1)
    numbers = plusofon.seed(40, 30)
    await bot.synced()
    runner = await start_webapp_server(bot.settings, bot.services, port=0)
    expect = playwright_api.expect
    try:
        url = f"http://127.0.0.1:{bound_port(runner)}/app/"
        page = await open_app(browser, url)
        await expect(page.locator("#status")).to_have_text("Номеров: 30")

        # three chosen, one confirmation, one job on the server (followed until it ends)
        await page.locator("#select-toggle").click()
        chosen = [number["id"] for number in numbers[-3:]]
        for number_id in chosen:
            await page.locator(f'.row[data-id="{number_id}"]').click()
        await expect(page.locator("#delete-selected")).to_have_text("Удалить (3)")
        assert await page.evaluate("[Telegram.WebApp.MainButton.isVisible, Telegram.WebApp.MainButton.text]") == [
            True, "Удалить (3)"]  # in Telegram, its main button stands for the page's own
        await page.evaluate("Telegram.WebApp.MainButton.press()")
        await expect(page.locator("#toast")).to_have_text("Удалено: 3")
        await expect(page.locator("#status")).to_have_text("Номеров: 27")
        for number_id in chosen:
            await expect(page.locator(f'.row[data-id="{number_id}"]')).to_have_count(0)
        assert await page.evaluate("Telegram.WebApp.confirms") == ["Удалить выбранные номера (3)?"]
        assert not {n["id"] for n in plusofon.numbers(40)} & set(chosen) and plusofon.count("DELETE") == 3
        await bot.tg.wait_for(lambda call: call.method_name == "sendDocument" and call.params.get("chat_id") == 100)

        # a slower delete of many, stopped from the page: the row in flight ends, the others stay
        plusofon.inject("slow", method="DELETE", times=5, delay=0.8)  # to press ⏹ meanwhile (under the client timeout, 1 s)
        await page.locator("#select-toggle").click()
        for number in numbers[:3]:
            await page.locator(f'.row[data-id="{number["id"]}"]').click()
        await page.evaluate("Telegram.WebApp.MainButton.press()")
        await page.locator("#job-stop").click()
        await expect(page.locator("#toast")).to_have_text("Остановлено. Удалено: 1")
        await expect(page.locator("#status")).to_have_text("Номеров: 26")
        assert plusofon.count("DELETE") == 4

        # offline: a line and a retry, and the list still there; back online, the page retries by itself
        await page.context.set_offline(True)
        await page.locator("#search").fill("zzz-none")
        await expect(page.locator("#notice-text")).to_have_text("Нет связи. Проверьте интернет.")
        await expect(page.locator("#notice-retry")).to_be_visible()
        await expect(page.locator(".row")).to_have_count(26)
        await page.context.set_offline(False)
        await expect(page.locator("#notice")).to_be_hidden()
        await expect(page.locator("#status")).to_have_text("Найдено: 0")

        # too fast: the server's own throttle (a read costs a quarter of a command) says so, with a retry
        for typed in map(str, range(1, 30)):  # each search waited for: typing faster sends only the last
            async with page.expect_response(lambda response: "/app/api/numbers?" in response.url) as answer:
                await page.locator("#search").fill(typed)
            if (await answer.value).status == 429:
                break
        await expect(page.locator("#notice-text")).to_have_text("Слишком часто. Подождите немного.")
        await expect(page.locator("#notice-retry")).to_be_visible()

        # the app sat open for more than a day: its sign-in is refused; a line that says what to do
        stale = await open_app(browser, url, init=init_data(100, age=25 * 3600))
        await expect(stale.locator("#notice-text")).to_have_text(
            "Сессия устарела: закройте и откройте приложение заново.")
        await expect(stale.locator("#search")).to_be_visible()  # the page, not a blank one
    finally:
        await runner.cleanup()
