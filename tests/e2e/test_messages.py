"""Journeys: Mette writes to Lene with a photo and Lene answers from her inbox; Anders sends
Emma's economy statement from his phone; Karim opens a decision and starts a complaint."""

from __future__ import annotations

import struct
import zlib

from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, login_as, open_menu_link, text_of


def png() -> bytes:
    """A real one-pixel PNG: what a phone's camera would send, only smaller."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))
        )

    header = struct.pack("!IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_mette_writes_to_lene_with_a_photo_and_sees_her_answer(page: Page, lene: Page) -> None:
    login_as(page, "Mette Lund Sørensen")
    open_menu_link(page, "Beskeder")
    expect(page.locator("h1")).to_have_text("Beskeder")
    expect(page.get_by_label("Lene Bach, Koordinerende sagsbehandler")).to_be_checked()
    page.get_by_label("Besked", exact=True).fill("Hej Lene. Her er et billede af brevet fra lægen.")
    page.locator("input[type=file]").set_input_files(
        {"name": "IMG_0042.png", "mimeType": "image/png", "buffer": png()}
    )
    page.get_by_role("button", name="Send besked").click()
    expect(page.locator("#receipt")).to_contain_text("Din besked er sendt")
    newest = page.locator(".conversation .message").first
    expect(newest).to_contain_text("billede af brevet")
    expect(newest).to_contain_text("Ikke læst endnu")
    expect(newest.locator(".message-attachments a")).to_have_text("IMG_0042.png")

    lene.get_by_role("link", name="Beskeder fra borgere").click()
    first = lene.locator(".inbox li").first
    expect(first).to_contain_text("Mette Lund Sørensen")
    expect(first).to_contain_text("1 ulæst")
    first.get_by_role("link").click()
    expect(lene.locator(".message").first).to_contain_text("billede af brevet")
    lene.get_by_label("Besked", exact=True).fill("Tak, Mette. Jeg ringer til lægen i morgen.")
    lene.get_by_role("button", name="Send svar").click()
    expect(lene.locator(".alert-success")).to_contain_text("Dit svar er sendt")

    page.reload()
    messages = page.locator(".conversation .message")
    expect(messages.first).to_contain_text("Jeg ringer til lægen i morgen")
    expect(messages.nth(1)).to_contain_text("Læst af Lene Bach, i dag")

    page.set_viewport_size(DESKTOP)
    page.locator(".language-switcher a[lang=en]").click()
    expect(page.locator("h1")).to_have_text("Messages")
    expect(page.locator(".conversation .message").nth(1)).to_contain_text(
        "Read by Lene Bach, today"
    )
    page.locator(".language-switcher a[lang=da]").click()


def test_anders_sends_the_economy_statement_from_his_phone(page: Page, lene: Page) -> None:
    login_as(page, "Anders Kjær Poulsen")
    page.wait_for_url("**/vaelg-person**")
    page.get_by_label("Emma Kjær Poulsen").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/overblik")
    page.goto("/min-plan")
    page.locator("#missing-doc-emma-4 a").click()
    expect(page.locator("input[type=file]")).to_have_attribute("accept", "image/*,application/pdf")
    page.locator("input[type=file]").set_input_files(
        {"name": "oekonomi.png", "mimeType": "image/png", "buffer": png()}
    )
    page.get_by_role("button", name="Send dokument").click()
    expect(page.locator(".alert-success")).to_contain_text("Oplysninger om familiens økonomi")
    received = text_of(page, "#missing-doc-emma-4")
    assert "Modtaget" in received, received

    lene.get_by_role("link", name="Se Emma Kjær Poulsens visning").click()
    lene.get_by_label("Formål").fill("Tjekker modtagne dokumenter")
    lene.get_by_role("button", name="Vis borgerens visning").click()
    lene.goto("/min-plan")
    expect(lene.locator("#missing-doc-emma-4")).to_contain_text("Modtaget")
    expect(lene.locator("a[href^='/send-dokument']")).to_have_count(0)


def test_karim_opens_a_decision_and_starts_a_complaint(page: Page) -> None:
    login_as(page, "Karim Hassan")
    open_menu_link(page, "Breve og afgørelser")
    first = page.locator(".letter-list li").first
    expect(first).to_contain_text("Ulæst")
    first.get_by_role("link").click()
    expect(page.locator(".complaint")).to_contain_text("Du kan klage indtil")
    page.get_by_role("link", name="Klag over afgørelsen").click()
    expect(page.locator("#write-heading")).to_have_text("Klag over afgørelsen")
    page.get_by_label("Besked", exact=True).fill(
        "Jeg klager over afgørelsen. Jeg har brug for flere timer bostøtte."
    )
    page.get_by_role("button", name="Send besked").click()
    expect(page.locator("#receipt")).to_contain_text("Din besked er sendt")
    expect(page.locator(".conversation .message").first).to_contain_text("flere timer bostøtte")
