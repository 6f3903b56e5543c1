"""Counting a journey's taps (the brief: a care worker's time is the scarcest resource): each click, check, choice
or focus of a text box is one tap. A journey's test asserts its count stays under its budget."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


class Taps:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def click(self, target: Locator) -> None:
        self.count += 1
        target.click()
        self.page.wait_for_load_state()

    def back(self) -> None:
        self.count += 1
        self.page.go_back()
        self.page.wait_for_load_state()

    def check(self, target: Locator) -> None:
        self.count += 1
        target.check()

    def type(self, target: Locator, text: str) -> None:
        self.count += 1
        target.fill(text)

    def choose(self, target: Locator, value: str) -> None:
        self.count += 1
        target.select_option(value)
