"""Page weight in real Chromium: compressed bytes of a first visit and of a warm navigation.

Logs a citizen in through the MitID simulator, hands the session cookie to Debian's
Chromium (Playwright), then (1) opens the overview with an empty cache and (2) navigates to
the plan page with the cache now warm. Counts every response's bytes on the wire (Chrome's
encodedDataLength: compressed body plus headers) by type, the number of requests, and how
many came from the cache; fails if any request goes to another host.
Budgets: first visit ≤ 120 KB, warm navigation ≤ 10 KB.

    scripts/prod.sh &                       # in another terminal
    .venv/bin/python bench/page_weight.py   # --help for options
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

DEBIAN_CHROMIUM = "/usr/bin/chromium"
BUDGETS_KB = {"first visit": 120.0, "warm navigation": 10.0}
KINDS = {
    "Document": "HTML",
    "Stylesheet": "CSS",
    "Script": "JS",
    "Font": "fonts",
    "Image": "images",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="portal base URL")
    parser.add_argument("--persona", default="p-mette", help="citizen to log in as")
    parser.add_argument("--first", default="/overblik", help="page of the first visit")
    parser.add_argument("--then", default="/min-plan", help="page of the warm navigation")
    parser.add_argument("--width", type=int, default=375, help="viewport width (px)")
    parser.add_argument("--list", action="store_true", help="also list every response")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", DEBIAN_CHROMIUM))
    return parser.parse_args(argv)


@dataclass
class Visit:
    name: str
    bytes_by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: int = 0
    from_cache: int = 0
    urls: list[str] = field(default_factory=list)
    sizes: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.bytes_by_kind.values())


class Recorder:
    """Collects Chrome's network events (CDP) for one visit at a time."""

    def __init__(self) -> None:
        self.visit = Visit("")
        self.kinds: dict[str, str] = {}
        self.cached: set[str] = set()
        self.url_of: dict[str, str] = {}

    def on_response(self, event: dict[str, Any]) -> None:
        self.kinds[event["requestId"]] = KINDS.get(event.get("type", ""), "other")
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromMemoryCache"):
            self.cached.add(event["requestId"])

    def on_request(self, event: dict[str, Any]) -> None:
        self.visit.requests += 1
        self.visit.urls.append(event["request"]["url"])
        self.url_of[event["requestId"]] = event["request"]["url"]

    def on_cache(self, event: dict[str, Any]) -> None:
        self.cached.add(event["requestId"])

    def on_finished(self, event: dict[str, Any]) -> None:
        request_id = event["requestId"]
        if request_id in self.cached:
            self.visit.from_cache += 1
            return
        kind = self.kinds.get(request_id, "other")
        size = int(event.get("encodedDataLength", 0))
        self.visit.bytes_by_kind[kind] += size
        self.visit.sizes.append((kind, self.url_of.get(request_id, "?"), size))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from playwright.sync_api import sync_playwright

    from portal.devstack import apt_need, log_in

    if args.chromium == DEBIAN_CHROMIUM:  # on a fresh machine: Debian's, as the tests do
        apt_need(DEBIAN_CHROMIUM, "chromium")

    client = log_in(args.url, args.persona)
    origin = urlsplit(args.url)
    cookies: list[Any] = [
        {"name": c.name, "value": c.value or "", "url": args.url} for c in client.cookies.jar
    ]
    visits: list[Visit] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=args.chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        context = browser.new_context(viewport={"width": args.width, "height": 800})
        context.add_cookies(cookies)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        recorder = Recorder()
        cdp.on("Network.requestWillBeSent", recorder.on_request)
        cdp.on("Network.responseReceived", recorder.on_response)
        cdp.on("Network.requestServedFromCache", recorder.on_cache)
        cdp.on("Network.loadingFinished", recorder.on_finished)
        cdp.send("Network.enable")
        for name, path in (("first visit", args.first), ("warm navigation", args.then)):
            recorder.visit = Visit(name)
            response = page.goto(args.url + path, wait_until="networkidle")
            if response is None or response.status != 200 or urlsplit(page.url).path != path:
                sys.exit(f"{path}: {response and response.status} at {page.url}")
            page.wait_for_timeout(300)
            visits.append(recorder.visit)
        browser.close()

    foreign = [u for v in visits for u in v.urls if urlsplit(u).netloc not in (origin.netloc, "")]
    kinds = [*KINDS.values(), "other"]
    print(f"portal {args.url}, citizen {args.persona}, Chromium at {args.width} px")
    print(f"\n{'':17}" + "".join(f"{k:>9}" for k in kinds) + f"{'total':>10}{'requests':>10}")
    over = []
    for visit in visits:
        row = "".join(f"{visit.bytes_by_kind.get(k, 0) / 1024:8.1f}K" for k in kinds)
        total_kb = visit.total / 1024
        print(
            f"{visit.name:17}{row}{total_kb:9.1f}K{visit.requests:6d} ({visit.from_cache} cached)"
        )
        if total_kb > BUDGETS_KB[visit.name]:
            over.append(f"{visit.name} {total_kb:.1f} KB > {BUDGETS_KB[visit.name]:.0f} KB")
    if args.list:
        for visit in visits:
            print(f"\n{visit.name}:")
            for kind, url, size in visit.sizes:
                print(f"  {size / 1024:7.1f}K  {kind:7} {urlsplit(url).path}")
    print("\nbytes on the wire (compressed body + headers); K = 1024 bytes")
    for name, budget in BUDGETS_KB.items():
        print(f"budget {name}: ≤ {budget:.0f} KB")
    if foreign:
        sys.exit(f"requests to another host: {foreign}")
    print("requests to another host: none")
    if over:
        print("OVER BUDGET: " + "; ".join(over))
        sys.exit(1)


if __name__ == "__main__":
    main()
